import type { DatabaseConnection } from '@bastion/database';
import { baseEnv, prepareDatabase, startApi, type Env, type RunningApp } from './support/harness';
import { call, DEMO_PASSWORD } from './support/http';

// Redis configured but not answering (a closed port): what fails closed
// refuses with 503 problem details, what is configured to fail open goes on.
describe('Redis outage (e2e)', () => {
  const base: Env = { ...baseEnv(), REDIS_URL: 'redis://127.0.0.1:1/0' };
  let db: DatabaseConnection;

  beforeAll(async () => {
    db = await prepareDatabase({ ...base, REDIS_URL: undefined });
  });
  afterAll(async () => db?.close());

  async function withApi(env: Env, fn: (api: RunningApp) => Promise<void>) {
    const api = await startApi(env);
    try {
      await fn(api);
    } finally {
      await api.close();
    }
  }

  it('by default a login is refused with 503 (never let through unlimited) and readiness reports redis', async () => {
    await withApi(base, async (api) => {
      const res = await call(api.url, 'POST', '/v1/auth/login', { body: { email: 'alice@example.com', password: DEMO_PASSWORD } });
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toBe('ERR_AUTH_UNAVAILABLE');
      expect(res.headers.get('retry-after')).toBe('5');
      expect(JSON.stringify(res.body)).not.toMatch(/ECONNREFUSED|ioredis|127\.0\.0\.1:1/);
      expect((await call(api.url, 'GET', '/health/ready')).body.checks).toEqual({ database: 'up', redis: 'down', audit: 'up', policies: 'up', revocations: 'up' });
    });
  });

  it('LOGIN_LIMITS_FAIL_OPEN lets logins through; bearer tokens are still checked for revocation, from the database', async () => {
    await withApi({ ...base, LOGIN_LIMITS_FAIL_OPEN: 'true' }, async (api) => {
      const res = await call(api.url, 'POST', '/v1/auth/login', { body: { email: 'alice@example.com', password: DEMO_PASSWORD } });
      expect(res.status).toBe(200);
      // Revocations are held in memory and read from the database: Redis is only the bus that says "read now".
      expect((await call(api.url, 'GET', '/v1/users/me', { token: res.body.accessToken })).status).toBe(200);
      const out = await call(api.url, 'POST', '/v1/auth/logout', { token: res.body.accessToken, body: { refreshToken: res.body.refreshToken } });
      expect(out.status).toBe(204);
      const revoked = await call(api.url, 'GET', '/v1/users/me', { token: res.body.accessToken });
      expect(revoked.status).toBe(401);
      expect(revoked.body.code).toBe('ERR_AUTH_TOKEN_REVOKED');
    });
  });
});
