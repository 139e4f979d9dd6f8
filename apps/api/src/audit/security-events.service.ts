import { Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { AuthEvent, AuthPrincipal } from '@bastion/auth';
import { AuditTrail, type AuditEventInput, type AuditOutcome } from '@bastion/audit';
import { AlertEngine, Metrics } from '@bastion/observability';

/** What a request tells about who did something and from where. */
export interface RequestContext {
  ip?: string;
  id?: string;
  headers?: Record<string, string | string[] | undefined>;
  user?: AuthPrincipal;
}

/** One security event of the demo. */
export interface SecurityEvent {
  action: string;
  outcome: AuditOutcome;
  /** Who: defaults to the request's principal. */
  actorId?: string;
  actorType?: AuditEventInput['actorType'];
  tenantId?: string;
  target?: { type: string; id?: string };
  details?: Record<string, unknown>;
  /** The key an alert rule counts by (an account, a principal). */
  alertKey?: string;
}

/**
 * Where the demo's security events go: the audit trail (buffered, off the
 * request's path), the alert engine, and the counters on /metrics.
 */
@Injectable()
export class SecurityEvents implements OnModuleDestroy, OnApplicationBootstrap {
  private readonly counter;
  private readonly authFailures;
  private readonly denials;
  private readonly rateLimited;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly trail: AuditTrail,
    private readonly alerts: AlertEngine,
    metrics: Metrics,
  ) {
    this.counter = metrics.counter('security_events_total', 'Security events by action and outcome', ['action', 'outcome']);
    this.authFailures = metrics.counter('auth_failures_total', 'Failed authentications by kind', ['kind']);
    this.denials = metrics.counter('authz_denials_total', 'Requests refused by authorization');
    this.rateLimited = metrics.counter('rate_limit_rejections_total', 'Requests refused by a rate limit', ['limit']);
    const depth = metrics.gauge('audit_buffer_depth', 'Audit events waiting to be written');
    const dropped = metrics.gauge('audit_events_dropped', 'Audit events dropped because the buffer was full');
    const saturated = metrics.gauge('audit_buffer_saturated', '1 while the audit buffer is saturated and state-changing requests are refused');
    const refused = metrics.gauge('audit_backlog_refusals', 'Requests refused (503 ERR_AUDIT_BACKLOG) because the audit buffer was saturated');
    this.timer = setInterval(() => {
      depth.set(trail.depth);
      dropped.set(trail.dropped);
      saturated.set(trail.saturated ? 1 : 0);
      refused.set(trail.refusedRequests);
    }, 1000);
    this.timer.unref();
  }

  /** The configuration a process started with (no secrets: which parts are on, not their values). */
  onApplicationBootstrap(): void {
    this.record({
      action: 'service.start',
      outcome: 'success',
      actorType: 'system',
      details: {
        database: process.env.DATABASE_URL ? 'postgresql' : 'embedded',
        redis: Boolean(process.env.REDIS_URL),
        adapter: process.env.HTTP_ADAPTER ?? 'fastify',
        tls: Boolean(process.env.TLS_CERT_FILE),
        auditHmac: Boolean(process.env.AUDIT_HMAC_KEY),
      },
    });
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** The auth lib's own events: the ones the audit trail wants, and failure counts for the rest. */
  fromAuth(event: AuthEvent): void {
    switch (event.type) {
      case 'refresh.reuse-detected':
        return this.record({ action: 'auth.refresh.reuse', outcome: 'denied', actorId: event.userId, target: { type: 'token-family', id: event.targetId }, alertKey: event.userId });
      case 'api-key.revoked-used':
        this.authFailures.inc({ kind: 'api-key' });
        return this.record({ action: 'api-key.revoked-used', outcome: 'denied', actorId: event.userId, target: { type: 'api-key', id: event.targetId } });
      case 'api-key.rejected':
        return void this.authFailures.inc({ kind: 'api-key' });
      case 'token.rejected':
        return void this.authFailures.inc({ kind: 'token' });
    }
  }

  record(event: SecurityEvent, request?: RequestContext): void {
    const user = request?.user;
    const ua = request?.headers?.['user-agent'];
    this.trail.record({
      action: event.action,
      outcome: event.outcome,
      actorType: event.actorType ?? (user ? (user.method === 'api-key' ? 'api-key' : user.actor === 'client' ? 'client' : 'user') : event.actorId ? 'user' : 'anonymous'),
      actorId: event.actorId ?? user?.apiKeyId ?? user?.sub,
      tenantId: event.tenantId ?? user?.attributes.tid,
      targetType: event.target?.type,
      targetId: event.target?.id,
      clientAddress: request?.ip,
      userAgent: typeof ua === 'string' ? ua : undefined,
      requestId: typeof request?.id === 'string' ? request.id : undefined,
      details: event.details ?? {},
    } as AuditEventInput);
    this.counter.inc({ action: event.action, outcome: event.outcome });
    if (event.action === 'auth.login' && event.outcome === 'failure') this.authFailures.inc({ kind: 'password' });
    if (event.action === 'authz.denied') this.denials.inc();
    if (event.action === 'rate-limit.exceeded') this.rateLimited.inc({ limit: String(event.details?.limit ?? 'api') });
    this.alerts.observe({ type: `${event.action}:${event.outcome}`, key: event.alertKey ?? event.actorId ?? user?.sub ?? request?.ip ?? 'unknown', details: { outcome: event.outcome } });
  }
}
