import type { Clock } from '../clock.js';

/** A counter over a fixed window. */
export interface AttemptCount {
  count: number;
  /** When the window ends (ms since the epoch). */
  resetAt: number;
}

/**
 * Fixed-window counters, atomic per key so that concurrent requests (and
 * several instances on one Redis) never admit more than the limit.
 */
export interface AttemptStore {
  /** Adds one and returns the new count. */
  hit(key: string, windowMs: number): Promise<AttemptCount>;
  /** The current count, without adding one (0 when the window is over). */
  peek(key: string): Promise<AttemptCount>;
  /** Takes one back (a success that should not count). */
  undo(key: string): Promise<void>;
  /** Forgets the key. */
  reset(key: string): Promise<void>;
}

/** Counters of one process. */
export class MemoryAttemptStore implements AttemptStore {
  private readonly counts = new Map<string, AttemptCount>();
  private sweptAt = 0;

  constructor(private readonly clock: Clock) {}

  async hit(key: string, windowMs: number): Promise<AttemptCount> {
    const now = this.clock.now();
    this.sweep(now);
    const current = this.counts.get(key);
    const next = current && current.resetAt > now ? { count: current.count + 1, resetAt: current.resetAt } : { count: 1, resetAt: now + windowMs };
    this.counts.set(key, next);
    return { ...next };
  }

  async peek(key: string): Promise<AttemptCount> {
    const now = this.clock.now();
    const current = this.counts.get(key);
    return current && current.resetAt > now ? { ...current } : { count: 0, resetAt: now };
  }

  async undo(key: string): Promise<void> {
    const current = this.counts.get(key);
    if (current && current.count > 0) current.count -= 1;
  }

  async reset(key: string): Promise<void> {
    this.counts.delete(key);
  }

  private sweep(now: number): void {
    if (now - this.sweptAt < 60_000) return;
    this.sweptAt = now;
    for (const [key, c] of this.counts) if (c.resetAt <= now) this.counts.delete(key);
  }
}

/** The part of an ioredis client {@link RedisAttemptStore} uses. */
export interface RedisEvalLike {
  eval(script: string, keys: number, ...args: (string | number)[]): Promise<unknown>;
  del(key: string): Promise<number>;
}

// INCR and the first PEXPIRE in one script: no window can be left without
// an expiry, and concurrent hits from any instance are counted exactly.
const HIT = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
return {n, ttl}`;
const PEEK = `return {tonumber(redis.call('GET', KEYS[1]) or '0'), redis.call('PTTL', KEYS[1])}`;
const UNDO = `if (tonumber(redis.call('GET', KEYS[1]) or '0') > 0) then return redis.call('DECR', KEYS[1]) end return 0`;

/** Counters shared by every instance on one Redis. */
export class RedisAttemptStore implements AttemptStore {
  constructor(
    private readonly redis: RedisEvalLike,
    private readonly prefix = 'auth:attempts:',
  ) {}

  async hit(key: string, windowMs: number): Promise<AttemptCount> {
    const [count, ttl] = (await this.redis.eval(HIT, 1, this.prefix + key, windowMs)) as [number, number];
    // Redis's own clock sets the window; report it on ours.
    return { count, resetAt: Date.now() + Math.max(ttl, 0) };
  }

  async peek(key: string): Promise<AttemptCount> {
    const [count, ttl] = (await this.redis.eval(PEEK, 1, this.prefix + key)) as [number, number];
    return { count, resetAt: Date.now() + Math.max(ttl, 0) };
  }

  async undo(key: string): Promise<void> {
    await this.redis.eval(UNDO, 1, this.prefix + key);
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }
}
