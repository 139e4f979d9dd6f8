import { MemoryThrottlerStorage } from './memory-throttler.storage.js';

// The behaviour shared with the Redis storage is in test/throttler-storage.spec.ts; this is what
// only memory has: counters are dropped once their window and block have ended.
describe('MemoryThrottlerStorage', () => {
  it('sweeps counters whose window and block have ended, and keeps the rest', async () => {
    const storage = new MemoryThrottlerStorage();
    await storage.increment('ended', 1_000, 5, 0, 'api');
    await storage.increment('blocked', 1_000, 1, 60_000, 'api');
    await storage.increment('blocked', 1_000, 1, 60_000, 'api');
    await storage.increment('live', 120_000, 5, 0, 'api');
    storage.sweep(Date.now() + 2_000);
    expect(storage.keys().sort()).toEqual(['blocked:api', 'live:api']);
    storage.onApplicationShutdown();
  });

  it('costs the same at the ten-thousandth hit as at the first (one counter, not one entry per hit)', async () => {
    const storage = new MemoryThrottlerStorage();
    for (let i = 0; i < 10_000; i++) await storage.increment('k', 60_000, 1_000_000, 0, 'api');
    expect(await storage.increment('k', 60_000, 1_000_000, 0, 'api')).toMatchObject({ totalHits: 10_001, isBlocked: false });
    expect(storage.keys()).toEqual(['k:api']);
    storage.onApplicationShutdown();
  });
});
