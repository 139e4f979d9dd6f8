import { randomUUID } from 'node:crypto';
import { generateKeyPair, SignJWT } from 'jose';
import { PrismaService } from '@bastion/database';
import { baseEnv, useApi, type Env } from './support/harness';
import { call, login, type Reply } from './support/http';
import { freePort } from './support/processes';
import { startMockIssuer, type MockIssuer } from './support/oidc-mock';

const ACME_PUBLIC_DOC = '0b6c3c8e-0000-4000-8000-000000000001';
const ACME_CONFIDENTIAL_DOC = '0b6c3c8e-0000-4000-8000-000000000003';
const GLOBEX_PUBLIC_DOC = '0b6c3c8e-0000-4000-8000-000000000007';
const AUDIENCE = 'urn:bastion:api';

// Independent OpenID providers (oauth2-mock-server) started here: "listed"
// and "globexIdp" are in OIDC_ISSUERS, "unlisted" is not. The mock sends
// `typ: JWT`, so the listed ones allow it; it cannot send RFC 9068's at+jwt.
const issuers: { listed?: MockIssuer; unlisted?: MockIssuer; globexIdp?: MockIssuer } = {};
let downPort = 0;

// Many refused tokens from one address: above RATE_LIMIT_AUTH_FAILURES (test/auth-failures.e2e-spec.ts tries that limit).
const env: Env = { ...baseEnv(), RATE_LIMIT_LOGIN: '1000/15m', RATE_LIMIT_LOGIN_ADDRESS: '1000/15m', RATE_LIMIT_API: '100000/1m', RATE_LIMIT_AUTH_FAILURES: '100000/1m' };

beforeAll(async () => {
  issuers.listed = await startMockIssuer();
  issuers.unlisted = await startMockIssuer();
  issuers.globexIdp = await startMockIssuer('RS256');
  downPort = await freePort();
  env.OIDC_ISSUERS = JSON.stringify([
    // Asserts users by id (like the demo server) and tenants in `tid`.
    { name: 'listed', discoveryUrl: issuers.listed.discoveryUrl, types: ['at+jwt', 'JWT'], subject: 'bastion-user', tenantClaim: 'tid', jwksCooldownSeconds: 2 },
    // Not trusted to name tenants: its clients are in globex whatever they claim.
    { name: 'globex-idp', discoveryUrl: issuers.globexIdp.discoveryUrl, types: ['at+jwt', 'JWT'], tenant: 'globex' },
    // Listed but never reachable: its tokens are refused, nothing else is affected.
    { name: 'down', discoveryUrl: `http://127.0.0.1:${downPort}/.well-known/openid-configuration`, types: ['JWT'] },
  ]);
});

afterAll(async () => {
  await Promise.all(Object.values(issuers).map((i) => i?.stop()));
});

function expectInvalidToken(res: Reply, code = 'ERR_AUTH_TOKEN_INVALID') {
  expect(res.status).toBe(401);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(res.body).toMatchObject({ status: 401, code });
  expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="bastion", error="invalid_token"/);
  // Nothing about the library or the issuer's answer leaks.
  expect(JSON.stringify(res.body)).not.toMatch(/jose|JWKS|fetch|ECONNREFUSED/i);
}

describe('the API as an OAuth 2.0 resource server (e2e)', () => {
  const api = useApi(env);
  let bobId: string;
  let aliceId: string;
  let acmeId: string;
  let globexId: string;

  beforeAll(async () => {
    const prisma = api.app.get(PrismaService);
    bobId = (await prisma.user.findUniqueOrThrow({ where: { email: 'bob@example.com' } })).id;
    aliceId = (await prisma.user.findUniqueOrThrow({ where: { email: 'alice@example.com' } })).id;
    acmeId = (await prisma.tenant.findUniqueOrThrow({ where: { slug: 'acme' } })).id;
    globexId = (await prisma.tenant.findUniqueOrThrow({ where: { slug: 'globex' } })).id;
  });

  const clientToken = (issuer: MockIssuer, claims: Record<string, unknown> = {}) =>
    issuer.token({ sub: 'reporting', client_id: 'reporting', aud: AUDIENCE, scope: 'documents:read', tid: acmeId, jti: randomUUID(), ...claims });
  const get = (path: string, token: string) => call(api.url, 'GET', path, { token });

  it('accepts an access token of an issuer listed in OIDC_ISSUERS', async () => {
    const res = await get(`/v1/documents/${ACME_PUBLIC_DOC}`, await clientToken(issuers.listed as MockIssuer));
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(ACME_PUBLIC_DOC);
  });

  it('refuses the same token from an issuer that is not listed: 401 invalid_token', async () => {
    expectInvalidToken(await get(`/v1/documents/${ACME_PUBLIC_DOC}`, await clientToken(issuers.unlisted as MockIssuer)));
    // Even one that names a listed issuer in `iss` but is signed by the unlisted one's key.
    const forged = await (issuers.unlisted as MockIssuer).token({ iss: (issuers.listed as MockIssuer).url, sub: 'reporting', client_id: 'reporting', aud: AUDIENCE, scope: 'documents:read', tid: acmeId });
    expectInvalidToken(await get(`/v1/documents/${ACME_PUBLIC_DOC}`, forged));
  });

  it('refuses a wrong audience, an expired token, alg none and an HS256 forgery', async () => {
    const listed = issuers.listed as MockIssuer;
    expectInvalidToken(await get(`/v1/documents/${ACME_PUBLIC_DOC}`, await clientToken(listed, { aud: 'urn:some:other-api' })));
    // An ID token's audience is a client, never the API (RFC 9068 §4).
    expectInvalidToken(await get(`/v1/documents/${ACME_PUBLIC_DOC}`, await clientToken(listed, { aud: 'reporting' })));
    const now = Math.floor(Date.now() / 1000);
    expectInvalidToken(await get(`/v1/documents/${ACME_PUBLIC_DOC}`, await clientToken(listed, { iat: now - 7200, nbf: now - 7200, exp: now - 3600 })), 'ERR_AUTH_TOKEN_EXPIRED');

    const claims = { iss: listed.url, sub: 'reporting', client_id: 'reporting', aud: AUDIENCE, scope: 'documents:read', tid: acmeId, iat: now, exp: now + 300 };
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    expectInvalidToken(await get(`/v1/documents/${ACME_PUBLIC_DOC}`, `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`));
    // HMAC keyed with the issuer's public JWK (the classic RS/HS confusion) and with a guessable secret.
    const jwks = (await (await fetch(`${listed.url}/jwks`)).json()) as { keys: { kid: string }[] };
    const kid = jwks.keys[0]?.kid as string;
    for (const secret of [JSON.stringify(jwks.keys[0]), 'secret']) {
      const hs = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid }).sign(new TextEncoder().encode(secret));
      expectInvalidToken(await get(`/v1/documents/${ACME_PUBLIC_DOC}`, hs));
    }
  });

  it('follows a key rotation (new kid → JWKS refetched), but a flood of unknown kids fetches at most once per cooldown', async () => {
    const listed = issuers.listed as MockIssuer;
    expect((await get(`/v1/documents/${ACME_PUBLIC_DOC}`, await clientToken(listed))).status).toBe(200);
    const before = listed.jwksFetches();

    // Tokens under the issuer's name, signed by keys it never published.
    const stranger = await generateKeyPair('ES256');
    const flood = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        new SignJWT({ sub: 'reporting', client_id: 'reporting', scope: 'documents:read', tid: acmeId })
          .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: `unknown-${i}` })
          .setIssuer(listed.url)
          .setAudience(AUDIENCE)
          .setIssuedAt()
          .setExpirationTime('5m')
          .sign(stranger.privateKey),
      ),
    );
    const answers = await Promise.all(flood.map((t) => get(`/v1/documents/${ACME_PUBLIC_DOC}`, t)));
    answers.forEach((r) => expectInvalidToken(r));
    expect(listed.jwksFetches() - before).toBeLessThanOrEqual(1);

    // The issuer rotates: a new key, published in its JWKS. After the cooldown the API fetches it once.
    const rotated = await listed.server.issuer.keys.generate('ES256', { kid: `rotated-${randomUUID()}` });
    await new Promise((r) => setTimeout(r, 2100));
    const fetchesBeforeRotation = listed.jwksFetches();
    const res = await get(`/v1/documents/${ACME_PUBLIC_DOC}`, await listed.token({ sub: 'reporting', client_id: 'reporting', aud: AUDIENCE, scope: 'documents:read', tid: acmeId }, { kid: rotated.kid }));
    expect(res.status).toBe(200);
    expect(listed.jwksFetches()).toBe(fetchesBeforeRotation + 1);
  });

  it('a disabled user: their token from an external issuer is refused at authentication with the one code, and stays refused once enabled', async () => {
    const listed = issuers.listed as MockIssuer;
    const token = await listed.token({ sub: bobId, client_id: 'spa', aud: AUDIENCE, scope: 'documents:read profile:read' });
    expect((await get('/v1/users/me', token)).status).toBe(200);
    // `iat` counts whole seconds: a token of the revocation's own second is not refused by it (a login just after works).
    await new Promise((r) => setTimeout(r, 1000));
    const admin = (await login(api.url, 'admin@example.com')).accessToken;
    expect((await call(api.url, 'PATCH', `/v1/users/${bobId}`, { token: admin, body: { status: 'disabled' } })).status).toBe(200);
    try {
      for (const path of ['/v1/users/me', `/v1/documents/${ACME_PUBLIC_DOC}`]) {
        const res = await get(path, token);
        expect(res.status).toBe(401);
        expect(res.body.code).toBe('ERR_AUTH_ACCOUNT_DISABLED');
      }
    } finally {
      expect((await call(api.url, 'PATCH', `/v1/users/${bobId}`, { token: admin, body: { status: 'active' } })).status).toBe(200);
    }
    // Enabling again does not revive it; a token the issuer gives after that works.
    expect((await get('/v1/users/me', token)).body.code).toBe('ERR_AUTH_TOKEN_REVOKED');
    await new Promise((r) => setTimeout(r, 1000));
    const fresh = await listed.token({ sub: bobId, client_id: 'spa', aud: AUDIENCE, scope: 'documents:read profile:read' });
    expect((await get('/v1/users/me', fresh)).status).toBe(200);
  });

  it('a token with documents:read reads; a write is 403 insufficient_scope naming documents:write (RFC 6750 §3.1)', async () => {
    const token = await (issuers.listed as MockIssuer).token({ sub: aliceId, client_id: 'spa', aud: AUDIENCE, scope: 'documents:read' });
    expect((await get(`/v1/documents/${ACME_PUBLIC_DOC}`, token)).status).toBe(200);
    const res = await call(api.url, 'POST', '/v1/documents', { token, body: { title: 'x', body: 'y' } });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.code).toBe('ERR_AUTH_INSUFFICIENT_SCOPE');
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="bastion", error="insufficient_scope", scope="documents:write"');
  });

  it('a user-subject token never exceeds the user: bob (viewer) with documents:write still cannot write; alice (editor) can', async () => {
    const listed = issuers.listed as MockIssuer;
    const bob = await listed.token({ sub: bobId, client_id: 'spa', aud: AUDIENCE, scope: 'documents:read documents:write' });
    expect((await get(`/v1/documents/${ACME_PUBLIC_DOC}`, bob)).status).toBe(200);
    // Bob's role does not read confidential documents, whatever the token's scopes.
    expect((await get(`/v1/documents/${ACME_CONFIDENTIAL_DOC}`, bob)).status).toBe(403);
    const write = await call(api.url, 'POST', '/v1/documents', { token: bob, body: { title: 'from bob', body: 'no' } });
    expect(write.status).toBe(403);
    expect(write.body.code).toBe('ERR_AUTHZ_DENIED');

    const alice = await listed.token({ sub: aliceId, client_id: 'spa', aud: AUDIENCE, scope: 'documents:read documents:write profile:read' });
    const created = await call(api.url, 'POST', '/v1/documents', { token: alice, body: { title: 'from the SPA', body: 'yes' } });
    expect(created.status).toBe(201);
    expect(created.body.ownerId).toBe(aliceId);
    const me = await get('/v1/users/me', alice);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: aliceId, email: 'alice@example.com', authentication: { method: 'oidc' } });
  });

  it("a client-credentials token reads its own tenant's documents only", async () => {
    const acmeClient = await clientToken(issuers.listed as MockIssuer);
    expect((await get(`/v1/documents/${ACME_PUBLIC_DOC}`, acmeClient)).status).toBe(200);
    expect((await get(`/v1/documents/${GLOBEX_PUBLIC_DOC}`, acmeClient)).status).toBe(404);
    const list = await get('/v1/documents?pageSize=100', acmeClient);
    expect(list.status).toBe(200);
    const tenants = new Set((list.body.items ?? list.body.data ?? list.body).map((d: { tenantId: string }) => d.tenantId));
    expect([...tenants]).toEqual([acmeId]);
    // A client acts as a viewer: confidential documents stay closed, and it owns nothing it could write.
    expect((await get(`/v1/documents/${ACME_CONFIDENTIAL_DOC}`, acmeClient)).status).toBe(403);
    const write = await call(api.url, 'POST', '/v1/documents', { token: await clientToken(issuers.listed as MockIssuer, { scope: 'documents:read documents:write' }), body: { title: 't', body: 'b' } });
    expect(write.status).toBe(403);

    // `tid` of another tenant is another tenant...
    const globexClient = await clientToken(issuers.listed as MockIssuer, { tid: globexId });
    expect((await get(`/v1/documents/${GLOBEX_PUBLIC_DOC}`, globexClient)).status).toBe(200);
    expect((await get(`/v1/documents/${ACME_PUBLIC_DOC}`, globexClient)).status).toBe(404);
    // ...a tenant that does not exist, or no tenant at all, is no access.
    expectInvalidToken(await get(`/v1/documents/${ACME_PUBLIC_DOC}`, await clientToken(issuers.listed as MockIssuer, { tid: randomUUID() })));
    expectInvalidToken(await get(`/v1/documents/${ACME_PUBLIC_DOC}`, await clientToken(issuers.listed as MockIssuer, { tid: 'acme' })));

    // An issuer not trusted to assert tenants: its `tid` claim is ignored, its configured tenant applies.
    const claimsAcme = await (issuers.globexIdp as MockIssuer).token({ sub: 'etl', client_id: 'etl', aud: AUDIENCE, scope: 'documents:read', tid: acmeId });
    expect((await get(`/v1/documents/${ACME_PUBLIC_DOC}`, claimsAcme)).status).toBe(404);
    expect((await get(`/v1/documents/${GLOBEX_PUBLIC_DOC}`, claimsAcme)).status).toBe(200);
  });

  it('external tokens reach only the routes that accept them', async () => {
    const token = await (issuers.listed as MockIssuer).token({ sub: aliceId, client_id: 'spa', aud: AUDIENCE, scope: 'documents:read documents:write profile:read' });
    const res = await call(api.url, 'POST', '/v1/api-keys', { token, body: { name: 'x', scopes: ['documents:read'] } });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('ERR_AUTH_METHOD_NOT_ALLOWED');
  });

  it('an unreachable listed issuer: its tokens get 401 (never 5xx), first-party tokens and other issuers go on', async () => {
    const key = await generateKeyPair('ES256');
    const token = await new SignJWT({ sub: 'x', client_id: 'x', scope: 'documents:read' })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: 'k' })
      .setIssuer(`http://127.0.0.1:${downPort}`)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key.privateKey);
    for (let i = 0; i < 3; i++) expectInvalidToken(await get(`/v1/documents/${ACME_PUBLIC_DOC}`, token));
    const first = await login(api.url, 'alice@example.com');
    expect((await get(`/v1/documents/${ACME_PUBLIC_DOC}`, first.accessToken)).status).toBe(200);
    expect((await get(`/v1/documents/${ACME_PUBLIC_DOC}`, await clientToken(issuers.listed as MockIssuer))).status).toBe(200);
  });
});
