import type { ExecutionContext } from '@nestjs/common';
import type { ThrottlerModuleOptions, ThrottlerStorage } from '@nestjs/throttler';
import { MemoryThrottlerStorage } from './memory-throttler.storage.js';
import { optionsError } from './errors.js';

/** One named limit: `limit` requests per `ttl` milliseconds for each tracker (client). */
export interface ThrottlerPolicy {
  /**
   * Names the policy in `RateLimit-Policy`, in `failClosed`, in `@Throttle({ name: … })` and
   * `@SkipThrottle({ name: true })`. Letters, digits, `_`, `.`, `-`; at most 64.
   */
  name: string;
  /** Requests admitted per window; a positive integer. */
  limit: number;
  /** Window length in milliseconds; a positive integer (see `parseRate`). */
  ttl: number;
  /** How long a tracker over the limit is refused, in milliseconds. Default: `ttl`. */
  blockDuration?: number;
}

/** Options of {@link ThrottlingModule}. */
export interface ThrottlingModuleOptions {
  /** The limits; every request that is not skipped counts against each of them. At least one. */
  throttlers: ThrottlerPolicy[];
  /**
   * Where counters live. Default: a new `MemoryThrottlerStorage` (one instance only, O(1) per hit);
   * `RedisThrottlerStorage` for several instances.
   */
  storage?: ThrottlerStorage;
  /**
   * Throttler names that refuse requests (503, `ERR_RATE_LIMIT_UNAVAILABLE`) while the storage
   * fails, e.g. `['login']`. The others let requests through and log a warning once a minute.
   * Default `[]`.
   */
  failClosed?: string[];
  /** Return true to leave a request uncounted (e.g. health probes). Keep it cheap and unspoofable. */
  skipIf?: (context: ExecutionContext) => boolean;
  /**
   * The throttler that counts only requests which failed authentication, per client address
   * (`BastionThrottlerGuard.countFailedAuthentication`), e.g. `authFailures` at 20/1m: a tighter
   * limit for forged or guessed credentials than for traffic. It is not counted on other requests.
   */
  failedAuthentication?: string;
}

/** {@link ThrottlingModuleOptions} after validation, with the defaults filled in. */
export interface ResolvedThrottlingOptions {
  throttlers: Required<ThrottlerPolicy>[];
  storage: ThrottlerStorage;
  failClosed: readonly string[];
  skipIf?: (context: ExecutionContext) => boolean;
  failedAuthentication?: string;
}

// An sf-string needs no escaping with these, and they are safe in a Redis key.
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const TOP_LEVEL = new Set(['throttlers', 'storage', 'failClosed', 'skipIf', 'failedAuthentication']);
const PER_THROTTLER = new Set(['name', 'limit', 'ttl', 'blockDuration']);

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/**
 * Checks every option and fills in defaults. Unknown keys are refused, so that a typo such as
 * `failclosed` cannot silently turn fail-closed off.
 *
 * @throws {ThrottlingError} `ERR_THROTTLING_OPTIONS`, naming the option.
 */
export function validateThrottlingOptions(options: ThrottlingModuleOptions): ResolvedThrottlingOptions {
  if (typeof options !== 'object' || options === null) throw optionsError('options', 'must be an object');
  for (const key of Object.keys(options)) if (!TOP_LEVEL.has(key)) throw optionsError(key, 'is not a known option');

  if (!Array.isArray(options.throttlers) || options.throttlers.length === 0) {
    throw optionsError('throttlers', 'must be a non-empty array');
  }
  const names = new Set<string>();
  const throttlers = options.throttlers.map((t, i): Required<ThrottlerPolicy> => {
    const at = `throttlers[${i}]`;
    if (typeof t !== 'object' || t === null) throw optionsError(at, 'must be an object');
    for (const key of Object.keys(t)) if (!PER_THROTTLER.has(key)) throw optionsError(`${at}.${key}`, 'is not a known option');
    if (typeof t.name !== 'string' || !NAME.test(t.name)) {
      throw optionsError(`${at}.name`, 'must be 1-64 letters, digits, "_", "." or "-", starting with a letter or digit');
    }
    if (names.has(t.name)) throw optionsError(`${at}.name`, `repeats "${t.name}"; names must be unique`);
    names.add(t.name);
    if (!isPositiveInteger(t.limit)) throw optionsError(`${at}.limit`, 'must be a positive integer');
    if (!isPositiveInteger(t.ttl)) throw optionsError(`${at}.ttl`, 'must be a positive integer (milliseconds)');
    if (t.blockDuration !== undefined && !isPositiveInteger(t.blockDuration)) {
      throw optionsError(`${at}.blockDuration`, 'must be a positive integer (milliseconds)');
    }
    return { name: t.name, limit: t.limit, ttl: t.ttl, blockDuration: t.blockDuration ?? t.ttl };
  });

  if (options.storage !== undefined && typeof (options.storage as Partial<ThrottlerStorage> | null)?.increment !== 'function') {
    throw optionsError('storage', 'must implement ThrottlerStorage (an increment method)');
  }

  const failClosed = options.failClosed ?? [];
  if (!Array.isArray(failClosed)) throw optionsError('failClosed', 'must be an array of throttler names');
  failClosed.forEach((name, i) => {
    if (typeof name !== 'string' || !names.has(name)) {
      throw optionsError(`failClosed[${i}]`, 'must name one of the throttlers');
    }
  });

  if (options.skipIf !== undefined && typeof options.skipIf !== 'function') throw optionsError('skipIf', 'must be a function');
  if (options.failedAuthentication !== undefined && (typeof options.failedAuthentication !== 'string' || !names.has(options.failedAuthentication))) {
    throw optionsError('failedAuthentication', 'must name one of the throttlers');
  }

  return {
    throttlers,
    storage: options.storage ?? new MemoryThrottlerStorage(),
    failClosed: Object.freeze([...failClosed]),
    ...(options.skipIf ? { skipIf: options.skipIf } : {}),
    ...(options.failedAuthentication ? { failedAuthentication: options.failedAuthentication } : {}),
  };
}

/** What `ThrottlerModule` receives: our throttlers and storage, and none of its legacy headers. */
export function toThrottlerModuleOptions(resolved: ResolvedThrottlingOptions): ThrottlerModuleOptions {
  return {
    throttlers: resolved.throttlers.map((t) => ({ ...t })),
    storage: resolved.storage,
    skipIf: resolved.skipIf,
    // No X-RateLimit-*: BastionThrottlerGuard writes the IETF RateLimit fields instead.
    setHeaders: false,
  };
}
