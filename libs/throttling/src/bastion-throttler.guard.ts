import { type ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import {
  type Resolvable,
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  normalizeIp,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  type ThrottlerRequest,
  ThrottlerStorage,
} from '@nestjs/throttler';
import { ThrottlingError } from './errors.js';
import type { ResolvedThrottlingOptions } from './options.js';
import { limitItem, policyItem, type RateLimitFields, serialize } from './rate-limit-fields.js';
import type { ThrottlerStorageRecord } from './redis-throttler.storage.js';
import { THROTTLING_MODULE_OPTIONS } from './throttling.module-definition.js';

/** A throttler as it applies to one request: its options after any `@Throttle()` override. */
export interface ResolvedThrottler {
  name: string;
  /** The configured limit (or the route's `@Throttle()` limit). */
  limit: number;
  /** Window in milliseconds. */
  ttl: number;
  /** Block in milliseconds. */
  blockDuration: number;
}

const WARN_EVERY_MS = 60_000;

// Throttler's metadata keys (its `throttler.constants`, not exported by name): `@Throttle()` and
// `@SkipThrottle()` store `<key><throttler name>` on the handler and the class.
const SKIP = 'THROTTLER:SKIP';
const LIMIT = 'THROTTLER:LIMIT';
const TTL = 'THROTTLER:TTL';
const BLOCK_DURATION = 'THROTTLER:BLOCK_DURATION';
const TRACKER = 'THROTTLER:TRACKER';
const KEY_GENERATOR = 'THROTTLER:KEY_GENERATOR';

type ThrottlerOptionsOf = BastionThrottlerGuard['throttlers'][number];

/** What the decorators say for one throttler on one route: read once per route, not per request. */
interface RoutePlan {
  throttler: ThrottlerOptionsOf;
  skip: boolean;
  limit: Resolvable<number>;
  ttl: Resolvable<number>;
  blockDuration: Resolvable<number> | undefined;
  getTracker: NonNullable<ThrottlerOptionsOf['getTracker']>;
  generateKey: NonNullable<ThrottlerOptionsOf['generateKey']>;
}

/**
 * Counts every HTTP request against each configured throttler and refuses it with 429
 * (`ThrottlingError`, code `ERR_RATE_LIMITED`, `Retry-After`) when a limit is reached. Every counted
 * response carries `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-headers-11).
 * Works on Express and Fastify: headers go through the HTTP adapter. Register it as `APP_GUARD`
 * after the authentication guard, so that `request.user` is known when it runs.
 *
 * Hooks: {@link getTracker} (who is counted), {@link limitFor} (per-principal limits), and
 * throttler's own `generateKey` (default: one counter per route and tracker).
 *
 * @example
 * providers: [
 *   { provide: APP_GUARD, useExisting: AuthenticationGuard },
 *   { provide: APP_GUARD, useClass: BastionThrottlerGuard },
 * ]
 * @see https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/
 */
@Injectable()
export class BastionThrottlerGuard extends ThrottlerGuard {
  private readonly fields = new WeakMap<object, RateLimitFields>();
  // Requests counted as failed authentications, and whether the failure limit applies to them.
  private readonly failedRequests = new WeakMap<object, boolean>();
  private readonly warnedAt = new Map<string, number>();

  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storageService: ThrottlerStorage,
    reflector: Reflector,
    @Inject(THROTTLING_MODULE_OPTIONS) private readonly throttling: ResolvedThrottlingOptions,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    super(options, storageService, reflector);
    this.logger = new Logger('Throttling');
  }

  /**
   * Who a request is counted as. The authenticated principal when there is one (`key:<apiKeyId>`
   * for an API key, else `user:<sub>`), otherwise the client address (`ip:<request.ip>`, IPv6 by
   * /64). `request.ip` is the adapter's: configure proxy trust there (Express `trust proxy`,
   * Fastify `trustProxy`); `X-Forwarded-For` is never read here, as any client can send it.
   */
  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const user = this.failedRequests.has(req) ? undefined : principalOf(req);
    if (user) {
      if (nonEmptyString(user, 'apiKeyId')) return `key:${user.apiKeyId}`;
      if (nonEmptyString(user, 'sub')) return `user:${user.sub}`;
    }
    // Requests without an address share one counter rather than escaping the limit.
    const ip = typeof req.ip === 'string' && req.ip !== '' ? normalizeIp(req.ip, this.ipv6SubnetPrefix) : 'unknown';
    return `ip:${ip}`;
  }

  /**
   * The limit for this request under `throttler`; override for per-principal limits. Must return a
   * positive integer, or the request fails with a 500 (`ERR_THROTTLING_OPTIONS`).
   *
   * @example
   * protected override limitFor(context: ExecutionContext, throttler: ResolvedThrottler): number {
   *   const user = context.switchToHttp().getRequest().user;
   *   return throttler.name === 'api' && Number.isSafeInteger(user?.rateLimit) ? user.rateLimit : throttler.limit;
   * }
   */
  protected limitFor(_context: ExecutionContext, throttler: ResolvedThrottler): number | Promise<number> {
    return throttler.limit;
  }

  /**
   * Counts a request that failed authentication, which never reaches this guard when it runs after
   * the authentication guard (nestjs/throttler#522): against every throttler as usual, tracked by
   * the client address since there is no principal, and against the `failedAuthentication`
   * throttler. Throws the 429 (`ERR_RATE_LIMITED`, `Retry-After`, `RateLimit` fields) once a limit
   * is reached. Call it from the authentication guard's rejection hook; it reads no database, so a
   * flood of forged tokens costs a signature check and a counter each (ASVS v5 2.4.1, 6.3.1).
   *
   * @example
   * onRejected: (context) => throttlerGuard.countFailedAuthentication(context)
   */
  async countFailedAuthentication(context: ExecutionContext, options: { failureLimit?: boolean } = {}): Promise<void> {
    const { req } = this.getRequestResponse(context);
    // `failureLimit: false` (e.g. an expired token, which proves it was once ours): the ordinary limits only.
    this.failedRequests.set(req, options.failureLimit ?? true);
    await this.canActivate(context);
  }

  // Per handler and class. Throttler's own canActivate reads six metadata keys for every throttler
  // on every request (reflect-metadata was 3–4 % of a request's CPU); the decorators cannot change
  // after start, so this reads them once per route. Same rules as throttler 6.5's canActivate.
  private readonly plans = new WeakMap<object, WeakMap<object, RoutePlan[]>>();

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (await this.shouldSkip(context)) return true;
    let allowed = true;
    for (const plan of this.planFor(context)) {
      const skipIf = plan.throttler.skipIf ?? this.commonOptions.skipIf;
      if (plan.skip || skipIf?.(context)) continue;
      const name = plan.throttler.name ?? 'default';
      const limit = toNumber(await resolve(context, plan.limit), 'limit', name);
      const ttl = toNumber(await resolve(context, plan.ttl), 'ttl', name);
      const blockDuration = toNumber(await resolve(context, plan.blockDuration ?? ttl), 'blockDuration', name);
      const passed = await this.handleRequest({
        context,
        limit,
        ttl,
        throttler: plan.throttler,
        blockDuration,
        getTracker: plan.getTracker,
        generateKey: plan.generateKey,
      });
      allowed &&= passed;
    }
    return allowed;
  }

  /**
   * Whether `throttler` counts requests to this route at all; read once per route. Default: every
   * throttler counts every route. Override to attach throttlers to chosen routes only (e.g. from a
   * decorator's metadata).
   */
  protected appliesTo(_throttler: string, _handler: object, _classRef: object): boolean {
    return true;
  }

  private planFor(context: ExecutionContext): RoutePlan[] {
    const handler = context.getHandler();
    const classRef = context.getClass();
    let byClass = this.plans.get(handler);
    const cached = byClass?.get(classRef);
    if (cached) return cached;
    const targets = [handler, classRef];
    const read = <T>(key: string, name: string) => this.reflector.getAllAndOverride<T | undefined>(key + name, targets);
    const plans = this.throttlers.map((throttler): RoutePlan => {
      const name = throttler.name ?? 'default';
      return {
        throttler,
        skip: Boolean(read<boolean>(SKIP, name)) || !this.appliesTo(name, handler, classRef),
        limit: read<Resolvable<number>>(LIMIT, name) ?? throttler.limit,
        ttl: read<Resolvable<number>>(TTL, name) ?? throttler.ttl,
        blockDuration: read<Resolvable<number>>(BLOCK_DURATION, name) ?? throttler.blockDuration,
        getTracker: (read<ThrottlerOptionsOf['getTracker']>(TRACKER, name) || throttler.getTracker || this.commonOptions.getTracker) as RoutePlan['getTracker'],
        generateKey: (read<ThrottlerOptionsOf['generateKey']>(KEY_GENERATOR, name) ||
          throttler.generateKey ||
          this.commonOptions.generateKey) as RoutePlan['generateKey'],
      };
    });
    if (!byClass) {
      byClass = new WeakMap();
      this.plans.set(handler, byClass);
    }
    byClass.set(classRef, plans);
    return plans;
  }

  /** Only HTTP requests are counted; websocket and microservice handlers pass untouched. */
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return context.getType() !== 'http';
  }

  protected override async handleRequest(request: ThrottlerRequest): Promise<boolean> {
    const { context, ttl, blockDuration, getTracker, generateKey } = request;
    const name = request.throttler.name ?? 'default';
    const { req, res } = this.getRequestResponse(context);
    if (name === this.throttling.failedAuthentication && this.failedRequests.get(req) !== true) return true;

    const limit = await this.limitFor(context, { name, limit: request.limit, ttl, blockDuration });
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new ThrottlingError('ERR_THROTTLING_OPTIONS', `limitFor must return a positive integer for "${name}"`);
    }
    const tracker = await getTracker(req, context);
    const key = generateKey(context, tracker, name);

    let record: ThrottlerStorageRecord;
    try {
      record = await this.storageService.increment(key, ttl, limit, blockDuration, name);
    } catch (error) {
      return this.storageFailed(name, error);
    }

    const fields = this.fieldsOf(res);
    fields.policies.set(name, policyItem(name, limit, ttl));
    if (record.isBlocked) {
      const retryAfter = Math.max(1, Math.ceil(record.timeToBlockExpire));
      // The draft (§6): Retry-After must not be earlier than the end of the effective window.
      fields.limits.set(name, limitItem(name, 0, retryAfter));
      this.writeFields(res, fields);
      this.setResponseHeader(res, 'Retry-After', String(retryAfter));
      await this.throwThrottlingException(context, { ...record, timeToBlockExpire: retryAfter, limit, ttl, key, tracker });
    }
    fields.limits.set(name, limitItem(name, limit - record.totalHits, record.timeToExpire));
    this.writeFields(res, fields);
    return true;
  }

  /** Throws the 429. Override to change the message; keep the code. */
  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const seconds = detail.timeToBlockExpire;
    throw new ThrottlingError('ERR_RATE_LIMITED', `Too many requests; try again in ${seconds} second${seconds === 1 ? '' : 's'}.`, {
      retryAfterSeconds: seconds,
    });
  }

  /** Sets a header through the HTTP adapter, so Express and Fastify behave alike. */
  protected override setResponseHeader(res: Record<string, unknown>, name: string, value: string | number): void {
    this.adapterHost.httpAdapter.setHeader(res, name, String(value));
  }

  // Storage down: fail closed (503) for the throttlers listed in `failClosed`, open for the rest.
  private storageFailed(name: string, error: unknown): boolean {
    const closed = this.throttling.failClosed.includes(name);
    const now = Date.now();
    if (now - (this.warnedAt.get(name) ?? -Infinity) >= WARN_EVERY_MS) {
      this.warnedAt.set(name, now);
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.warn(
        `rate-limit storage failed for "${name}" (${reason}); ${closed ? 'refusing requests (fail closed)' : 'letting requests through (fail open)'}; next warning in a minute at the earliest`,
      );
    }
    if (closed) {
      throw new ThrottlingError('ERR_RATE_LIMIT_UNAVAILABLE', 'The service cannot check its rate limits right now; try again later.', {
        cause: error,
      });
    }
    return true;
  }

  private fieldsOf(res: object): RateLimitFields {
    let fields = this.fields.get(res);
    if (!fields) {
      fields = { policies: new Map(), limits: new Map() };
      this.fields.set(res, fields);
    }
    return fields;
  }

  // The whole list each time: one field line per header, one item per throttler counted so far.
  private writeFields(res: Record<string, unknown>, fields: RateLimitFields): void {
    this.setResponseHeader(res, 'RateLimit-Policy', serialize(fields.policies));
    this.setResponseHeader(res, 'RateLimit', serialize(fields.limits));
  }
}

type Principal = Record<string, unknown>;

// A Nest middleware on Fastify writes to the raw Node request, a guard to Fastify's request.
function principalOf(req: Record<string, unknown>): Principal | undefined {
  const raw = req.raw as Record<string, unknown> | undefined;
  const user = req.user ?? (typeof raw === 'object' && raw !== null ? raw.user : undefined);
  return typeof user === 'object' && user !== null ? (user as Principal) : undefined;
}

async function resolve(context: ExecutionContext, value: Resolvable<number> | undefined): Promise<unknown> {
  return typeof value === 'function' ? value(context) : value;
}

// As throttler's private toNumber: a string of digits is accepted, anything else that is not a number fails.
function toNumber(value: unknown, option: string, throttler: string): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || Number.isNaN(number)) {
    throw new ThrottlingError('ERR_THROTTLING_OPTIONS', `Invalid "${option}" for the "${throttler}" throttler: expected a number`);
  }
  return number;
}

function nonEmptyString(object: Principal, key: string): boolean {
  return Object.hasOwn(object, key) && typeof object[key] === 'string' && object[key] !== '';
}
