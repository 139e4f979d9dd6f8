import { baseEnv, startApi, useApi, type Env } from './support/harness';
import { call, DEMO_PASSWORD, login } from './support/http';

// Rate limits over the real HTTP stack. With REDIS_URL (npm run
// test:services) two instances share the counters; on the embedded default
// each instance counts alone, and the assertions say so.
describe('rate limits (e2e)', () => {
  const env: Env = {
    ...baseEnv(),
    RATE_LIMIT_API: '5/1m',
    RATE_LIMIT_REFRESH: '3/1m',
    RATE_LIMIT_LOGIN: '5/15m',
    RATE_LIMIT_LOGIN_ADDRESS: '1000/15m',
  };
  const api = useApi(env);

  it('the api tier: 5 per minute per principal, then 429 with Retry-After and the IETF RateLimit fields', async () => {
    const { accessToken } = await login(api.url, 'alice@example.com');
    for (let i = 0; i < 5; i++) {
      const ok = await call(api.url, 'GET', '/v2/users/me', { token: accessToken });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('ratelimit-policy')).toBe('"api";q=5;w=60');
      expect(ok.headers.get('ratelimit')).toMatch(new RegExp(`^"api";r=${4 - i};t=\\d+$`));
    }
    const limited = await call(api.url, 'GET', '/v1/users/me', { token: accessToken });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(limited.body.code).toBe('ERR_RATE_LIMITED');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.headers.get('ratelimit')).toBe(`"api";r=0;t=${retryAfter}`);
    expect(limited.headers.get('x-ratelimit-limit')).toBeNull();
    // Another principal has its own budget; probes are never limited.
    const bob = await login(api.url, 'bob@example.com');
    expect((await call(api.url, 'GET', '/v1/users/me', { token: bob.accessToken })).status).toBe(200);
    expect((await call(api.url, 'GET', '/health/ready')).status).toBe(200);
  });

  it('an API key can carry its own limit', async () => {
    const { accessToken } = await login(api.url, 'mallory@example.com');
    const created = await call(api.url, 'POST', '/v1/api-keys', { token: accessToken, body: { name: 'slow', scopes: ['profile:read'], rateLimitPerMinute: 2 } });
    expect(created.status).toBe(201);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await call(api.url, 'GET', '/v1/users/me', { apiKey: created.body.key })).status);
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('the refresh tier limits refreshes per client on top of rotation', async () => {
    const other = await startApi({ ...env, RATE_LIMIT_API: '1000/1m' });
    try {
      let { refreshToken } = await login(other.url, 'bob@example.com');
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await call(other.url, 'POST', '/v1/auth/refresh', { body: { refreshToken } });
        statuses.push(res.status);
        if (res.status === 200) refreshToken = res.body.refreshToken;
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
    } finally {
      await other.close();
    }
  });

  it('200 concurrent failed logins for one account over two instances admit exactly the limit', async () => {
    const a = await startApi({ ...env, RATE_LIMIT_API: '100000/1m' });
    const b = await startApi({ ...env, RATE_LIMIT_API: '100000/1m' });
    try {
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          call((i % 2 ? a : b).url, 'POST', '/v1/auth/login', { body: { email: 'admin@example.com', password: `flood-${i}-guess` } }),
        ),
      );
      const checked = results.filter((r) => r.status === 401).length;
      const refused = results.filter((r) => r.status === 429).length;
      expect(checked + refused).toBe(200);
      // Shared Redis counters: exactly 5 password checks in all. Without Redis each instance counts its own 5.
      expect(checked).toBe(process.env.REDIS_URL ? 5 : 10);
      // The limit holds even for the right password now.
      expect((await call(a.url, 'POST', '/v1/auth/login', { body: { email: 'admin@example.com', password: DEMO_PASSWORD } })).status).toBe(429);
    } finally {
      await a.close();
      await b.close();
    }
  });

  describe('client address', () => {
    const guess = (base: string, xff: string, i: number) =>
      call(base, 'POST', '/v1/auth/login', { body: { email: `nobody${i}@example.com`, password: 'wrong-guess-1' }, headers: { 'x-forwarded-for': xff } });

    it('behind one trusted proxy, a spoofed leftmost X-Forwarded-For entry never opens a new bucket', async () => {
      const proxied = await startApi({ ...env, TRUST_PROXY: '1', RATE_LIMIT_LOGIN_ADDRESS: '3/15m', RATE_LIMIT_API: '100000/1m' });
      try {
        const statuses: number[] = [];
        // The proxy appends the real client (203.0.113.9); the client forges whatever it likes before it.
        for (let i = 0; i < 5; i++) statuses.push((await guess(proxied.url, `10.${i}.${i}.${i}, 203.0.113.9`, i)).status);
        expect(statuses).toEqual([401, 401, 401, 429, 429]);
        // A different real client behind the same proxy has its own bucket.
        expect((await guess(proxied.url, '10.9.9.9, 198.51.100.7', 9)).status).toBe(401);
      } finally {
        await proxied.close();
      }
    });

    it('without TRUST_PROXY, X-Forwarded-For is ignored: the socket address counts', async () => {
      const direct = await startApi({ ...env, RATE_LIMIT_LOGIN_ADDRESS: '3/15m', RATE_LIMIT_API: '100000/1m' });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 4; i++) statuses.push((await guess(direct.url, `198.51.100.${i}`, i)).status);
        // In services mode the loopback address already failed above in this file's Redis counters.
        if (process.env.REDIS_URL) expect(statuses.at(-1)).toBe(429);
        else expect(statuses).toEqual([401, 401, 401, 429]);
      } finally {
        await direct.close();
      }
    });
  });
});
