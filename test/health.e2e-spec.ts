import { createAuthServerApp } from '../apps/auth-server/src/bootstrap';
import { baseEnv, startApi, useApi, withEnv, type Env } from './support/harness';

describe('health and errors (e2e)', () => {
  const env: Env = baseEnv();
  const api = useApi(env);

  it('GET /health/live answers 200 while the process is up', async () => {
    const res = await fetch(`${api.url}/health/live`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('GET /health/ready checks the database, and Redis when configured', async () => {
    const res = await fetch(`${api.url}/health/ready`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(body.details.database.status).toBe('up');
    if (process.env.REDIS_URL) expect(body.details.redis.status).toBe('up');
    else expect(body.details.redis).toBeUndefined();
  });

  it('an unknown route is a 404 problem+json without internals', async () => {
    const res = await fetch(`${api.url}/v1/no-such-route?token=secret`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = (await res.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(body).toMatchObject({ type: 'about:blank', title: 'Not Found', status: 404, instance: '/v1/no-such-route' });
    expect(JSON.stringify(body)).not.toMatch(/secret|stack|node_modules|\.ts\b/);
  });

  it('GET /health/ready is a 503 problem naming the check when the database does not answer', async () => {
    // A second instance whose database is unreachable: a closed port on loopback.
    const broken = await startApi({
      ...env,
      DATABASE_URL: 'postgresql://bastion@127.0.0.1:1/none',
      REDIS_URL: undefined,
    });
    try {
      const res = await fetch(`${broken.url}/health/ready`);
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const body = (await res.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
      // Started without its database, it never loaded its authorization policies or its revocations either.
      expect(body).toMatchObject({ status: 503, code: 'ERR_NOT_READY', checks: { database: 'down', policies: 'down', revocations: 'down' } });
      expect(body.detail).toBe('Not ready: database, policies, revocations did not answer');
      expect(JSON.stringify(body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1:1|pg/);
      expect((await fetch(`${broken.url}/health/live`)).status).toBe(200);
    } finally {
      await broken.close();
    }
  });

  it('the auth server answers with the same headers and problem details', async () => {
    const auth = await withEnv(env, () => createAuthServerApp());
    await auth.app.listen(0, '127.0.0.1');
    try {
      const url = await auth.app.getUrl();
      const live = await fetch(`${url}/health/live`);
      expect(live.status).toBe(200);
      expect(live.headers.get('content-security-policy')).toBe("default-src 'none';frame-ancestors 'none'");
      expect(live.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      const missing = await fetch(`${url}/nope`);
      expect(missing.status).toBe(404);
      expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    } finally {
      await auth.app.close();
    }
  });

  it('GET /health/ready is a 503 naming redis when Redis does not answer', async () => {
    const broken = await startApi({ ...env, REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      const res = await fetch(`${broken.url}/health/ready`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
      expect(body.checks).toEqual({ database: 'up', redis: 'down', audit: 'up', policies: 'up', revocations: 'up' });
    } finally {
      await broken.close();
    }
  });
});
