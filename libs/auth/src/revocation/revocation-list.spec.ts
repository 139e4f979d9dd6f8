import { MemoryAuthCacheBus } from '../cache/auth-cache-bus.js';
import { AuthError } from '../errors.js';
import { DENY_GRACE_MS } from '../tokens/token-deny-list.js';
import { RevocationList, type RevocationListOptions } from './revocation-list.js';
import { MemoryRevocationStore, type RevocationStore } from './revocation-store.js';

const TTL = 15 * 60_000;

describe('RevocationStore contract', () => {
  const stores: [string, (clock: { now(): number }) => RevocationStore][] = [['MemoryRevocationStore', (clock) => new MemoryRevocationStore(clock)]];

  describe.each(stores)('%s', (_name, make) => {
    let now = 1_000_000;
    const clock = { now: () => now };

    it('numbers entries in order, keeps one row per token, and replaces a subject’s earlier rows', async () => {
      const store = make(clock);
      const t1 = await store.append({ kind: 'token', id: 'j1', expiresAtMs: now + 1000 });
      const again = await store.append({ kind: 'token', id: 'j1', expiresAtMs: now + 1000 });
      expect(again.seq).toBe(t1.seq);
      const s1 = await store.append({ kind: 'subject', id: 'u1', disabled: true, revokedBeforeMs: now, expiresAtMs: null });
      const s2 = await store.append({ kind: 'subject', id: 'u1', disabled: false, revokedBeforeMs: now, expiresAtMs: now + TTL });
      expect(s2.seq).toBeGreaterThan(s1.seq);
      const { entries } = await store.changes(null);
      expect(entries.map((e) => [e.kind, e.id])).toEqual([
        ['token', 'j1'],
        ['subject', 'u1'],
      ]);
      expect(entries[1]).toMatchObject({ disabled: false });
    });

    it('returns only entries in force, and those recorded since a cursor', async () => {
      const store = make(clock);
      await store.append({ kind: 'token', id: 'old', expiresAtMs: now + 1000 });
      const { cursorMs } = await store.changes(null);
      now += 2000;
      await store.append({ kind: 'token', id: 'new', expiresAtMs: now + 1000 });
      expect((await store.changes(null)).entries.map((e) => e.id)).toEqual(['new']);
      const since = await store.changes((cursorMs as number) + 1);
      expect(since.entries.map((e) => e.id)).toEqual(['new']);
      expect(since.cursorMs).toBeGreaterThan(cursorMs as number);
      expect(await store.purge(now)).toBe(1);
    });
  });
});

describe('RevocationList', () => {
  let now: number;
  const clock = { now: () => now };
  const lists: RevocationList[] = [];
  const make = (store: RevocationStore, extra: Partial<RevocationListOptions> = {}) => {
    const list = new RevocationList({ store, clock, accessTokenTtlMs: TTL, ...extra });
    lists.push(list);
    return list;
  };

  beforeEach(() => {
    now = Date.UTC(2026, 11, 4, 12, 0, 0, 0);
  });
  afterEach(() => {
    for (const l of lists.splice(0)) l.stop();
  });

  it('a revoked token is refused here at once, by another instance after its next poll, and by one started later', async () => {
    const store = new MemoryRevocationStore(clock);
    const a = make(store);
    const b = make(store);
    await a.sync();
    await b.sync();
    await a.revokeToken('j1', now + 60_000);
    expect(await a.isDenied('j1')).toBe(true);
    expect(await b.isDenied('j1')).toBe(false);
    await b.sync();
    expect(await b.isDenied('j1')).toBe(true);
    // A restart, or a cache that came back empty: the store still has it.
    const c = make(store);
    await c.sync();
    expect(c.verdict({ sub: 'u', tokenId: 'j1' })).toBe('ERR_AUTH_TOKEN_REVOKED');
    // Forgotten once the token could no longer verify anyway.
    now += 60_000 + DENY_GRACE_MS + 1;
    await c.sync();
    expect(await c.isDenied('j1')).toBe(false);
  });

  it('a revoked session refuses every access token carrying its sid, on every instance, for one token lifetime', async () => {
    const store = new MemoryRevocationStore(clock);
    const a = make(store);
    const b = make(store);
    await a.sync();
    await b.sync();
    await a.revokeSession('s1');
    expect(a.verdict({ sub: 'u', tokenId: 'j1', sessionId: 's1' })).toBe('ERR_AUTH_TOKEN_REVOKED');
    expect(a.verdict({ sub: 'u', tokenId: 'j2', sessionId: 's1' })).toBe('ERR_AUTH_TOKEN_REVOKED');
    expect(a.verdict({ sub: 'u', tokenId: 'j3', sessionId: 's2' })).toBeNull();
    expect(a.verdict({ sub: 'u', tokenId: 'j1' })).toBeNull(); // a token without sid is judged by its jti alone
    await b.sync();
    expect(b.verdict({ sub: 'u', sessionId: 's1' })).toBe('ERR_AUTH_TOKEN_REVOKED');
    expect(b.stats.sessions).toBe(1);
    // Recorded once: ending it again adds nothing.
    await a.revokeSession('s1');
    expect((await store.changes(null)).entries).toHaveLength(1);
    now += TTL + DENY_GRACE_MS + 1;
    await b.sync();
    expect(b.verdict({ sub: 'u', sessionId: 's1' })).toBeNull();
  });

  it('the bus makes every other instance read the store at once', async () => {
    const store = new MemoryRevocationStore(clock);
    const a = make(store, { bus: new MemoryAuthCacheBus() });
    const b = make(store, { bus: new MemoryAuthCacheBus() });
    await a.start();
    await b.start();
    await a.revokeToken('j2', now + 60_000);
    await b.sync(); // the one the bus message started, already under way
    expect(b.verdict({ sub: 'u', tokenId: 'j2' })).toBe('ERR_AUTH_TOKEN_REVOKED');
    expect(b.stats.syncs).toBeGreaterThanOrEqual(2);
  });

  it('a disabled user is refused for every credential; enabling revives no earlier token, but a new one works at once', async () => {
    const store = new MemoryRevocationStore(clock);
    const a = make(store);
    await a.sync();
    const before = Math.floor(now / 1000) * 1000 - 5000;
    await a.revokeSubject('u1', { disabled: true });
    expect(a.verdict({ sub: 'u1', tokenId: 'j', issuedAt: before })).toBe('ERR_AUTH_ACCOUNT_DISABLED');
    expect(a.verdict({ sub: 'u1' })).toBe('ERR_AUTH_ACCOUNT_DISABLED'); // an API key
    expect(() => a.assertAllowed({ sub: 'u1' }, ['api-key'])).toThrow(expect.objectContaining({ code: 'ERR_AUTH_ACCOUNT_DISABLED', details: { methods: ['api-key'] } }));
    expect(a.verdict({ sub: 'u2', issuedAt: before })).toBeNull();
    now += 1500;
    await a.revokeSubject('u1', { disabled: false });
    expect(a.verdict({ sub: 'u1', issuedAt: before })).toBe('ERR_AUTH_TOKEN_REVOKED');
    // A login in the same second as the re-enabling, and any later one.
    expect(a.verdict({ sub: 'u1', issuedAt: Math.floor(now / 1000) * 1000 })).toBeNull();
    expect(a.verdict({ sub: 'u1' })).toBeNull();
    // After a token lifetime the entry has nothing left to refuse.
    now += TTL + DENY_GRACE_MS + 1;
    expect(a.verdict({ sub: 'u1', issuedAt: before })).toBeNull();
  });

  it('the latest entry of a user wins whatever order polls deliver them in', async () => {
    const store = new MemoryRevocationStore(clock);
    const a = make(store);
    const b = make(store, { overlapMs: 60_000 });
    await b.sync();
    await a.revokeSubject('u1', { disabled: true });
    now += 10;
    await a.revokeSubject('u1', { disabled: false });
    now += 10;
    await b.sync();
    await b.sync(); // the overlap reads them again
    expect(b.verdict({ sub: 'u1' })).toBeNull();
    expect(a.verdict({ sub: 'u1' })).toBeNull();
  });

  it('polls look overlapMs back while rows come in, then only past the newest row', async () => {
    const inner = new MemoryRevocationStore(clock);
    const asked: (number | null)[] = [];
    const store: RevocationStore = { append: (e) => inner.append(e), changes: (s) => (asked.push(s), inner.changes(s)), purge: (b) => inner.purge(b) };
    const a = make(store, { overlapMs: 5000 });
    await a.sync();
    await a.revokeToken('j1', now + 60_000);
    const at = now;
    await a.sync(); // full load again: the cursor was unknown until a row existed
    now += 1000;
    await a.sync();
    expect(asked.at(-1)).toBe(at - 5000);
    now += 5000;
    await a.sync();
    expect(asked.at(-1)).toBe(at + 1);
    expect(a.verdict({ sub: 'u', tokenId: 'j1' })).toBe('ERR_AUTH_TOKEN_REVOKED');
  });

  it('a store that cannot be read: closed after maxStalenessMs (ERR_AUTH_UNAVAILABLE), open only when configured', async () => {
    let failing = false;
    const inner = new MemoryRevocationStore(clock);
    const store: RevocationStore = {
      append: (e) => inner.append(e),
      changes: (s) => (failing ? Promise.reject(new Error('connection refused')) : inner.changes(s)),
      purge: (b) => inner.purge(b),
    };
    const closed = make(store, { maxStalenessMs: 30_000 });
    const open = make(store, { maxStalenessMs: 30_000, failOpen: true });
    // Never read: nothing can be vouched for.
    expect(() => closed.assertAllowed({ sub: 'u' })).toThrow(expect.objectContaining({ code: 'ERR_AUTH_UNAVAILABLE' }));
    await closed.sync();
    await open.sync();
    failing = true;
    now += 29_000;
    await closed.sync();
    expect(() => closed.assertAllowed({ sub: 'u' })).not.toThrow();
    now += 2_000;
    await closed.sync();
    await open.sync();
    expect(() => closed.assertAllowed({ sub: 'u' })).toThrow(AuthError);
    await expect(closed.isDenied('j')).rejects.toThrow(/not read for 31 s/);
    expect(() => open.assertAllowed({ sub: 'u' })).not.toThrow();
    expect(closed.stats.failures).toBe(2);
    failing = false;
    await closed.sync();
    expect(() => closed.assertAllowed({ sub: 'u' })).not.toThrow();
  });

  it('readiness: not ready while never read or stale, ready after the one read the probe starts', async () => {
    let failing = true;
    const inner = new MemoryRevocationStore(clock);
    const store: RevocationStore = {
      append: (e) => inner.append(e),
      changes: (s) => (failing ? Promise.reject(new Error('connection refused')) : inner.changes(s)),
      purge: (b) => inner.purge(b),
    };
    const list = make(store, { maxStalenessMs: 30_000 });
    // Started without its database: not ready, and the probe's own read fails too.
    await expect(list.checkReady()).rejects.toThrow(/not read for ever/);
    failing = false;
    // The database is back: the probe reads the store itself, no poll needed.
    await expect(list.checkReady()).resolves.toBeUndefined();
    expect(() => list.assertAllowed({ sub: 'u' })).not.toThrow();
    failing = true;
    now += 31_000;
    await expect(list.checkReady()).rejects.toThrow(/not read for 31 s/);
    expect(await make(store, { failOpen: true }).checkReady()).toBeUndefined();
  });

  it('purges expired rows from the store every purgeIntervalMs', async () => {
    const store = new MemoryRevocationStore(clock);
    const a = make(store, { purgeIntervalMs: 60_000 });
    await a.revokeToken('j', now + 1000);
    now += 1000 + DENY_GRACE_MS + 60_001;
    await a.sync();
    await new Promise((r) => setImmediate(r));
    expect((await store.changes(null)).entries).toEqual([]);
    expect(await store.purge(now)).toBe(0);
  });

  it('refuses bad options by name', () => {
    const store = new MemoryRevocationStore(clock);
    expect(() => make(store, { syncIntervalMs: 10 })).toThrow(/"syncIntervalMs"/);
    expect(() => make(store, { maxStalenessMs: 1.5 })).toThrow(/"maxStalenessMs"/);
    expect(() => new RevocationList({ store: undefined as never, clock, accessTokenTtlMs: TTL })).toThrow(/"store"/);
  });
});
