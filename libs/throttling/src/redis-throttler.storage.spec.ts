import { RedisThrottlerStorage, type RedisScriptClient } from './redis-throttler.storage.js';

// What the storage sends and how it reads replies, without a Redis; the Lua script itself runs
// against a real Redis in test/throttler-storage.spec.ts.
function fakeClient(reply: unknown = [1, 60_000, 0, 0], opts: { loaded?: boolean } = {}) {
  const calls: { command: 'evalsha' | 'eval'; args: (string | number)[] }[] = [];
  let loaded = opts.loaded ?? true;
  const client: RedisScriptClient = {
    async evalsha(_sha, _numKeys, ...args) {
      calls.push({ command: 'evalsha', args });
      if (!loaded) throw new Error('NOSCRIPT No matching script. Please use EVAL.');
      return reply;
    },
    async eval(_script, _numKeys, ...args) {
      calls.push({ command: 'eval', args });
      loaded = true;
      return reply;
    },
  };
  return { client, calls };
}

describe('RedisThrottlerStorage (no Redis)', () => {
  it('keys both counters under the prefix with one hash tag, and converts ms to seconds', async () => {
    const { client, calls } = fakeClient([3, 59_001, 0, 0]);
    const storage = new RedisThrottlerStorage(client, { keyPrefix: 'app:rl:' });
    await expect(storage.increment('abc', 60_000, 5, 30_000, 'api')).resolves.toEqual({
      totalHits: 3,
      timeToExpire: 60,
      isBlocked: false,
      timeToBlockExpire: 0,
    });
    expect(calls[0]?.args).toEqual(['app:rl:{abc:api}:hits', 'app:rl:{abc:api}:block', 60_000, 5, 30_000]);
  });

  it('uses the default prefix throttle:', async () => {
    const { client, calls } = fakeClient();
    await new RedisThrottlerStorage(client).increment('k', 1000, 1, 1000, 'login');
    expect(calls[0]?.args[0]).toBe('throttle:{k:login}:hits');
  });

  it('runs the script by SHA and loads it with EVAL only when Redis does not know it', async () => {
    const { client, calls } = fakeClient(undefined, { loaded: false });
    const storage = new RedisThrottlerStorage(client);
    await storage.increment('k', 1000, 1, 1000, 'api');
    await storage.increment('k', 1000, 1, 1000, 'api');
    expect(calls.map((c) => c.command)).toEqual(['evalsha', 'eval', 'evalsha']);
  });

  it('reports a blocked record', async () => {
    const { client } = fakeClient([6, 29_500, 1, 29_500]);
    await expect(new RedisThrottlerStorage(client).increment('k', 60_000, 5, 30_000, 'api')).resolves.toEqual({
      totalHits: 6,
      timeToExpire: 30,
      isBlocked: true,
      timeToBlockExpire: 30,
    });
  });

  it.each([[null], ['OK'], [[1, 2, 3]], [[1, '2', 0, 0]], [[1, 2.5, 0, 0]]])('refuses the reply %j', async (reply) => {
    const { client } = fakeClient(reply);
    await expect(new RedisThrottlerStorage(client).increment('k', 1000, 1, 1000, 'api')).rejects.toMatchObject({
      code: 'ERR_THROTTLING_STORAGE',
    });
  });

  it('passes a Redis error on, for the guard to apply the failure policy', async () => {
    const client: RedisScriptClient = {
      evalsha: async () => Promise.reject(new Error('Connection is closed.')),
      eval: async () => Promise.reject(new Error('unreachable')),
    };
    await expect(new RedisThrottlerStorage(client).increment('k', 1000, 1, 1000, 'api')).rejects.toThrow('Connection is closed.');
  });

  it('gives up after timeoutMs when Redis does not answer', async () => {
    const client: RedisScriptClient = { evalsha: () => new Promise(() => undefined), eval: () => new Promise(() => undefined) };
    await expect(new RedisThrottlerStorage(client, { timeoutMs: 20 }).increment('k', 1000, 1, 1000, 'api')).rejects.toMatchObject({
      code: 'ERR_THROTTLING_STORAGE',
      message: 'Redis did not answer within 20 ms',
    });
  });

  it.each([
    [{ keyPrefix: 'a{b}:' }, 'keyPrefix'],
    [{ keyPrefix: 'has space' }, 'keyPrefix'],
    [{ keyPrefix: 'x'.repeat(65) }, 'keyPrefix'],
    [{ timeoutMs: 0 }, 'timeoutMs'],
    [{ timeoutMs: 1.5 }, 'timeoutMs'],
  ])('refuses the option %j, naming it', (options, option) => {
    expect(() => new RedisThrottlerStorage(fakeClient().client, options)).toThrow(
      expect.objectContaining({ code: 'ERR_THROTTLING_OPTIONS', message: expect.stringContaining(`"${option}"`) }),
    );
  });

  it('refuses something that is not a Redis client', () => {
    expect(() => new RedisThrottlerStorage({} as RedisScriptClient)).toThrow(/"redis"/);
  });
});
