import { type CanActivate, type ExecutionContext, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { AuditTrail } from './audit-trail.service.js';

/** Methods that change state (RFC 9110 §9.2.1: every method but the safe ones). */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Seconds a client is asked to wait before retrying a refused write. */
export const AUDIT_BACKLOG_RETRY_AFTER_SECONDS = 5;

interface HttpResponse {
  header?(name: string, value: string): unknown;
  setHeader?(name: string, value: string): unknown;
}

/**
 * Refuses state-changing requests (POST, PUT, PATCH, DELETE…) with `503 ERR_AUDIT_BACKLOG` and `Retry-After` while
 * the audit trail is saturated ({@link AuditTrail.saturated}): the store has been down or slow long enough that
 * accepting more writes would soon mean dropping their security events. Refusing the write is the safe side
 * (OWASP ASVS 16.3: security events are logged); reads go on, and the buffer's headroom takes their events. Register
 * it as a global guard (`APP_GUARD`).
 */
@Injectable()
export class AuditBackpressureGuard implements CanActivate {
  constructor(private readonly trail: AuditTrail) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http' || !this.trail.saturated) return true;
    const request = context.switchToHttp().getRequest<{ method?: string }>();
    if (SAFE_METHODS.has((request.method ?? 'GET').toUpperCase())) return true;
    this.trail.countRefusal();
    const response = context.switchToHttp().getResponse<HttpResponse>();
    // Express and Fastify both have header(); plain Node responses have setHeader().
    if (typeof response.header === 'function') response.header('Retry-After', String(AUDIT_BACKLOG_RETRY_AFTER_SECONDS));
    else response.setHeader?.('Retry-After', String(AUDIT_BACKLOG_RETRY_AFTER_SECONDS));
    throw new ServiceUnavailableException({
      message: 'Changes are paused while security events are being written; try again shortly.',
      code: 'ERR_AUDIT_BACKLOG',
    });
  }
}
