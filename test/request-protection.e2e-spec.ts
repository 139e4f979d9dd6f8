import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDevCertificates } from '../scripts/dev-certs';
import { baseEnv, startApi, useApi, type Env } from './support/harness';
import { call, login } from './support/http';

const ACME_DOC = '0b6c3c8e-0000-4000-8000-000000000001';

// Every bullet of the request-protection contract that is not rate limiting,
// on whichever adapter HTTP_ADAPTER names (CI runs Fastify and Express).
describe('request protection (e2e)', () => {
  const env: Env = { ...baseEnv(), RATE_LIMIT_LOGIN: '1000/15m', RATE_LIMIT_LOGIN_ADDRESS: '1000/15m' };
  const api = useApi(env);
  let token: string;

  beforeAll(async () => {
    token = (await login(api.url, 'alice@example.com')).accessToken;
  });

  function expectProblem(res: { status: number; headers: Headers; body: Record<string, unknown> }, status: number) {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ type: 'about:blank', status });
    expect(typeof res.body.detail).toBe('string');
    expect(JSON.stringify(res.body)).not.toMatch(/\bat [\w$.<>]+ \(|node_modules|\.ts:|prisma|SELECT|fastify|express|body-parser|SyntaxError/i);
  }

  describe('security headers', () => {
    it.each(['/health/live', '/v1/nope'])('API-tuned headers on %s', async (path) => {
      const res = await call(api.url, 'GET', path);
      const h = res.headers;
      expect(h.get('content-security-policy')).toBe("default-src 'none';frame-ancestors 'none'");
      expect(h.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
      expect(h.get('x-content-type-options')).toBe('nosniff');
      expect(h.get('referrer-policy')).toBe('no-referrer');
      expect(h.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(h.get('cross-origin-resource-policy')).toBe('same-origin');
      expect(h.get('x-xss-protection')).toBe('0');
      expect(h.get('x-powered-by')).toBeNull();
      expect(h.get('cache-control')).toBe('no-store');
    });

    it('authenticated answers are no-store; the public JWKS may be cached', async () => {
      expect((await call(api.url, 'GET', '/v1/users/me', { token })).headers.get('cache-control')).toBe('no-store');
      expect((await call(api.url, 'GET', '/.well-known/jwks.json')).headers.get('cache-control')).toBe('public, max-age=300');
    });

    it('only /docs gets a looser CSP', async () => {
      const res = await call(api.url, 'GET', '/docs');
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    });
  });

  describe('X-Request-Id', () => {
    it('is accepted when well-formed and returned, also in problem bodies', async () => {
      const res = await call(api.url, 'GET', '/v1/nope', { headers: { 'x-request-id': 'client-abc-12345' } });
      expect(res.headers.get('x-request-id')).toBe('client-abc-12345');
      expect(res.body.requestId).toBe('client-abc-12345');
    });

    it.each(['short', 'has spaces in it', 'x'.repeat(200), 'inject\\r\\nheader: 1'])('is replaced when malformed (%p)', async (id) => {
      const res = await call(api.url, 'GET', '/health/live', { headers: { 'x-request-id': id } });
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('is generated when absent, on errors from the guard too', async () => {
      const res = await call(api.url, 'GET', '/v1/users/me');
      expect(res.status).toBe(401);
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.body.requestId).toBe(res.headers.get('x-request-id'));
    });
  });

  describe('input validation', () => {
    it('unknown properties are refused with a field list, not stripped', async () => {
      const res = await call(api.url, 'POST', '/v1/documents', { token, body: { title: 't', body: 'b', ownerId: 'x', tenantId: 'y' } });
      expectProblem(res, 400);
      expect(res.body.code).toBe('ERR_VALIDATION');
      expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['ownerId', 'tenantId']);
    });

    it('a path id that is not a UUID is a 400', async () => {
      expectProblem(await call(api.url, 'GET', '/v1/documents/1%20OR%201=1', { token }), 400);
    });

    it('malformed JSON is a 400 problem, with the security headers and request id', async () => {
      const res = await fetch(`${api.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":' });
      expectProblem({ status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> }, 400);
      expect(res.headers.get('content-security-policy')).toBe("default-src 'none';frame-ancestors 'none'");
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });

    // The same answer on Fastify and Express, and the document unchanged: Express used to run a
    // PATCH with a text/plain, multipart or empty body as if no body was sent (200, nothing done),
    // and Fastify read text/plain as a string.
    it.each([
      ['text/plain', { 'content-type': 'text/plain' }, '{"title":"changed"}', 415],
      ['multipart', { 'content-type': 'multipart/form-data; boundary=xx' }, '--xx\r\nContent-Disposition: form-data; name="title"\r\n\r\nchanged\r\n--xx--\r\n', 415],
      ['a JSON media type the API does not speak', { 'content-type': 'application/vnd.api+json' }, '{"title":"changed"}', 415],
      ['an empty JSON body', { 'content-type': 'application/json' }, '', 400],
      ['JSON null', { 'content-type': 'application/json' }, 'null', 400],
      ['a JSON array', { 'content-type': 'application/json' }, '[{"title":"changed"}]', 400],
    ])('a PATCH with %s is refused and changes nothing', async (_name, headers, raw, status) => {
      const before = await call(api.url, 'GET', `/v1/documents/${ACME_DOC}`, { token });
      const res = await fetch(`${api.url}/v1/documents/${ACME_DOC}`, { method: 'PATCH', headers: { ...headers, authorization: `Bearer ${token}` }, body: raw });
      expectProblem({ status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> }, status);
      expect((await call(api.url, 'GET', `/v1/documents/${ACME_DOC}`, { token })).body).toEqual(before.body);
    });

    it.each([
      ['__proto__', '{"__proto__":{"isAdmin":true},"email":"a@example.com","password":"x"}'],
      ['constructor', '{"constructor":{"prototype":{"isAdmin":true}},"email":"a@example.com","password":"x"}'],
      ['nested __proto__', '{"email":"a@example.com","password":"x","x":{"y":{"__proto__":{"z":1}}}}'],
    ])('a %s key is a 400', async (_name, raw) => {
      const res = await fetch(`${api.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw });
      expectProblem({ status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> }, 400);
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    });

    it.each([20, 1_000, 40_000])('a body nested %d levels deep is a 4xx and the server stays up', async (depth) => {
      const raw = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
      const res = await fetch(`${api.url}/v1/documents`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: raw });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect((await call(api.url, 'GET', '/health/live')).status).toBe(200);
    });

    it('a body one byte over the limit is a 413 problem; at the limit it is read', async () => {
      const limit = 100 * 1024;
      const frame = (n: number) => JSON.stringify({ title: 't', body: 'x'.repeat(n) });
      const overhead = frame(0).length;
      const at = await call(api.url, 'POST', '/v1/documents', { token, body: JSON.parse(frame(limit - overhead)) });
      expect(at.status).not.toBe(413);
      const over = await fetch(`${api.url}/v1/documents`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: frame(limit - overhead + 1) });
      expectProblem({ status: over.status, headers: over.headers, body: (await over.json()) as Record<string, unknown> }, 413);
    });

    it('a route may set a smaller limit: a 5 kB login body is a 413', async () => {
      const res = await call(api.url, 'POST', '/v1/auth/login', { body: { email: 'alice@example.com', password: 'x'.repeat(5 * 1024) } });
      expectProblem(res, 413);
      expect(res.body.code).toBe('ERR_BODY_TOO_LARGE');
    });

    it('a long query value, too many parameters and long arrays are 400s', async () => {
      expectProblem(await call(api.url, 'GET', `/v1/documents?page=${'9'.repeat(2000)}`, { token }), 400);
      const many = Array.from({ length: 40 }, (_, i) => `p${i}=1`).join('&');
      expectProblem(await call(api.url, 'GET', `/v1/documents?${many}`, { token }), 400);
      const repeated = Array.from({ length: 60 }, () => 'page=1').join('&');
      expectProblem(await call(api.url, 'GET', `/v1/documents?${repeated}`, { token }), 400);
      expectProblem(await call(api.url, 'GET', '/v1/documents?pageSize=1000', { token }), 400);
    });
  });

  describe('versioning', () => {
    it('v1 answers with Deprecation, Sunset and a Link to its successor', async () => {
      const res = await call(api.url, 'GET', '/v1/users/me', { token });
      expect(res.status).toBe(200);
      expect(res.headers.get('deprecation')).toBe(`@${Date.parse('2026-11-01T00:00:00Z') / 1000}`);
      expect(res.headers.get('sunset')).toBe('Mon, 01 Nov 2027 00:00:00 GMT');
      // Only the successor: no link to a page that does not exist.
      expect(res.headers.get('link')).toBe('</v2/users/me>; rel="successor-version"');
      expect((await call(api.url, 'GET', '/v2/users/me', { token })).headers.get('link')).toBeNull();
      const list = await call(api.url, 'GET', '/v1/documents', { token });
      expect([list.headers.get('sunset'), list.headers.get('link')]).toEqual(['Mon, 01 Nov 2027 00:00:00 GMT', '</v2/documents>; rel="successor-version"']);
    });

    it('v1 routes without a successor are current: no Deprecation, Sunset or Link', async () => {
      const login = await call(api.url, 'POST', '/v1/auth/login', { body: { email: 'alice@example.com', password: 'Demo-Passw0rd!' } });
      const answers = [
        login,
        await call(api.url, 'GET', '/v1/api-keys', { token }),
        await call(api.url, 'GET', '/v1/auth/sessions', { token }),
        await call(api.url, 'GET', `/v1/documents/${ACME_DOC}`, { token }),
        await call(api.url, 'GET', '/v1/users', { token }),
      ];
      for (const res of answers) {
        expect(res.status).toBeLessThan(300);
        expect([res.headers.get('deprecation'), res.headers.get('sunset'), res.headers.get('link')]).toEqual([null, null, null]);
      }
    });

    it('v2 of /users/me is lean and not deprecated', async () => {
      const res = await call(api.url, 'GET', '/v2/users/me', { token });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(['department', 'displayName', 'email', 'id', 'role', 'tenantId']);
      expect(res.headers.get('deprecation')).toBeNull();
    });

    it('v2 of the documents list walks by cursor through exactly what v1 lists', async () => {
      const v1 = await call(api.url, 'GET', '/v1/documents?pageSize=100', { token });
      expect(v1.status).toBe(200);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<typeof call>> = await call(api.url, 'GET', `/v2/documents?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token });
        expect(page.status).toBe(200);
        for (const item of page.body.items) {
          expect(Object.hasOwn(item, 'body')).toBe(false);
          seen.push(item.id);
        }
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual(v1.body.items.map((d: { id: string }) => d.id));
      expect(v1.body.total).toBe(seen.length);
      expectProblem(await call(api.url, 'GET', '/v2/documents?cursor=bm90LWEtY3Vyc29y', { token }), 400);
    });

    it('an unknown version is a 404', async () => {
      expectProblem(await call(api.url, 'GET', '/v3/users/me', { token }), 404);
      expectProblem(await call(api.url, 'GET', `/v0/documents/${ACME_DOC}`, { token }), 404);
    });
  });

  describe('CORS', () => {
    const preflight = (base: string, origin: string) =>
      fetch(`${base}/v1/users/me`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });

    it('no origin is allowed by default', async () => {
      const res = await preflight(api.url, 'https://evil.example');
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      const simple = await fetch(`${api.url}/health/live`, { headers: { origin: 'https://evil.example' } });
      expect(simple.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('listed origins, and only they, get CORS with credentials', async () => {
      const cors = await startApi({ ...env, CORS_ORIGINS: 'https://app.example.com' });
      try {
        const ok = await preflight(cors.url, 'https://app.example.com');
        expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
        expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
        const evil = await preflight(cors.url, 'https://app.example.com.evil.example');
        expect(evil.headers.get('access-control-allow-origin')).toBeNull();
        const nullOrigin = await preflight(cors.url, 'null');
        expect(nullOrigin.headers.get('access-control-allow-origin')).toBeNull();
      } finally {
        await cors.close();
      }
    });
  });

  describe('HTTPS', () => {
    it('REQUIRE_HTTPS refuses plain HTTP with 403 (no redirect); a trusted proxy can vouch for HTTPS', async () => {
      const strict = await startApi({ ...env, REQUIRE_HTTPS: 'true', TRUST_PROXY: 'loopback' });
      try {
        const plain = await call(strict.url, 'GET', '/v1/users/me', { token });
        expectProblem(plain, 403);
        expect(plain.body.code).toBe('ERR_HTTPS_REQUIRED');
        expect(plain.headers.get('location')).toBeNull();
        // Before anything else: no credential, an unknown route or a login body changes nothing.
        expect((await call(strict.url, 'GET', '/v1/users/me')).body.code).toBe('ERR_HTTPS_REQUIRED');
        expect((await call(strict.url, 'GET', '/v1/no-such-route')).body.code).toBe('ERR_HTTPS_REQUIRED');
        expect((await call(strict.url, 'POST', '/v1/auth/login', { body: { email: 'alice@example.com', password: 'x' } })).body.code).toBe('ERR_HTTPS_REQUIRED');
        const proxied = await call(strict.url, 'GET', '/v1/users/me', { token, headers: { 'x-forwarded-proto': 'https' } });
        expect(proxied.status).toBe(200);
        expect((await call(strict.url, 'GET', '/health/live')).status).toBe(200);
      } finally {
        await strict.close();
      }
    });

    it('without a trusted proxy, X-Forwarded-Proto is not believed', async () => {
      const strict = await startApi({ ...env, REQUIRE_HTTPS: 'true' });
      try {
        expect((await call(strict.url, 'GET', '/v1/users/me', { token, headers: { 'x-forwarded-proto': 'https' } })).status).toBe(403);
      } finally {
        await strict.close();
      }
    });

    it('serves real TLS 1.2+ with TLS_CERT_FILE/TLS_KEY_FILE, and refuses TLS 1.1', async () => {
      const certs = await makeDevCertificates();
      const dir = mkdtempSync(join(tmpdir(), 'bastion-tls-'));
      writeFileSync(join(dir, 'cert.pem'), certs.cert);
      writeFileSync(join(dir, 'key.pem'), certs.key);
      const tls = await startApi({ ...env, TLS_CERT_FILE: join(dir, 'cert.pem'), TLS_KEY_FILE: join(dir, 'key.pem'), REQUIRE_HTTPS: 'true' });
      const port = new URL(tls.url).port;
      const get = (options: Record<string, unknown>) =>
        new Promise<{ status: number; protocol: string }>((resolve, reject) => {
          const req = httpsRequest({ host: '127.0.0.1', port, path: '/v1/users/me', ca: certs.caCert, headers: { authorization: `Bearer ${token}` }, ...options }, (res) => {
            res.resume();
            resolve({ status: res.statusCode ?? 0, protocol: (res.socket as unknown as { getProtocol(): string }).getProtocol() });
          });
          req.on('error', reject);
          req.end();
        });
      try {
        const ok = await get({});
        expect(ok.status).toBe(200);
        expect(['TLSv1.2', 'TLSv1.3']).toContain(ok.protocol);
        await expect(get({ maxVersion: 'TLSv1.1', minVersion: 'TLSv1' })).rejects.toThrow();
        await expect(get({ ca: undefined })).rejects.toThrow(/self.signed|unable to (get|verify)/i);
      } finally {
        await tls.close();
      }
    });
  });
});
