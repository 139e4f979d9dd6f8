import { createHash } from 'node:crypto';
import { type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { BastionThrottlerGuard, type ResolvedThrottler, type ResolvedThrottlingOptions, THROTTLING_MODULE_OPTIONS } from '@bastion/throttling';
import type { AuthPrincipal } from '@bastion/auth';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { InjectThrottlerOptions, InjectThrottlerStorage, type ThrottlerModuleOptions, type ThrottlerStorage } from '@nestjs/throttler';
import { type RequestContext, SecurityEvents } from '../audit/security-events.service';
import { RATE_TIER_KEY } from './rate-tier.decorator';

/** The throttler of failed authentications per address (RATE_LIMIT_AUTH_FAILURES). */
export const AUTH_FAILURES = 'authFailures';

/** The throttler of the account routes per client (RATE_LIMIT_ACCOUNTS): one budget across all of them. */
export const ACCOUNTS = 'accounts';

/**
 * The demo's limits: `api` is one budget per client across every route (a
 * principal after authentication, else the address), and an API key may
 * carry its own per-minute limit; the other tiers count only the routes
 * marked with `@RateTier`. A request that fails authentication counts
 * against its address's `api` budget and against `authFailures`
 * (`countFailedAuthentication`, called by the authentication guard).
 */
const MAX_REMEMBERED_DIGESTS = 10_000;

@Injectable()
export class ApiThrottlerGuard extends BastionThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    @Inject(THROTTLING_MODULE_OPTIONS) throttling: ResolvedThrottlingOptions,
    adapterHost: HttpAdapterHost,
    private readonly events: SecurityEvents,
  ) {
    super(options, storage, reflector, throttling, adapterHost);
  }

  // `api` and `authFailures` count every route; the other throttlers (login, …) only the routes
  // whose `@RateTier()` names them. Read once per route by the base guard.
  protected override appliesTo(name: string, handler: object, classRef: object): boolean {
    if (name === 'api' || name === AUTH_FAILURES) return true;
    const tiers = this.reflector.getAllAndOverride<string[] | undefined>(RATE_TIER_KEY, [handler as never, classRef as never]) ?? [];
    return tiers.includes(name);
  }

  protected override async throwThrottlingException(context: ExecutionContext, detail: Parameters<BastionThrottlerGuard['throwThrottlingException']>[1]): Promise<void> {
    const req = context.switchToHttp().getRequest<RequestContext>();
    this.events.record({ action: 'rate-limit.exceeded', outcome: 'denied', details: { limit: detail.key.split(':')[0] ?? 'route' } }, req);
    return super.throwThrottlingException(context, detail);
  }

  protected override limitFor(context: ExecutionContext, throttler: ResolvedThrottler): number {
    const principal = context.switchToHttp().getRequest<{ user?: AuthPrincipal }>().user;
    const own = Number(principal?.attributes.rl);
    return throttler.name === 'api' && principal?.apiKeyId && Number.isSafeInteger(own) && own > 0 ? own : throttler.limit;
  }

  // One `api` (and one `authFailures`, one `accounts`) counter per client for the whole API,
  // not one per route; hashed so that addresses and user ids do not appear in
  // Redis key names.
  protected override generateKey(context: ExecutionContext, suffix: string, name: string): string {
    if (name !== 'api' && name !== AUTH_FAILURES && name !== ACCOUNTS) return super.generateKey(context, suffix, name);
    return `${name}:${this.hashed(suffix)}`;
  }

  // The digest of a tracker, remembered for the next requests of the same client (two SHA-256 per
  // request were 2–3 % of its CPU); bounded, and emptied when full rather than tracking recency.
  private readonly digests = new Map<string, string>();

  private hashed(tracker: string): string {
    let digest = this.digests.get(tracker);
    if (digest === undefined) {
      digest = createHash('sha256').update(tracker).digest('hex').slice(0, 32);
      if (this.digests.size >= MAX_REMEMBERED_DIGESTS) this.digests.clear();
      this.digests.set(tracker, digest);
    }
    return digest;
  }
}
