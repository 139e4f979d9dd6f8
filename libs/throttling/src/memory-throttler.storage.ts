import type { OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from './redis-throttler.storage.js';

// Why not throttler's own ThrottlerStorageService? It keeps one timestamp per hit and filters the
// whole list on every request (`pruneExpiredHits`): a counter of N hits costs O(N) per request. At a
// few thousand requests a second on one tracker, that was 14–19 % of the CPU of every request
// (docs/performance.md). This store is a fixed-window counter, O(1) per hit, with exactly the rules
// of RedisThrottlerStorage's script, so that one instance in memory and N instances on Redis answer
// alike.

interface Counter {
  hits: number;
  /** When the window ends (ms since the epoch). */
  windowEndsAt: number;
  /** While blocked: when the block ends, and the hits that caused it. */
  blockEndsAt: number;
}

/** How often expired counters are dropped, so that memory follows the trackers seen in one window. */
const SWEEP_EVERY_MS = 60_000;

/**
 * Rate-limit counters in this process's memory: one instance only (several instances need
 * {@link RedisThrottlerStorage}). A fixed window per key and throttler, started by its first hit;
 * `limit + 1` hits in a window block the key for `blockDuration` (or the rest of the window) and
 * then start a new window. Blocked hits are not counted. O(1) per hit; counters whose window and
 * block have ended are swept every minute.
 *
 * @example
 * ThrottlingModule.forRoot({ throttlers: [{ name: 'api', limit: 300, ttl: 60_000 }], storage: new MemoryThrottlerStorage() })
 */
export class MemoryThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly counters = new Map<string, Counter>();
  private sweeper: NodeJS.Timeout | undefined;

  /** Counts one hit; `ttl` and `blockDuration` in ms, times in the record in seconds (as throttler's). */
  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    const now = Date.now();
    const id = `${key}:${throttlerName}`;
    let counter = this.counters.get(id);
    if (counter === undefined) {
      counter = { hits: 0, windowEndsAt: 0, blockEndsAt: 0 };
      this.counters.set(id, counter);
      this.sweeper ??= setInterval(() => this.sweep(Date.now()), SWEEP_EVERY_MS).unref();
    }
    if (counter.blockEndsAt > now) {
      const ms = counter.blockEndsAt - now;
      return { totalHits: counter.hits, timeToExpire: seconds(ms), isBlocked: true, timeToBlockExpire: seconds(ms) };
    }
    if (counter.blockEndsAt !== 0 || counter.windowEndsAt <= now) {
      counter.hits = 0;
      counter.blockEndsAt = 0;
      counter.windowEndsAt = now + Math.max(1, Math.ceil(ttl));
    }
    counter.hits += 1;
    const windowMs = counter.windowEndsAt - now;
    if (counter.hits > limit) {
      const ms = Math.ceil(blockDuration) > 0 ? Math.ceil(blockDuration) : windowMs;
      counter.blockEndsAt = now + ms;
      return { totalHits: counter.hits, timeToExpire: seconds(ms), isBlocked: true, timeToBlockExpire: seconds(ms) };
    }
    return { totalHits: counter.hits, timeToExpire: seconds(windowMs), isBlocked: false, timeToBlockExpire: 0 };
  }

  /** The counters held, as `<key>:<throttler name>`. */
  keys(): string[] {
    return [...this.counters.keys()];
  }

  /** Drops counters whose window and block have both ended. */
  sweep(now: number): void {
    for (const [id, counter] of this.counters) {
      if (counter.windowEndsAt <= now && counter.blockEndsAt <= now) this.counters.delete(id);
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}

function seconds(ms: number): number {
  return Math.ceil(ms / 1000);
}
