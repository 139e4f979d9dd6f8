import { EventEmitter } from 'node:events';
import { AuthCache } from './auth-cache.js';
import { type AuthCacheBus, type AuthCacheListener, type AuthCacheMessage, MemoryAuthCacheBus, RedisAuthCacheBus } from './auth-cache-bus.js';

interface Row {
  id: string;
  role: string;
}

/** A bus whose liveness the test sets, as a Redis subscriber going down and up would. */
class SwitchBus implements AuthCacheBus {
  live = true;
  private readonly listeners = new Set<AuthCacheListener>();
  async publish(m: AuthCacheMessage) {
    for (const l of this.listeners) l.message(m);
  }
  listen(l: AuthCacheListener) {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  set(live: boolean) {
    this.live = live;
    for (const l of this.listeners) l.state?.(live);
  }
}

describe('AuthCache', () => {
  let now = 0;
  const clock = { now: () => now };
  let loads = 0;
  let role = 'viewer';
  const load = async (id: string): Promise<Row | null> => {
    loads += 1;
    return id === 'missing' ? null : { id, role };
  };
  const tags = (r: Row) => [`user:${r.id}` as const];
  beforeEach(() => {
    loads = 0;
    role = 'viewer';
    now = 1_000;
  });

  it('serves a loaded row until its TTL ends', async () => {
    const cache = new AuthCache<Row>({ ttlMs: 30_000, bus: new MemoryAuthCacheBus(), clock });
    await cache.get('u1', () => load('u1'), tags);
    await cache.get('u1', () => load('u1'), tags);
    expect(loads).toBe(1);
    now += 30_001;
    await cache.get('u1', () => load('u1'), tags);
    expect(loads).toBe(2);
    cache.close();
  });

  it('forgets a user on every cache of the process as soon as the change is published', async () => {
    const bus = new MemoryAuthCacheBus();
    const first = new AuthCache<Row>({ ttlMs: 30_000, bus, clock });
    const second = new AuthCache<Row>({ ttlMs: 30_000, bus: new MemoryAuthCacheBus(), clock });
    await first.get('u1', () => load('u1'), tags);
    await second.get('u1', () => load('u1'), tags);
    role = 'editor';
    await bus.publish({ kind: 'user', id: 'u1' });
    expect((await first.get('u1', () => load('u1'), tags))?.role).toBe('editor');
    expect((await second.get('u1', () => load('u1'), tags))?.role).toBe('editor');
    first.close();
    second.close();
  });

  it('does not keep a row whose read was under way when an invalidation came', async () => {
    const bus = new SwitchBus();
    const cache = new AuthCache<Row>({ ttlMs: 30_000, bus, clock });
    let finish: (r: Row) => void = () => undefined;
    const slow = cache.get('u1', () => new Promise<Row>((resolve) => (finish = resolve)), tags);
    await bus.publish({ kind: 'user', id: 'u1' });
    finish({ id: 'u1', role: 'stale' });
    expect((await slow)?.role).toBe('stale');
    expect((await cache.get('u1', () => load('u1'), tags))?.role).toBe('viewer');
    expect(loads).toBe(1);
  });

  it('never caches a miss, and a TTL of 0 turns caching off', async () => {
    const cache = new AuthCache<Row>({ ttlMs: 30_000, bus: new SwitchBus(), clock });
    await cache.get('missing', () => load('missing'), tags);
    await cache.get('missing', () => load('missing'), tags);
    expect(loads).toBe(2);
    const off = new AuthCache<Row>({ ttlMs: 0, bus: new SwitchBus(), clock });
    await off.get('u1', () => load('u1'), tags);
    await off.get('u1', () => load('u1'), tags);
    expect(loads).toBe(4);
  });

  it('reads through while the bus is down, and starts empty when it is back', async () => {
    const bus = new SwitchBus();
    const cache = new AuthCache<Row>({ ttlMs: 30_000, bus, clock });
    await cache.get('u1', () => load('u1'), tags);
    bus.set(false);
    await cache.get('u1', () => load('u1'), tags);
    await cache.get('u1', () => load('u1'), tags);
    expect(loads).toBe(3);
    bus.set(true);
    await cache.get('u1', () => load('u1'), tags);
    await cache.get('u1', () => load('u1'), tags);
    expect(loads).toBe(4);
  });

  it('refuses options that make no sense', () => {
    expect(() => new AuthCache<Row>({ ttlMs: -1, bus: new SwitchBus() })).toThrow(/ttlMs/);
    expect(() => new AuthCache<Row>({ ttlMs: 1000, max: 0, bus: new SwitchBus() })).toThrow(/max/);
  });
});

describe('RedisAuthCacheBus', () => {
  function fakeRedis() {
    const sub = Object.assign(new EventEmitter(), {
      subscribed: [] as string[],
      subscribe: async (channel: string) => void sub.subscribed.push(channel),
      disconnect: () => sub.emit('end'),
    });
    const published: [string, string][] = [];
    return { sub, published, redis: { publish: async (c: string, m: string) => (published.push([c, m]), 1), duplicate: () => sub } };
  }

  it('is live only while subscribed, and tells its listeners when that changes', async () => {
    const { sub, redis } = fakeRedis();
    const bus = new RedisAuthCacheBus(redis);
    const states: boolean[] = [];
    bus.listen({ message: () => undefined, state: (live) => states.push(live) });
    bus.start();
    expect(bus.live).toBe(false);
    sub.emit('ready');
    await new Promise((r) => setImmediate(r));
    expect(sub.subscribed).toEqual(['auth:cache-invalidate']);
    expect(bus.live).toBe(true);
    sub.emit('close');
    expect(bus.live).toBe(false);
    expect(states).toEqual([true, false]);
    bus.stop();
  });

  it('delivers its own changes at once and others from the channel; ignores junk', async () => {
    const { sub, redis, published } = fakeRedis();
    const bus = new RedisAuthCacheBus(redis);
    const heard: AuthCacheMessage[] = [];
    bus.listen({ message: (m) => heard.push(m) });
    bus.start();
    const sent = bus.publish({ kind: 'api-key', id: 'k1' });
    expect(heard).toEqual([{ kind: 'api-key', id: 'k1' }]);
    await sent;
    expect(published).toEqual([['auth:cache-invalidate', '{"kind":"api-key","id":"k1"}']]);
    sub.emit('message', 'bastion:auth:cache-invalidate', '{"kind":"user","id":"u2"}');
    sub.emit('message', 'auth:cache-invalidate', 'not json');
    sub.emit('message', 'auth:cache-invalidate', '{"kind":"tenant","id":"t"}');
    sub.emit('message', 'other', '{"kind":"user","id":"u3"}');
    expect(heard).toEqual([
      { kind: 'api-key', id: 'k1' },
      { kind: 'user', id: 'u2' },
    ]);
    bus.stop();
  });
});
