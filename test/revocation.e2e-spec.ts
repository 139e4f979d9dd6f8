import { type ChildProcess, spawn } from 'node:child_process';
import Redis from 'ioredis';
import { RevocationList } from '@bastion/auth';
import type { DatabaseConnection } from '@bastion/database';
import { baseEnv, prepareDatabase, startApi, type Env, type RunningApp } from './support/harness';
import { call, login } from './support/http';
import { freePort, within } from './support/processes';

// Revocation is durable and complete, tried as an attacker holding a token:
// two API instances on one database and a Redis of this file's own (a
// redis-server on a free port, without persistence, as compose runs it),
// which is killed and started again EMPTY, and flushed.
describe('durable and complete revocation (e2e)', () => {
  let redisPort = 0;
  let redis: ChildProcess | undefined;
  let env: Env;
  let db: DatabaseConnection;
  let a: RunningApp;
  let b: RunningApp;


  async function startRedis(): Promise<void> {
    redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' });
    const client = new Redis({ port: redisPort, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    for (let i = 0; i < 100; i++) {
      try {
        await client.connect();
        await client.ping();
        client.disconnect();
        return;
      } catch {
        client.disconnect();
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new Error('redis-server did not start');
  }

  async function killRedis(): Promise<void> {
    const proc = redis;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  }

  const ready = (app: RunningApp) => within(10_000, async () => (await call(app.url, 'GET', '/health/ready')).status === 200);

  beforeAll(async () => {
    redisPort = await freePort();
    await startRedis();
    env = { ...baseEnv(), REDIS_URL: `redis://127.0.0.1:${redisPort}/0`, RATE_LIMIT_AUTH_FAILURES: '1000/1m' };
    db = await prepareDatabase(env);
    a = await startApi(env);
    b = await startApi(env);
  }, 60_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.close();
    await killRedis();
  });

  it('a token revoked by logout stays revoked after Redis is flushed, and after it restarts empty, on every instance', async () => {
    const alice = await login(a.url, 'alice@example.com');
    expect((await call(b.url, 'GET', '/v1/users/me', { token: alice.accessToken })).status).toBe(200);
    expect((await call(a.url, 'POST', '/v1/auth/logout', { token: alice.accessToken, body: { refreshToken: alice.refreshToken } })).status).toBe(204);
    for (const app of [a, b]) {
      const res = await call(app.url, 'GET', '/v1/users/me', { token: alice.accessToken });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('ERR_AUTH_TOKEN_REVOKED');
    }

    // FLUSHDB: what an eviction or a failover to a replica that lagged also does.
    const client = new Redis(env.REDIS_URL as string);
    await client.flushdb();
    client.disconnect();
    for (const app of [a, b]) expect((await call(app.url, 'GET', '/v1/users/me', { token: alice.accessToken })).body.code).toBe('ERR_AUTH_TOKEN_REVOKED');

    // A restart without persistence: killed, then back empty on the same port.
    await killRedis();
    for (const app of [a, b]) expect((await call(app.url, 'GET', '/v1/users/me', { token: alice.accessToken })).body.code).toBe('ERR_AUTH_TOKEN_REVOKED');
    await startRedis();
    await ready(a);
    await ready(b);
    for (const app of [a, b]) {
      const res = await call(app.url, 'GET', '/v1/users/me', { token: alice.accessToken });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('ERR_AUTH_TOKEN_REVOKED');
    }
    // So does an instance started after all this: it loads revocations from the database.
    const c = await startApi(env);
    try {
      expect((await call(c.url, 'GET', '/v1/users/me', { token: alice.accessToken })).body.code).toBe('ERR_AUTH_TOKEN_REVOKED');
      expect((await call(c.url, 'POST', '/v1/auth/refresh', { body: { refreshToken: alice.refreshToken } })).status).toBe(401);
    } finally {
      await c.close();
    }
  }, 60_000);

  it('a logout on A reaches B with the bus down (Redis killed): B polls the database within a second', async () => {
    const alice = await login(a.url, 'alice@example.com');
    expect((await call(b.url, 'GET', '/v1/users/me', { token: alice.accessToken })).status).toBe(200);
    await killRedis();
    try {
      expect((await call(a.url, 'POST', '/v1/auth/logout', { token: alice.accessToken, body: { refreshToken: alice.refreshToken } })).status).toBe(204);
      // B's own state, read in its process: each HTTP request would also wait for the rate limiter's Redis.
      const jti = JSON.parse(Buffer.from(alice.accessToken.split('.')[1] as string, 'base64url').toString()).jti as string;
      const took = await within(1500, async () => b.app.get(RevocationList).verdict({ sub: 'x', tokenId: jti }) === 'ERR_AUTH_TOKEN_REVOKED');
      expect(took).toBeLessThan(1500);
      const res = await call(b.url, 'GET', '/v1/users/me', { token: alice.accessToken });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('ERR_AUTH_TOKEN_REVOKED');
    } finally {
      await startRedis();
      await ready(a);
      await ready(b);
    }
  }, 60_000);

  describe('disabling an account', () => {
    let admin: string;
    let bobId: string;

    beforeAll(async () => {
      admin = (await login(a.url, 'admin@example.com')).accessToken;
      const users = (await call(a.url, 'GET', '/v1/users', { token: admin })).body as { id: string; email: string }[];
      bobId = (users.find((u) => u.email === 'bob@example.com') as { id: string }).id;
    });

    it('disabled on A: within 1 s every route family on B refuses every credential of bob with one code; sessions end; enabling revives none', async () => {
      const bob = await login(a.url, 'bob@example.com');
      const created = await call(a.url, 'POST', '/v1/api-keys', { token: bob.accessToken, body: { name: 'bob', scopes: ['profile:read', 'documents:read'] } });
      expect(created.status).toBe(201);
      const key = created.body.key as string;
      expect((await call(b.url, 'GET', '/v1/users/me', { token: bob.accessToken })).status).toBe(200);
      expect((await call(b.url, 'GET', '/v1/users/me', { apiKey: key })).status).toBe(200);

      expect((await call(a.url, 'PATCH', `/v1/users/${bobId}`, { token: admin, body: { status: 'disabled' } })).status).toBe(200);
      const took = await within(1000, async () => (await call(b.url, 'GET', '/v1/users/me', { token: bob.accessToken })).status === 401);
      expect(took).toBeLessThan(1000);

      const attempts: [string, string, { token?: string; apiKey?: string; body?: unknown }][] = [
        ['GET', '/v1/users/me', { token: bob.accessToken }],
        ['GET', '/v2/users/me', { token: bob.accessToken }],
        ['PATCH', '/v1/users/me', { token: bob.accessToken, body: { displayName: 'Bob Again' } }],
        ['GET', '/v1/api-keys', { token: bob.accessToken }],
        ['POST', '/v1/api-keys', { token: bob.accessToken, body: { name: 'more', scopes: ['profile:read'] } }],
        ['GET', '/v1/documents', { token: bob.accessToken }],
        ['GET', '/v2/documents', { token: bob.accessToken }],
        ['GET', '/v1/users/me', { apiKey: key }],
        ['GET', '/v1/documents', { apiKey: key }],
      ];
      for (const app of [a, b]) {
        for (const [method, path, options] of attempts) {
          const res = await call(app.url, method, path, options);
          expect({ method, path, status: res.status, code: res.body?.code }).toEqual({ method, path, status: 401, code: 'ERR_AUTH_ACCOUNT_DISABLED' });
          expect(res.headers.get('www-authenticate')).toMatch(options.apiKey ? /^ApiKey / : /^Bearer .*invalid_token/);
        }
      }
      // Its sessions ended: the refresh token is dead, and a new login is refused.
      expect((await call(b.url, 'POST', '/v1/auth/refresh', { body: { refreshToken: bob.refreshToken } })).status).toBe(401);
      expect((await call(b.url, 'POST', '/v1/auth/login', { body: { email: 'bob@example.com', password: 'Demo-Passw0rd!' } })).status).toBe(401);

      // Enabled again on B: the old access and refresh tokens stay dead, a new login works.
      expect((await call(b.url, 'PATCH', `/v1/users/${bobId}`, { token: admin, body: { status: 'active' } })).status).toBe(200);
      // B knows at once; A learns of the re-enabling by the poll (or Redis) within a second, and refuses the old
      // token throughout: disabled until then, revoked after.
      for (const app of [a, b]) {
        await within(1500, async () => {
          const old = await call(app.url, 'GET', '/v1/users/me', { token: bob.accessToken });
          expect(old.status).toBe(401);
          return old.body.code === 'ERR_AUTH_TOKEN_REVOKED';
        });
      }
      const refreshed = await call(a.url, 'POST', '/v1/auth/refresh', { body: { refreshToken: bob.refreshToken } });
      expect(refreshed.status).toBe(401);
      const again = await login(b.url, 'bob@example.com');
      for (const app of [a, b]) expect((await call(app.url, 'GET', '/v1/users/me', { token: again.accessToken })).status).toBe(200);
      // API keys are not sessions: they work again with their owner.
      expect((await call(a.url, 'GET', '/v1/users/me', { apiKey: key })).status).toBe(200);
    }, 60_000);

    it('a disabled account stays refused after Redis is flushed, and on an instance started later', async () => {
      const bob = await login(a.url, 'bob@example.com');
      expect((await call(a.url, 'PATCH', `/v1/users/${bobId}`, { token: admin, body: { status: 'disabled' } })).status).toBe(200);
      const client = new Redis(env.REDIS_URL as string);
      await client.flushdb();
      client.disconnect();
      const c = await startApi(env);
      try {
        for (const app of [a, b, c]) expect((await call(app.url, 'GET', '/v2/users/me', { token: bob.accessToken })).body.code).toBe('ERR_AUTH_ACCOUNT_DISABLED');
        expect(c.app.get(RevocationList).stats.subjects).toBeGreaterThan(0);
      } finally {
        await c.close();
        expect((await call(a.url, 'PATCH', `/v1/users/${bobId}`, { token: admin, body: { status: 'active' } })).status).toBe(200);
      }
    }, 60_000);
  });
});
