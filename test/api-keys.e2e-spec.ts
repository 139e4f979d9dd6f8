import { AUTH_CLOCK, type Clock } from '@bastion/auth';
import { PrismaService } from '@bastion/database';
import { baseEnv, useApi, type Env } from './support/harness';
import { call, login } from './support/http';

const ACME_PUBLIC_DOC = '0b6c3c8e-0000-4000-8000-000000000001';
const GLOBEX_PUBLIC_DOC = '0b6c3c8e-0000-4000-8000-000000000007';

// API keys: shown once, stored as a digest, header only, scoped, and every
// bad key refused the same way.
describe('API keys (e2e)', () => {
  // Creation limits have their own spec; this one creates many keys.
  const env: Env = { ...baseEnv(), RATE_LIMIT_LOGIN: '1000/15m', RATE_LIMIT_LOGIN_ADDRESS: '1000/15m', RATE_LIMIT_API_KEY_CREATE: '1000/1h' };
  const api = useApi(env);
  let prisma: PrismaService;
  let alice: string;

  beforeAll(async () => {
    prisma = api.app.get(PrismaService);
    alice = (await login(api.url, 'alice@example.com')).accessToken;
  });

  const create = (body: unknown, token = alice) => call(api.url, 'POST', '/v1/api-keys', { token, body });

  function expectSameInvalidKey(res: { status: number; body: unknown; headers: Headers }) {
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      type: 'about:blank',
      title: 'Unauthorized',
      status: 401,
      detail: 'The API key is invalid, expired or revoked',
      instance: '/v1/users/me',
      code: 'ERR_AUTH_API_KEY_INVALID',
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(res.headers.get('www-authenticate')).toBe('ApiKey realm="bastion", header="X-API-Key"');
  }

  it('creates a key shown once, with 256 random bits after a readable prefix', async () => {
    const res = await create({ name: 'ci', scopes: ['profile:read', 'documents:read'] });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'ci', scopes: ['profile:read', 'documents:read'], expiresAt: null });
    expect(res.body.key).toMatch(/^bst_live_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(res.body.key.startsWith(`${res.body.prefix}_`)).toBe(true);

    const row = await prisma.apiKey.findUniqueOrThrow({ where: { id: res.body.id } });
    expect(row.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(res.body.key.split('_').pop());

    const list = await call(api.url, 'GET', '/v1/api-keys', { token: alice });
    expect(list.status).toBe(200);
    const listed = list.body.find((k: { id: string }) => k.id === res.body.id);
    expect(Object.keys(listed).sort()).toEqual(['createdAt', 'expiresAt', 'id', 'lastUsedAt', 'name', 'prefix', 'rateLimit', 'revokedAt', 'scopes']);
    expect(JSON.stringify(list.body)).not.toContain(res.body.key);
  });

  it('a key acts as its owner within its scopes', async () => {
    const { key } = (await create({ name: 'reader', scopes: ['profile:read', 'documents:read'] })).body;
    const me = await call(api.url, 'GET', '/v1/users/me', { apiKey: key });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ email: 'alice@example.com', authentication: { method: 'api-key', scopes: ['profile:read', 'documents:read'] } });

    expect((await call(api.url, 'GET', `/v1/documents/${ACME_PUBLIC_DOC}`, { apiKey: key })).status).toBe(200);
    // Another tenant's document does not exist for this key's owner.
    expect((await call(api.url, 'GET', `/v1/documents/${GLOBEX_PUBLIC_DOC}`, { apiKey: key })).status).toBe(404);

    const write = await call(api.url, 'POST', '/v1/documents', { apiKey: key, body: { title: 't', body: 'b' } });
    expect(write.status).toBe(403);
    expect(write.body.code).toBe('ERR_AUTH_INSUFFICIENT_SCOPE');
    expect(write.headers.get('www-authenticate')).toBe('ApiKey realm="bastion", header="X-API-Key", error="insufficient_scope", scope="documents:write"');
    // The owner's own token may write: the key, not the user, was narrower.
    expect((await call(api.url, 'POST', '/v1/documents', { token: alice, body: { title: 't', body: 'b' } })).status).toBe(201);
  });

  it('a key without profile:read cannot read the profile', async () => {
    const { key } = (await create({ name: 'docs-only', scopes: ['documents:read'] })).body;
    const res = await call(api.url, 'GET', '/v1/users/me', { apiKey: key });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('ERR_AUTH_INSUFFICIENT_SCOPE');
  });

  it('unknown, malformed, revoked and expired keys all get the same 401', async () => {
    const { key, id } = (await create({ name: 'doomed', scopes: ['profile:read'] })).body;
    expect((await call(api.url, 'GET', '/v1/users/me', { apiKey: key })).status).toBe(200);

    const unknown = key.slice(0, -4) + (key.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expectSameInvalidKey(await call(api.url, 'GET', '/v1/users/me', { apiKey: unknown }));
    expectSameInvalidKey(await call(api.url, 'GET', '/v1/users/me', { apiKey: 'bst_live_short' }));
    expectSameInvalidKey(await call(api.url, 'GET', '/v1/users/me', { apiKey: 'x'.repeat(5000) }));

    expect((await call(api.url, 'DELETE', `/v1/api-keys/${id}`, { token: alice })).status).toBe(204);
    expectSameInvalidKey(await call(api.url, 'GET', '/v1/users/me', { apiKey: key }));
    const listed = (await call(api.url, 'GET', '/v1/api-keys', { token: alice })).body.find((k: { id: string }) => k.id === id);
    expect(listed.revokedAt).not.toBeNull();

    const soon = new Date(Date.now() + 60_000).toISOString();
    const expiring = (await create({ name: 'short-lived', scopes: ['profile:read'], expiresAt: soon })).body;
    expect((await call(api.url, 'GET', '/v1/users/me', { apiKey: expiring.key })).status).toBe(200);
    const clock = api.app.get<Clock>(AUTH_CLOCK);
    const spy = jest.spyOn(clock, 'now').mockReturnValue(Date.now() + 120_000);
    try {
      expectSameInvalidKey(await call(api.url, 'GET', '/v1/users/me', { apiKey: expiring.key }));
    } finally {
      spy.mockRestore();
    }
  });

  it('a key in the query string is refused, even a valid one', async () => {
    const { key } = (await create({ name: 'leaky', scopes: ['profile:read'] })).body;
    for (const name of ['api_key', 'apiKey', 'apikey', 'API_KEY', 'Access_Token']) {
      const res = await call(api.url, 'GET', `/v1/users/me?${name}=${key}`);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('ERR_AUTH_CREDENTIAL_IN_QUERY');
      expect(JSON.stringify(res.body)).not.toContain(key);
    }
    // Also when the header carries it too: the URL has leaked it either way.
    expect((await call(api.url, 'GET', `/v1/users/me?api_key=${key}`, { apiKey: key })).status).toBe(400);
  });

  it('records lastUsedAt without a write per request', async () => {
    const { key, id } = (await create({ name: 'busy', scopes: ['profile:read'] })).body;
    for (let i = 0; i < 5; i++) expect((await call(api.url, 'GET', '/v1/users/me', { apiKey: key })).status).toBe(200);
    let row = await prisma.apiKey.findUniqueOrThrow({ where: { id } });
    for (let i = 0; i < 20 && row.lastUsedAt === null; i++) {
      await new Promise((r) => setTimeout(r, 50));
      row = await prisma.apiKey.findUniqueOrThrow({ where: { id } });
    }
    const first = row.lastUsedAt;
    expect(first).not.toBeNull();
    for (let i = 0; i < 3; i++) await call(api.url, 'GET', '/v1/users/me', { apiKey: key });
    await new Promise((r) => setTimeout(r, 100));
    // Within the minute the stamp is not rewritten.
    expect((await prisma.apiKey.findUniqueOrThrow({ where: { id } })).lastUsedAt).toEqual(first);
  });

  it('keys are managed only with a signed-in session, not with a key', async () => {
    const { key } = (await create({ name: 'no-minting', scopes: ['profile:read', 'documents:read', 'documents:write'] })).body;
    const res = await call(api.url, 'POST', '/v1/api-keys', { apiKey: key, body: { name: 'child', scopes: ['profile:read'] } });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('ERR_AUTH_METHOD_NOT_ALLOWED');
  });

  it('concurrent requests each get their own identity, and bad credentials never borrow one', async () => {
    const aliceKey = (await create({ name: 'concurrent-a', scopes: ['profile:read'] })).body.key as string;
    const bobToken = (await login(api.url, 'bob@example.com')).accessToken;
    const bobKey = (await create({ name: 'concurrent-b', scopes: ['profile:read'] }, bobToken)).body.key as string;
    const cases = Array.from({ length: 60 }, (_, i) => {
      switch (i % 5) {
        case 0: return { apiKey: aliceKey, expect: 'alice@example.com' };
        case 1: return { apiKey: bobKey, expect: 'bob@example.com' };
        case 2: return { token: alice, expect: 'alice@example.com' };
        case 3: return { token: bobToken, expect: 'bob@example.com' };
        default: return { apiKey: `${aliceKey.slice(0, -3)}zzz`, expect: 401 };
      }
    });
    const replies = await Promise.all(cases.map((c) => call(api.url, 'GET', '/v1/users/me', c)));
    replies.forEach((reply, i) => {
      const expected = cases[i]?.expect;
      if (expected === 401) expect(reply.status).toBe(401);
      else expect([reply.status, reply.body.email]).toEqual([200, expected]);
    });
  });

  it('an empty X-API-Key header is no credential at all', async () => {
    const res = await call(api.url, 'GET', '/v1/users/me', { apiKey: '' });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('ERR_AUTH_CREDENTIALS_MISSING');
  });

  it('a bearer token and an API key together are refused', async () => {
    const { key } = (await create({ name: 'both', scopes: ['profile:read'] })).body;
    const res = await call(api.url, 'GET', '/v1/users/me', { token: alice, apiKey: key });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('ERR_AUTH_CREDENTIALS_AMBIGUOUS');
  });

  it("one user cannot see or revoke another's keys", async () => {
    const { id } = (await create({ name: 'alice-only', scopes: ['profile:read'] })).body;
    const bob = (await login(api.url, 'bob@example.com')).accessToken;
    expect((await call(api.url, 'DELETE', `/v1/api-keys/${id}`, { token: bob })).status).toBe(404);
    const bobs = (await call(api.url, 'GET', '/v1/api-keys', { token: bob })).body as { id: string }[];
    expect(bobs.map((k) => k.id)).not.toContain(id);
    expect((await call(api.url, 'DELETE', '/v1/api-keys/not-a-uuid', { token: bob })).status).toBe(400);
  });

  it.each([
    [{ name: 'x', scopes: ['admin:all'] }, 'scopes'],
    [{ name: 'x', scopes: [] }, 'scopes'],
    [{ name: '', scopes: ['profile:read'] }, 'name'],
    [{ name: 'x', scopes: ['profile:read'], expiresAt: 'tomorrow' }, 'expiresAt'],
    [{ name: 'x', scopes: ['profile:read'], userId: '00000000-0000-4000-8000-000000000000' }, 'userId'],
  ])('refuses an invalid request %p naming %s', async (body, field) => {
    const res = await create(body);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('refuses an expiry in the past', async () => {
    const res = await create({ name: 'x', scopes: ['profile:read'], expiresAt: new Date(Date.now() - 1000).toISOString() });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('ERR_API_KEY_EXPIRY');
  });
});
