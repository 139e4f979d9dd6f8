// The two storages against the same expectations: MemoryThrottlerStorage
// always, and RedisThrottlerStorage when REDIS_URL is set (e.g. REDIS_URL=redis://127.0.0.1:6379/12;
// the spec flushes that database). This file lives outside src/ because it reads the environment,
// which lib code never does (scripts/check-lib-imports.js).
import type { ThrottlerStorage } from '@nestjs/throttler';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { MemoryThrottlerStorage } from '../src/memory-throttler.storage.js';
import { RedisThrottlerStorage } from '../src/redis-throttler.storage.js';

interface Opened {
  /** Two storages over the same counters, as two instances of the app would have. */
  instances: [ThrottlerStorage, ThrottlerStorage];
  /** Every key the backend holds, as stored. */
  storedKeys(): Promise<string[]>;
  close(): Promise<void>;
}

interface Backend {
  name: string;
  /** Forget every counter. */
  reset(): Promise<void>;
  open(keyPrefix?: string): Promise<Opened>;
  /** The keys one hit of `key` under `name` leaves behind. */
  layout(keyPrefix: string, key: string, name: string): string[];
}

const memory: Backend = {
  name: 'in-memory',
  reset: async () => undefined,
  // One process: its instances share one store. A key prefix means nothing in memory; each store
  // is separate anyway.
  async open() {
    const storage = new MemoryThrottlerStorage();
    return {
      instances: [storage, storage],
      storedKeys: async () => storage.keys(),
      close: async () => storage.onApplicationShutdown(),
    };
  },
  layout: (_prefix, key, name) => [`${key}:${name}`],
};

function redis(url: string): Backend {
  const client = () => new Redis(url, { maxRetriesPerRequest: 1 });
  return {
    name: 'Redis',
    async reset() {
      const admin = client();
      await admin.flushdb();
      await admin.quit();
    },
    // Two clients, i.e. two connections: the requests of two instances interleave in Redis.
    async open(keyPrefix) {
      const a = client();
      const b = client();
      return {
        instances: [new RedisThrottlerStorage(a, { keyPrefix }), new RedisThrottlerStorage(b, { keyPrefix })],
        storedKeys: () => a.keys('*'),
        close: async () => void (await Promise.all([a.quit(), b.quit()])),
      };
    },
    layout: (prefix, key, name) => [`${prefix}{${key}:${name}}:hits`],
  };
}

const backends: Backend[] = [memory, ...(process.env.REDIS_URL ? [redis(process.env.REDIS_URL)] : [])];

describe.each(backends)('$name storage', (backend) => {
  let opened: Opened[] = [];
  const open = async (keyPrefix?: string) => {
    const o = await backend.open(keyPrefix);
    opened.push(o);
    return o;
  };
  const key = () => randomUUID();

  beforeEach(() => backend.reset());
  afterEach(async () => {
    await Promise.all(opened.map((o) => o.close()));
    opened = [];
  });

  it('counts hits in a window and says when the window ends', async () => {
    const [storage] = (await open()).instances;
    const k = key();
    const records = [];
    for (let i = 0; i < 3; i++) records.push(await storage.increment(k, 60_000, 5, 60_000, 'api'));
    expect(records.map((r) => [r.totalHits, r.isBlocked])).toEqual([[1, false], [2, false], [3, false]]);
    for (const r of records) {
      expect(r.timeToExpire).toBeGreaterThanOrEqual(1);
      expect(r.timeToExpire).toBeLessThanOrEqual(60);
    }
  });

  it('admits exactly limit, then blocks for blockDuration without counting the blocked hits', async () => {
    const [storage] = (await open()).instances;
    const k = key();
    const records = [];
    for (let i = 0; i < 6; i++) records.push(await storage.increment(k, 60_000, 3, 30_000, 'api'));
    expect(records.map((r) => r.isBlocked)).toEqual([false, false, false, true, true, true]);
    expect(records.slice(3).map((r) => r.totalHits)).toEqual([4, 4, 4]);
    for (const r of records.slice(3)) {
      expect(r.timeToBlockExpire).toBeGreaterThanOrEqual(1);
      expect(r.timeToBlockExpire).toBeLessThanOrEqual(30);
    }
  });

  // (The guard's key already includes the throttler name; throttler's in-memory storage blocks a
  // key for every name at once, so names are not compared here.)
  it('keeps keys apart', async () => {
    const [storage] = (await open()).instances;
    const [a, b] = [key(), key()];
    expect((await storage.increment(a, 60_000, 1, 60_000, 'api')).isBlocked).toBe(false);
    expect((await storage.increment(a, 60_000, 1, 60_000, 'api')).isBlocked).toBe(true);
    expect((await storage.increment(b, 60_000, 1, 60_000, 'api')).isBlocked).toBe(false);
  });

  it('starts a new window when the old one has expired', async () => {
    const [storage] = (await open()).instances;
    const k = key();
    await storage.increment(k, 300, 2, 300, 'api');
    expect(await storage.increment(k, 300, 2, 300, 'api')).toMatchObject({ totalHits: 2, isBlocked: false });
    await sleep(400);
    expect(await storage.increment(k, 300, 2, 300, 'api')).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('lifts a block when blockDuration has passed', async () => {
    const [storage] = (await open()).instances;
    const k = key();
    await storage.increment(k, 300, 1, 300, 'api');
    expect((await storage.increment(k, 300, 1, 300, 'api')).isBlocked).toBe(true);
    await sleep(400);
    expect(await storage.increment(k, 300, 1, 300, 'api')).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('admits exactly 100 of 1000 concurrent hits arriving through two instances', async () => {
    const [one, two] = (await open()).instances;
    const k = key();
    const records = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => (i % 2 ? one : two).increment(k, 60_000, 100, 60_000, 'api')),
    );
    expect(records.filter((r) => !r.isBlocked)).toHaveLength(100);
    // And the flood stays refused.
    expect((await one.increment(k, 60_000, 100, 60_000, 'api')).isBlocked).toBe(true);
  });

  it('stores its counters under the key prefix only, and prefixes keep counters apart', async () => {
    const first = await open('app-one:');
    const k = key();
    await first.instances[0].increment(k, 60_000, 1, 60_000, 'api');
    expect(await first.storedKeys()).toEqual(backend.layout('app-one:', k, 'api'));

    expect((await first.instances[1].increment(k, 60_000, 1, 60_000, 'api')).isBlocked).toBe(true);
    const other = await open('app-two:');
    expect((await other.instances[0].increment(k, 60_000, 1, 60_000, 'api')).isBlocked).toBe(false);
  });
});
