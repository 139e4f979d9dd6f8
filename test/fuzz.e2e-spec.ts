import fc from 'fast-check';
import { baseEnv, useApi, type Env } from './support/harness';
import { call, login } from './support/http';

// Property: nothing a client sends gets a 5xx. Every route that takes a body
// or a query is fed arbitrary JSON, DTO-shaped values with hostile members,
// and raw text, over the real HTTP stack.
describe('fuzzing every DTO (e2e)', () => {
  const env: Env = { ...baseEnv(), RATE_LIMIT_LOGIN: '100000/15m', RATE_LIMIT_LOGIN_ADDRESS: '100000/15m' };
  const api = useApi(env);
  let token: string;

  beforeAll(async () => {
    token = (await login(api.url, 'alice@example.com')).accessToken;
  });

  const hostile = fc.oneof(
    fc.jsonValue(),
    fc.string({ maxLength: 300 }),
    fc.constantFrom('__proto__', 'constructor', '', ' ', '\u0000', '😀'.repeat(50), 'a'.repeat(5000), '2026-13-45T99:99:99Z'),
    fc.integer(),
    fc.double(),
    fc.array(fc.string(), { maxLength: 5 }),
  );
  const shaped = (keys: string[]) => fc.dictionary(fc.constantFrom(...keys, 'extra', '__proto__', 'constructor'), hostile, { maxKeys: keys.length + 2 });

  const routes: { method: string; path: string; body: fc.Arbitrary<unknown>; auth: boolean }[] = [
    { method: 'POST', path: '/v1/auth/login', body: shaped(['email', 'password']), auth: false },
    { method: 'POST', path: '/v1/auth/refresh', body: shaped(['refreshToken']), auth: false },
    { method: 'POST', path: '/v1/auth/logout', body: shaped(['refreshToken']), auth: true },
    { method: 'PUT', path: '/v1/users/me/password', body: shaped(['currentPassword', 'newPassword']), auth: true },
    { method: 'POST', path: '/v1/api-keys', body: shaped(['name', 'scopes', 'expiresAt']), auth: true },
    { method: 'POST', path: '/v1/documents', body: shaped(['title', 'body', 'classification']), auth: true },
    { method: 'POST', path: '/v1/auth/login-code', body: shaped(['code']), auth: false },
  ];

  it.each(routes)('$method $path never answers 5xx', async ({ method, path, body, auth }) => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(body, fc.jsonValue()), async (payload) => {
        const res = await call(api.url, method, path, { body: payload, token: auth ? token : undefined });
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 60 },
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), async (raw) => {
        const res = await fetch(api.url + path, {
          method,
          headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${token}` } : {}) },
          body: raw,
        });
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 30 },
    );
  });

  it.each(['/v1/documents', '/v2/documents'])('GET %s with arbitrary query strings never answers 5xx', async (path) => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom('page', 'pageSize', 'limit', 'cursor', 'x', '__proto__'), fc.string({ maxLength: 50 }), { maxKeys: 4 }), async (query) => {
        const qs = new URLSearchParams(query as Record<string, string>).toString();
        const res = await call(api.url, 'GET', `${path}?${qs}`, { token });
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 60 },
    );
  });

  it.each(['/v1/auth/oidc/login', '/v1/auth/oidc/callback'])('GET %s with arbitrary query strings never answers 5xx', async (path) => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom('provider', 'code', 'state', 'error', 'iss', '__proto__'), fc.string({ maxLength: 50 }), { maxKeys: 4 }), async (query) => {
        const qs = new URLSearchParams(query as Record<string, string>).toString();
        const res = await fetch(`${api.url}${path}?${qs}`, { redirect: 'manual' });
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 60 },
    );
  });

  it('the server is still healthy afterwards', async () => {
    expect((await call(api.url, 'GET', '/health/ready')).status).toBe(200);
  });
});
