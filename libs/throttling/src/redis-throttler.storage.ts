import type { ThrottlerStorage } from '@nestjs/throttler';
import { createHash } from 'node:crypto';
import { optionsError, ThrottlingError } from './errors.js';

// Why not @nest-lab/throttler-storage-redis (1.2.0, read from its npm tarball)? Its Lua script is
// atomic and close to this one, but the package imports ioredis at runtime and tells a client from
// options with `instanceof Redis` (a client from a second copy of ioredis is taken for options),
// its peer ranges stop at Nest 11, it sends the whole script with EVAL on every request, and it has
// no key prefix or command deadline. Forty lines of our own avoid all of that and keep this lib free
// of a runtime ioredis dependency.

/**
 * What a storage returns for one hit: `{ totalHits, timeToExpire, isBlocked, timeToBlockExpire }`,
 * times in seconds. (@nestjs/throttler does not export its `ThrottlerStorageRecord` by name.)
 */
export type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * The part of an ioredis client (or `Cluster`) that {@link RedisThrottlerStorage} uses. Key
 * arguments go through ioredis's own `keyPrefix`, if the client has one.
 */
export interface RedisScriptClient {
  evalsha(sha1: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

/** Options of {@link RedisThrottlerStorage}. */
export interface RedisThrottlerStorageOptions {
  /** Put before every key, after the client's own prefix. Default `throttle:`; no `{` or `}`. */
  keyPrefix?: string;
  /**
   * Milliseconds to wait for Redis before the call fails (and the guard applies the failure
   * policy). Default 1000. A late answer still counts the hit, so a slow Redis over-counts, never
   * under-counts.
   */
  timeoutMs?: number;
}

// One script, so that every step runs without any other client's command in between: N instances
// sharing Redis admit exactly `limit` requests per window (nestjs/throttler#1303 saw ~400 of 1000
// flood requests pass with a storage that read, then wrote).
// KEYS[1] the hit counter, KEYS[2] the block marker (its value: the hits that caused it).
// ARGV[1] window ms, ARGV[2] limit, ARGV[3] block ms (<= 0: until the window ends).
// Returns {totalHits, msToWindowEnd, blocked 0/1, msToBlockEnd}.
const INCREMENT = `
local block = redis.call('PTTL', KEYS[2])
if block == -1 then
  block = tonumber(ARGV[3])
  redis.call('PEXPIRE', KEYS[2], block)
end
if block > 0 then
  return {tonumber(redis.call('GET', KEYS[2])) or 0, block, 1, block}
end
local hits = redis.call('INCR', KEYS[1])
local window = redis.call('PTTL', KEYS[1])
if window < 0 then
  window = tonumber(ARGV[1])
  redis.call('PEXPIRE', KEYS[1], window)
end
if hits > tonumber(ARGV[2]) then
  local ms = tonumber(ARGV[3])
  if ms <= 0 then ms = window end
  redis.call('SET', KEYS[2], hits, 'PX', ms)
  redis.call('DEL', KEYS[1])
  return {hits, ms, 1, ms}
end
return {hits, window, 0, 0}
`.trim();
// Blocked hits are not counted, and a new window starts when the block ends: the same rules as
// MemoryThrottlerStorage, so both storages answer alike.

const INCREMENT_SHA = createHash('sha1').update(INCREMENT).digest('hex');

/**
 * Rate-limit counters in Redis, shared by every instance of the app. Atomic per key (one Lua
 * script, by EVALSHA), so concurrent requests on any number of instances never pass the limit.
 * Keys: `<keyPrefix>{<key>:<throttler>}:hits` and `…:block`, each with a TTL (the hash tag keeps
 * both in one Redis Cluster slot).
 *
 * @example
 * new RedisThrottlerStorage(redis, { keyPrefix: 'throttle:' })
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly keyPrefix: string;
  private readonly timeoutMs: number;

  constructor(
    private readonly redis: RedisScriptClient,
    options: RedisThrottlerStorageOptions = {},
  ) {
    if (typeof redis?.evalsha !== 'function' || typeof redis.eval !== 'function') {
      throw optionsError('redis', 'must be an ioredis client (evalsha and eval)');
    }
    this.keyPrefix = options.keyPrefix ?? 'throttle:';
    if (typeof this.keyPrefix !== 'string' || this.keyPrefix.length > 64 || /[{}\s]/.test(this.keyPrefix)) {
      throw optionsError('keyPrefix', 'must be a string of at most 64 characters without braces or spaces');
    }
    this.timeoutMs = options.timeoutMs ?? 1000;
    if (!Number.isSafeInteger(this.timeoutMs) || this.timeoutMs < 1) {
      throw optionsError('timeoutMs', 'must be a positive integer (milliseconds)');
    }
  }

  /** Counts one hit; `ttl` and `blockDuration` in ms, times in the record in seconds (as throttler's). */
  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    const base = `${this.keyPrefix}{${key}:${throttlerName}}`;
    const args = [`${base}:hits`, `${base}:block`, Math.max(1, Math.ceil(ttl)), limit, Math.ceil(blockDuration)];
    const reply = await this.withDeadline(this.run(args));
    if (!Array.isArray(reply) || reply.length !== 4 || !reply.every((n) => Number.isSafeInteger(n))) {
      throw new ThrottlingError('ERR_THROTTLING_STORAGE', 'Redis returned an unexpected rate-limit record');
    }
    const [totalHits, windowMs, blocked, blockMs] = reply as number[];
    return {
      totalHits: totalHits as number,
      timeToExpire: Math.ceil((windowMs as number) / 1000),
      isBlocked: blocked === 1,
      timeToBlockExpire: Math.ceil((blockMs as number) / 1000),
    };
  }

  private async run(args: (string | number)[]): Promise<unknown> {
    try {
      return await this.redis.evalsha(INCREMENT_SHA, 2, ...args);
    } catch (error) {
      // First use on this Redis (or after SCRIPT FLUSH / a restart): EVAL loads the script.
      if (error instanceof Error && error.message.startsWith('NOSCRIPT')) return this.redis.eval(INCREMENT, 2, ...args);
      throw error;
    }
  }

  private withDeadline<T>(work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ThrottlingError('ERR_THROTTLING_STORAGE', `Redis did not answer within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
  }
}
