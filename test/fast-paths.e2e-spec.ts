import { AUTH_CACHE_BUS, AUTH_MODULE_OPTIONS, type AuthCacheBus, type AuthModuleOptions, CachedApiKeyStore } from '@bastion/auth';
import { AUDIT_MODULE_OPTIONS, type AuditStore, AuditTrail, type ResolvedAuditOptions } from '@bastion/audit';
import { PrincipalCache } from '../apps/api/src/auth/principal-cache.service';
import { baseEnv, startApi, useApi, type Env, type RunningApp } from './support/harness';
import { call, login } from './support/http';
import { waitFor } from './support/processes';

const ACME_PUBLIC_DOC = '0b6c3c8e-0000-4000-8000-000000000001';
// Confidential, engineering: bob (viewer, sales) is refused it, and each refusal is an audit event.
const ACME_CONFIDENTIAL_DOC = '0b6c3c8e-0000-4000-8000-000000000003';

// The fast paths of the benchmark (issue 11) keep every security property:
// API keys and principals are cached, and a revocation or a role change made
// on one instance still applies on another instance's very next request.
// With REDIS_URL the two instances hear each other over Redis pub/sub; on the
// embedded default, through the process (both run in this one).
describe('fast paths (e2e)', () => {
  const env: Env = { ...baseEnv(), RATE_LIMIT_LOGIN: '1000/15m', RATE_LIMIT_LOGIN_ADDRESS: '1000/15m', RATE_LIMIT_API_KEY_CREATE: '1000/1h', RATE_LIMIT_API: '100000/1m' };
  const a = useApi(env);
  let b: RunningApp;
  let alice: string;
  let admin: string;
  let bob: string;
  let bobId: string;

  beforeAll(async () => {
    b = await startApi(env);
    // With Redis, a cache serves only once its instance is subscribed to the bus.
    await waitFor(() => [a, b].every((x) => x.app.get<AuthCacheBus>(AUTH_CACHE_BUS).live), 10_000, 'both cache buses to be live');
    alice = (await login(a.url, 'alice@example.com')).accessToken;
    admin = (await login(a.url, 'admin@example.com')).accessToken;
    bob = (await login(a.url, 'bob@example.com')).accessToken;
    bobId = (await call(a.url, 'GET', '/v2/users/me', { token: bob })).body.id;
  });

  afterAll(async () => {
    await b?.close();
  });

  const apiKeyStats = (app: RunningApp) => (app.app.get<AuthModuleOptions>(AUTH_MODULE_OPTIONS).apiKeyStore as CachedApiKeyStore).stats;

  it('a key in use is read from the database once, not per request', async () => {
    const { key } = (await call(a.url, 'POST', '/v1/api-keys', { token: alice, body: { name: 'busy', scopes: ['documents:read'] } })).body;
    expect((await call(b.url, 'GET', `/v1/documents/${ACME_PUBLIC_DOC}`, { apiKey: key })).status).toBe(200);
    const before = apiKeyStats(b);
    for (let i = 0; i < 5; i++) expect((await call(b.url, 'GET', `/v1/documents/${ACME_PUBLIC_DOC}`, { apiKey: key })).status).toBe(200);
    const after = apiKeyStats(b);
    expect(after.hits - before.hits).toBe(5);
    expect(after.misses).toBe(before.misses);
  });

  it('a cached key with a wrong secret is still refused (the digest is compared every time)', async () => {
    const { key } = (await call(a.url, 'POST', '/v1/api-keys', { token: alice, body: { name: 'forged', scopes: ['documents:read'] } })).body;
    expect((await call(b.url, 'GET', `/v1/documents/${ACME_PUBLIC_DOC}`, { apiKey: key })).status).toBe(200);
    const forged = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
    const res = await call(b.url, 'GET', `/v1/documents/${ACME_PUBLIC_DOC}`, { apiKey: forged });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('ERR_AUTH_API_KEY_INVALID');
  });

  it('a key revoked on instance A is refused by instance B on the next request', async () => {
    const { key, id } = (await call(a.url, 'POST', '/v1/api-keys', { token: alice, body: { name: 'doomed', scopes: ['documents:read'] } })).body;
    // B has it cached (two uses: a miss, then a hit).
    expect((await call(b.url, 'GET', `/v1/documents/${ACME_PUBLIC_DOC}`, { apiKey: key })).status).toBe(200);
    const hits = apiKeyStats(b).hits;
    expect((await call(b.url, 'GET', `/v1/documents/${ACME_PUBLIC_DOC}`, { apiKey: key })).status).toBe(200);
    expect(apiKeyStats(b).hits).toBe(hits + 1);

    expect((await call(a.url, 'DELETE', `/v1/api-keys/${id}`, { token: alice })).status).toBe(204);
    const res = await call(b.url, 'GET', `/v1/documents/${ACME_PUBLIC_DOC}`, { apiKey: key });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('ERR_AUTH_API_KEY_INVALID');
  });

  it('a role changed on instance A applies on instance B on the next request', async () => {
    const create = (base: string) => call(base, 'POST', '/v1/documents', { token: bob, body: { title: 't', body: 'b' } });
    // B has bob cached as a viewer.
    expect((await create(b.url)).status).toBe(403);
    expect((await call(b.url, 'GET', '/v1/users/me', { token: bob })).body.role).toBe('viewer');
    const hits = b.app.get(PrincipalCache).stats.hits;
    expect((await create(b.url)).status).toBe(403);
    expect(b.app.get(PrincipalCache).stats.hits).toBeGreaterThan(hits);

    expect((await call(a.url, 'PATCH', `/v1/users/${bobId}`, { token: admin, body: { role: 'editor' } })).status).toBe(200);
    expect((await create(b.url)).status).toBe(201);
    expect((await call(b.url, 'GET', '/v1/users/me', { token: bob })).body.role).toBe('editor');

    // Disabled on A: B refuses bob's token and his API key at authentication, at once.
    const { key } = (await call(a.url, 'POST', '/v1/api-keys', { token: bob, body: { name: 'bob', scopes: ['documents:read'] } })).body;
    expect((await call(b.url, 'GET', `/v1/documents/${ACME_PUBLIC_DOC}`, { apiKey: key })).status).toBe(200);
    expect((await call(a.url, 'PATCH', `/v1/users/${bobId}`, { token: admin, body: { status: 'disabled', role: 'viewer' } })).status).toBe(200);
    expect((await call(b.url, 'GET', `/v1/documents/${ACME_PUBLIC_DOC}`, { token: bob })).body.code).toBe('ERR_AUTH_ACCOUNT_DISABLED');
    expect((await call(b.url, 'GET', `/v1/documents/${ACME_PUBLIC_DOC}`, { apiKey: key })).body.code).toBe('ERR_AUTH_ACCOUNT_DISABLED');
    expect((await call(a.url, 'PATCH', `/v1/users/${bobId}`, { token: admin, body: { status: 'active' } })).status).toBe(200);
    // Enabling again revives none of his earlier tokens: he signs in again.
    expect((await call(b.url, 'GET', `/v1/documents/${ACME_PUBLIC_DOC}`, { token: bob })).body.code).toBe('ERR_AUTH_TOKEN_REVOKED');
    bob = (await login(b.url, 'bob@example.com')).accessToken;
    expect((await call(b.url, 'GET', `/v1/documents/${ACME_PUBLIC_DOC}`, { token: bob })).status).toBe(200);
  });

  it('a display name changed on A is what /v1/users/me shows on B next', async () => {
    expect((await call(b.url, 'GET', '/v1/users/me', { token: alice })).status).toBe(200);
    expect((await call(a.url, 'PATCH', '/v1/users/me', { token: alice, body: { displayName: 'Alice Cached' } })).status).toBe(200);
    const me = await call(b.url, 'GET', '/v1/users/me', { token: alice });
    expect(me.body.displayName).toBe('Alice Cached');
    expect(me.body.tenant).toEqual({ id: expect.any(String), slug: 'acme' });
    expect(me.body).not.toHaveProperty('status');
  });

  it('audit writes are off the request path: requests answer while the audit store is blocked', async () => {
    const options = a.app.get<ResolvedAuditOptions>(AUDIT_MODULE_OPTIONS);
    const trail = a.app.get(AuditTrail);
    await trail.flush();
    const real = options.store;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // The store hangs, as a database that stopped answering would.
    const blocked: AuditStore = {
      appendBatch: async (...args) => {
        await gate;
        return real.appendBatch(...args);
      },
      readChain: (...args) => real.readChain(...args),
    };
    options.store = blocked;
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await call(a.url, 'GET', `/v1/documents/${ACME_CONFIDENTIAL_DOC}`, { token: bob })).status);
      expect(statuses).toEqual(Array(20).fill(403));
      // Every one of those requests was answered while its audit event was still unwritten.
      expect(trail.depth).toBeGreaterThanOrEqual(20);
    } finally {
      release();
      options.store = real;
    }
    await trail.flush();
    expect(trail.depth).toBe(0);
    const events = await call(a.url, 'GET', '/v1/audit-events?action=authz.denied&limit=50', { token: admin });
    expect(events.status).toBe(200);
    expect(events.body.items.filter((e: { targetId: string | null }) => e.targetId === ACME_CONFIDENTIAL_DOC).length).toBeGreaterThanOrEqual(20);
  });
});
