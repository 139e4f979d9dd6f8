import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { RevocationList } from '@bastion/auth';
import { AuditTrail } from '@bastion/audit';
import { type DatabaseConnection, PrismaService } from '@bastion/database';
import { baseEnv, prepareDatabase, startApi, type Env, type RunningApp } from './support/harness';
import { call, DEMO_PASSWORD, login } from './support/http';
import { RedisServer } from '../scripts/fault-drill-services';
import { freePort, within } from './support/processes';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as { sid?: string; jti: string };

// Sessions, tried as their owner, an admin and an attacker: two API instances
// on one database and a Redis of this file's own (killed, restarted empty and
// flushed), as test/revocation.e2e-spec.ts runs them.
describe('sessions (e2e)', () => {
  let redis: RedisServer;
  let env: Env;
  let db: DatabaseConnection;
  let a: RunningApp;
  let b: RunningApp;
  let prisma: PrismaService;
  const started = new Date();

  const ready = (app: RunningApp) => within(10_000, async () => (await call(app.url, 'GET', '/health/ready')).status === 200);

  /** A password sign-in from a given browser. */
  async function signIn(email: string, userAgent: string) {
    const res = await call(a.url, 'POST', '/v1/auth/login', { body: { email, password: DEMO_PASSWORD }, headers: { 'user-agent': userAgent } });
    expect(res.status).toBe(200);
    return res.body as { accessToken: string; refreshToken: string };
  }

  const sessionsOf = async (app: RunningApp, token: string) => {
    const res = await call(app.url, 'GET', '/v1/auth/sessions', { token });
    expect(res.status).toBe(200);
    return res.body as { id: string; label: string; address: string | null; amr: string[]; current: boolean; lastUsedAt: string; createdAt: string; expiresAt: string }[];
  };

  const audited = async (action: string) => {
    await a.app.get(AuditTrail).flush();
    return prisma.auditEvent.findMany({ where: { action, occurredAt: { gte: started } }, orderBy: { seq: 'asc' } });
  };

  beforeAll(async () => {
    redis = new RedisServer(join(tmpdir(), `bastion-sessions-redis-${process.pid}.log`), await freePort());
    await redis.start();
    env = { ...baseEnv(), REDIS_URL: redis.url, RATE_LIMIT_AUTH_FAILURES: '1000/1m', RATE_LIMIT_LOGIN: '1000/1m', RATE_LIMIT_LOGIN_ADDRESS: '1000/1m' };
    db = await prepareDatabase(env);
    a = await startApi(env);
    b = await startApi(env);
    prisma = a.app.get(PrismaService);
  }, 60_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.close();
    await redis?.kill();
  });

  it('lists the caller\'s sessions with a label, a coarse address, amr and times; marks the current one; never a token or the full address', async () => {
    const laptop = await signIn('alice@example.com', FIREFOX);
    const phone = await signIn('alice@example.com', IPHONE);
    const sid = claims(laptop.accessToken).sid as string;
    expect(sid).toMatch(/^[0-9a-f-]{36}$/);
    const list = await sessionsOf(b, laptop.accessToken);
    const mine = list.find((s) => s.id === sid);
    const other = list.find((s) => s.id === claims(phone.accessToken).sid);
    expect(mine).toMatchObject({ label: 'Firefox 133 on Linux', address: '127.0.0.0/24', amr: ['pwd'], current: true });
    expect(other).toMatchObject({ label: 'Safari 17 on iOS', current: false });
    expect(list.filter((s) => s.current)).toHaveLength(1);
    expect(Object.keys(mine as object).sort()).toEqual(['address', 'amr', 'createdAt', 'current', 'expiresAt', 'id', 'label', 'lastUsedAt']);
    const text = JSON.stringify(list);
    for (const secret of [laptop.refreshToken, laptop.accessToken, '127.0.0.1', 'Gecko/20100101']) expect(text).not.toContain(secret);

    // A refresh goes on in the same session: the same sid, a later lastUsedAt, no new row.
    const before = (mine as { lastUsedAt: string }).lastUsedAt;
    await new Promise((r) => setTimeout(r, 20));
    const refreshed = await call(a.url, 'POST', '/v1/auth/refresh', { body: { refreshToken: laptop.refreshToken } });
    expect(refreshed.status).toBe(200);
    expect(claims(refreshed.body.accessToken).sid).toBe(sid);
    const after = await sessionsOf(a, refreshed.body.accessToken);
    expect(after).toHaveLength(list.length);
    expect(new Date((after.find((s) => s.id === sid) as { lastUsedAt: string }).lastUsedAt).getTime()).toBeGreaterThan(new Date(before).getTime());
  });

  it('ends a session on A: its access tokens are refused on B within 1 s, its refresh token at once; the others go on', async () => {
    const laptop = await signIn('bob@example.com', FIREFOX);
    const phone = await signIn('bob@example.com', IPHONE);
    const phoneSid = claims(phone.accessToken).sid as string;
    expect((await call(b.url, 'GET', '/v1/users/me', { token: phone.accessToken })).status).toBe(200);

    const ended = await call(a.url, 'DELETE', `/v1/auth/sessions/${phoneSid}`, { token: laptop.accessToken });
    expect(ended.status).toBe(204);
    const took = await within(1000, async () => (await call(b.url, 'GET', '/v1/users/me', { token: phone.accessToken })).status === 401);
    expect(took).toBeLessThan(1000);
    for (const app of [a, b]) {
      const res = await call(app.url, 'GET', '/v1/documents', { token: phone.accessToken });
      expect([res.status, res.body.code]).toEqual([401, 'ERR_AUTH_TOKEN_REVOKED']);
    }
    expect((await call(b.url, 'POST', '/v1/auth/refresh', { body: { refreshToken: phone.refreshToken } })).status).toBe(401);
    expect((await call(b.url, 'GET', '/v1/users/me', { token: laptop.accessToken })).status).toBe(200);
    expect((await sessionsOf(b, laptop.accessToken)).map((s) => s.id)).not.toContain(phoneSid);
    // Ending it again changes nothing and still answers 204.
    expect((await call(b.url, 'DELETE', `/v1/auth/sessions/${phoneSid}`, { token: laptop.accessToken })).status).toBe(204);
    const row = await prisma.session.findUniqueOrThrow({ where: { id: phoneSid } });
    expect(row.endReason).toBe('ended');
    expect((await audited('session.end')).filter((e) => e.targetId === phoneSid && e.outcome === 'success')).not.toHaveLength(0);
  });

  it('logout ends the caller\'s session: gone from the list, its tokens refused on B', async () => {
    const stay = await signIn('alice@example.com', FIREFOX);
    const leave = await signIn('alice@example.com', IPHONE);
    const sid = claims(leave.accessToken).sid as string;
    expect((await call(a.url, 'POST', '/v1/auth/logout', { token: leave.accessToken, body: { refreshToken: leave.refreshToken } })).status).toBe(204);
    expect((await prisma.session.findUniqueOrThrow({ where: { id: sid } })).endReason).toBe('logout');
    expect((await sessionsOf(b, stay.accessToken)).map((s) => s.id)).not.toContain(sid);
    await within(1000, async () => (await call(b.url, 'GET', '/v1/users/me', { token: leave.accessToken })).status === 401);
  });

  it('another user\'s session id is a 404 that ends nothing; a malformed id a 400; an API key has no session list', async () => {
    const alice = await signIn('alice@example.com', FIREFOX);
    const bob = await signIn('bob@example.com', FIREFOX);
    const bobSid = claims(bob.accessToken).sid as string;
    const res = await call(a.url, 'DELETE', `/v1/auth/sessions/${bobSid}`, { token: alice.accessToken });
    expect([res.status, res.body.code]).toEqual([404, 'ERR_SESSION_NOT_FOUND']);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect((await call(b.url, 'GET', '/v1/users/me', { token: bob.accessToken })).status).toBe(200);
    expect((await prisma.session.findUniqueOrThrow({ where: { id: bobSid } })).endedAt).toBeNull();
    expect((await audited('session.end')).some((e) => e.targetId === bobSid && e.outcome === 'failure')).toBe(true);
    expect((await call(a.url, 'DELETE', '/v1/auth/sessions/not-a-uuid', { token: alice.accessToken })).status).toBe(400);

    const key = await call(a.url, 'POST', '/v1/api-keys', { token: alice.accessToken, body: { name: 'sessions', scopes: ['profile:read'] } });
    const byKey = await call(a.url, 'GET', '/v1/auth/sessions', { apiKey: key.body.key });
    expect([byKey.status, byKey.body.code]).toEqual([401, 'ERR_AUTH_METHOD_NOT_ALLOWED']);
  });

  it('signs out everywhere else: every other session refused on both instances, this one goes on', async () => {
    const keep = await signIn('alice@example.com', FIREFOX);
    const others = [await signIn('alice@example.com', IPHONE), await signIn('alice@example.com', 'curl/8.5.0')];
    const res = await call(a.url, 'POST', '/v1/auth/sessions/revoke-others', { token: keep.accessToken });
    expect(res.status).toBe(200);
    expect(res.body.ended).toBeGreaterThanOrEqual(2);
    await within(1000, async () => (await call(b.url, 'GET', '/v1/users/me', { token: (others[0] as { accessToken: string }).accessToken })).status === 401);
    for (const o of others) {
      for (const app of [a, b]) expect((await call(app.url, 'GET', '/v1/users/me', { token: o.accessToken })).body.code).toBe('ERR_AUTH_TOKEN_REVOKED');
      expect((await call(a.url, 'POST', '/v1/auth/refresh', { body: { refreshToken: o.refreshToken } })).status).toBe(401);
    }
    const left = await sessionsOf(b, keep.accessToken);
    expect(left.map((s) => s.current)).toEqual([true]);
    expect(await audited('session.end-others')).not.toHaveLength(0);
  });

  it('an ended session stays refused after Redis is flushed, after it restarts empty, and on an instance started later', async () => {
    const alice = await signIn('alice@example.com', FIREFOX);
    const victim = await signIn('alice@example.com', IPHONE);
    const sid = claims(victim.accessToken).sid as string;
    expect((await call(a.url, 'DELETE', `/v1/auth/sessions/${sid}`, { token: alice.accessToken })).status).toBe(204);
    // Durable, in the database: one row refuses every access token of the session, whatever its jti.
    expect(await prisma.revocation.count({ where: { kind: 'session', subject: sid } })).toBe(1);
    const client = new Redis(env.REDIS_URL as string);
    await client.flushdb();
    client.disconnect();
    for (const app of [a, b]) expect((await call(app.url, 'GET', '/v1/users/me', { token: victim.accessToken })).body.code).toBe('ERR_AUTH_TOKEN_REVOKED');
    await redis.kill();
    await redis.start();
    await ready(a);
    await ready(b);
    for (const app of [a, b]) expect((await call(app.url, 'GET', '/v1/users/me', { token: victim.accessToken })).body.code).toBe('ERR_AUTH_TOKEN_REVOKED');
    const c = await startApi(env);
    try {
      expect((await call(c.url, 'GET', '/v1/users/me', { token: victim.accessToken })).body.code).toBe('ERR_AUTH_TOKEN_REVOKED');
      expect(c.app.get(RevocationList).stats.sessions).toBeGreaterThan(0);
    } finally {
      await c.close();
    }
  }, 60_000);

  it('a session ended on A with the bus down (Redis killed) reaches B by its poll within a second', async () => {
    const alice = await signIn('alice@example.com', FIREFOX);
    const victim = await signIn('alice@example.com', IPHONE);
    const sid = claims(victim.accessToken).sid as string;
    await redis.kill();
    try {
      expect((await call(a.url, 'DELETE', `/v1/auth/sessions/${sid}`, { token: alice.accessToken })).status).toBe(204);
      // B's own state, read in its process: an HTTP request would also wait for the rate limiter's Redis.
      const took = await within(1500, async () => b.app.get(RevocationList).verdict({ sub: 'x', sessionId: sid }) === 'ERR_AUTH_TOKEN_REVOKED');
      expect(took).toBeLessThan(1500);
    } finally {
      await redis.start();
      await ready(a);
      await ready(b);
    }
    expect((await call(b.url, 'GET', '/v1/users/me', { token: victim.accessToken })).body.code).toBe('ERR_AUTH_TOKEN_REVOKED');
  }, 60_000);

  describe('admins', () => {
    let admin: string;
    let bobId: string;
    let aliceId: string;

    beforeAll(async () => {
      admin = (await login(a.url, 'admin@example.com')).accessToken;
      bobId = (await prisma.user.findUniqueOrThrow({ where: { email: 'bob@example.com' } })).id;
      aliceId = (await prisma.user.findUniqueOrThrow({ where: { email: 'alice@example.com' } })).id;
    });

    it('list and end a user\'s sessions in their tenant, one or all; the user\'s tokens are refused on B', async () => {
      const bob1 = await signIn('bob@example.com', FIREFOX);
      const bob2 = await signIn('bob@example.com', IPHONE);
      const listed = await call(b.url, 'GET', `/v1/users/${bobId}/sessions`, { token: admin });
      expect(listed.status).toBe(200);
      const ids = (listed.body as { id: string; current: boolean }[]).map((s) => s.id);
      expect(ids).toEqual(expect.arrayContaining([claims(bob1.accessToken).sid, claims(bob2.accessToken).sid]));
      expect((listed.body as { current: boolean }[]).every((s) => !s.current)).toBe(true);

      expect((await call(a.url, 'DELETE', `/v1/users/${bobId}/sessions/${claims(bob1.accessToken).sid}`, { token: admin })).status).toBe(204);
      await within(1000, async () => (await call(b.url, 'GET', '/v1/users/me', { token: bob1.accessToken })).status === 401);
      expect((await call(b.url, 'GET', '/v1/users/me', { token: bob2.accessToken })).status).toBe(200);
      // A session of another user under this user's path: 404.
      const alice = await signIn('alice@example.com', FIREFOX);
      expect((await call(a.url, 'DELETE', `/v1/users/${bobId}/sessions/${claims(alice.accessToken).sid}`, { token: admin })).status).toBe(404);

      const all = await call(a.url, 'DELETE', `/v1/users/${bobId}/sessions`, { token: admin });
      expect(all.status).toBe(200);
      expect(all.body.ended).toBeGreaterThanOrEqual(1);
      await within(1000, async () => (await call(b.url, 'GET', '/v1/users/me', { token: bob2.accessToken })).status === 401);
      expect((await call(a.url, 'GET', `/v1/users/${bobId}/sessions`, { token: admin })).body).toEqual([]);
      expect((await call(b.url, 'GET', '/v1/users/me', { token: alice.accessToken })).status).toBe(200);
      expect(await audited('session.admin-end')).not.toHaveLength(0);
      expect(await audited('session.admin-end-all')).not.toHaveLength(0);
    });

    it('a non-admin is refused by the policies; an admin of another tenant sees no such user', async () => {
      const alice = await signIn('alice@example.com', FIREFOX);
      const denied = await call(a.url, 'GET', `/v1/users/${bobId}/sessions`, { token: alice.accessToken });
      expect([denied.status, denied.body.code]).toEqual([403, 'ERR_AUTHZ_DENIED']);
      await prisma.user.update({ where: { email: 'mallory@example.com' }, data: { role: 'admin' } });
      try {
        const mallory = await signIn('mallory@example.com', FIREFOX);
        const bob = await signIn('bob@example.com', FIREFOX);
        for (const [method, path] of [
          ['GET', `/v1/users/${bobId}/sessions`],
          ['DELETE', `/v1/users/${bobId}/sessions`],
          ['DELETE', `/v1/users/${bobId}/sessions/${claims(bob.accessToken).sid}`],
          ['DELETE', `/v1/users/${aliceId}/sessions/${claims(alice.accessToken).sid}`],
        ] as const) {
          expect({ path, status: (await call(a.url, method, path, { token: mallory.accessToken })).status }).toEqual({ path, status: 404 });
        }
        expect((await call(b.url, 'GET', '/v1/users/me', { token: bob.accessToken })).status).toBe(200);
      } finally {
        await prisma.user.update({ where: { email: 'mallory@example.com' }, data: { role: 'editor' } });
      }
    });

    it('disabling an account and changing a password show the sessions as ended', async () => {
      const bob = await signIn('bob@example.com', FIREFOX);
      const sid = claims(bob.accessToken).sid as string;
      expect((await call(a.url, 'PATCH', `/v1/users/${bobId}`, { token: admin, body: { status: 'disabled' } })).status).toBe(200);
      expect((await prisma.session.findUniqueOrThrow({ where: { id: sid } })).endReason).toBe('disabled');
      expect((await call(a.url, 'PATCH', `/v1/users/${bobId}`, { token: admin, body: { status: 'active' } })).status).toBe(200);
      expect((await call(a.url, 'GET', `/v1/users/${bobId}/sessions`, { token: admin })).body).toEqual([]);
      expect((await call(b.url, 'POST', '/v1/auth/refresh', { body: { refreshToken: bob.refreshToken } })).status).toBe(401);

      // A user-wide revocation alone (what a password reset records) ends every session begun before it.
      const again = await signIn('bob@example.com', FIREFOX);
      await a.app.get(RevocationList).revokeSubject(bobId, { disabled: false });
      const row = await prisma.session.findUniqueOrThrow({ where: { id: claims(again.accessToken).sid as string } });
      expect([row.endedAt !== null, row.endReason]).toEqual([true, 'signed-out']);
      expect((await call(b.url, 'POST', '/v1/auth/refresh', { body: { refreshToken: again.refreshToken } })).status).toBe(401);
      await within(1000, async () => (await call(b.url, 'GET', '/v1/users/me', { token: again.accessToken })).status === 401);

      const third = await signIn('bob@example.com', FIREFOX);
      await new Promise((r) => setTimeout(r, 1000));
      const changed = await call(a.url, 'PUT', '/v1/users/me/password', { token: third.accessToken, body: { currentPassword: DEMO_PASSWORD, newPassword: 'An0ther-Demo-Passw0rd!' } });
      expect(changed.status).toBe(204);
      try {
        const after = await prisma.session.findUniqueOrThrow({ where: { id: claims(third.accessToken).sid as string } });
        expect(after.endedAt).not.toBeNull();
      } finally {
        const fresh = await call(a.url, 'POST', '/v1/auth/login', { body: { email: 'bob@example.com', password: 'An0ther-Demo-Passw0rd!' } });
        await call(a.url, 'PUT', '/v1/users/me/password', { token: fresh.body.accessToken, body: { currentPassword: 'An0ther-Demo-Passw0rd!', newPassword: DEMO_PASSWORD } });
      }
    }, 30_000);
  });
});
