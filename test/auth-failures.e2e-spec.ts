import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import Redis from 'ioredis';
import { baseEnv, startApi, useApi, type Env } from './support/harness';
import { call, login } from './support/http';

/** A well-formed ES256 access token signed by a key the API never issued. */
function forgedToken(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const now = Math.floor(Date.now() / 1000);
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${part({ alg: 'ES256', typ: 'at+jwt', kid: 'forged' })}.${part({ iss: 'urn:bastion:api', aud: 'urn:bastion:api', sub: randomUUID(), jti: randomUUID(), client_id: 'bastion', iat: now, exp: now + 600 })}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

// Failed authentications count against the client address (nestjs/throttler
// #522: a guard after authentication never sees them): a flood of forged
// tokens or guessed API keys meets 429, on every instance sharing the counters.
describe('failed authentications are counted (e2e)', () => {
  const env: Env = { ...baseEnv(), RATE_LIMIT_API: '300/1m', RATE_LIMIT_AUTH_FAILURES: '20/1m' };
  const api = useApi(env);

  it('400 forged bearer tokens in a row: 401 until the failure limit, then 429 with Retry-After and the RateLimit fields', async () => {
    const statuses: number[] = [];
    let limited;
    for (let i = 0; i < 400; i++) {
      const res = await call(api.url, 'GET', '/v1/users/me', { token: i % 2 ? forgedToken() : 'not-a-jwt' });
      statuses.push(res.status);
      if (res.status === 429) {
        limited = res;
        break;
      }
      expect(res.status).toBe(401);
    }
    expect(statuses.length).toBe(21);
    expect(limited?.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(limited?.body.code).toBe('ERR_RATE_LIMITED');
    const retryAfter = Number(limited?.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited?.headers.get('ratelimit-policy')).toContain('"authFailures";q=20;w=60');
    expect(limited?.headers.get('ratelimit')).toContain(`"authFailures";r=0;t=${retryAfter}`);
    // Guessed API keys from the same address: refused with 429 as well, never looked up in bulk.
    const keyGuess = await call(api.url, 'GET', '/v1/users/me', { apiKey: `bst_live_${'a'.repeat(12)}_${'b'.repeat(43)}` });
    expect(keyGuess.status).toBe(429);
    // A valid credential from the same address is not a failure: it still gets in (its principal has its own budget).
    const alice = await login(api.url, 'alice@example.com');
    expect((await call(api.url, 'GET', '/v1/users/me', { token: alice.accessToken })).status).toBe(200);
  });

  it('every failure also spends the address api budget, shared by a second instance', async () => {
    const env2: Env = { ...env, RATE_LIMIT_API: '10/1m', RATE_LIMIT_AUTH_FAILURES: '1000/1m' };
    if (process.env.REDIS_URL) {
      // The first test's counters are this address's too.
      const redis = new Redis(process.env.REDIS_URL);
      await redis.flushdb();
      redis.disconnect();
    }
    const a = await startApi(env2);
    const b = await startApi(env2);
    try {
      const alice = await login(a.url, 'alice@example.com');
      let first429 = 0;
      for (let i = 1; i <= 30 && !first429; i++) {
        const res = await call(i % 2 ? a.url : b.url, 'GET', '/v1/documents', { token: forgedToken() });
        if (res.status === 429) {
          first429 = i;
          expect(res.body.code).toBe('ERR_RATE_LIMITED');
          expect(res.headers.get('ratelimit')).toContain('"api";r=0');
        } else expect(res.status).toBe(401);
      }
      // One login and failures: at most 10 per address per minute, across both instances with Redis.
      expect(first429).toBeGreaterThan(0);
      if (process.env.REDIS_URL) expect(first429).toBeLessThanOrEqual(10);
      // The authenticated caller is counted as herself, not as the address.
      expect((await call(a.url, 'GET', '/v1/users/me', { token: alice.accessToken })).status).toBe(200);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
