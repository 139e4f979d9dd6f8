import { createHash, randomUUID } from 'node:crypto';
import { AuditTrail } from '@bastion/audit';
import { AUTH_CLOCK, type Clock } from '@bastion/auth';
import { PrismaService } from '@bastion/database';
import { baseEnv, useApi, type Env } from './support/harness';
import { call } from './support/http';
import { freePort } from './support/processes';
import { startMockIssuer, type MockIssuer } from './support/oidc-mock';

// Subjects and new emails are this run's own: a services database outlives one run.
const RUN = randomUUID().slice(0, 8);
const STARTED_AT = new Date();
const ACME_PUBLIC_DOC = '0b6c3c8e-0000-4000-8000-000000000001';
const CLIENT_ID = 'bastion-api';
const RETURN_URL = 'http://127.0.0.1:5173/auth/callback';
// The provider redirects the browser here; the test (the browser) sends it on to the API's real port.
const REDIRECT_URI = 'http://127.0.0.1:3000/v1/auth/oidc/callback';

/** Who the mock provider says signed in, and what it does to the next ID token. */
interface Identity {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  tamper?: Record<string, unknown>;
}

let provider: MockIssuer;
let identity: Identity = { sub: 'nobody' };
const verifiers: string[] = [];
const env: Env = { ...baseEnv(), RATE_LIMIT_API: '100000/1m', OIDC_LOGIN_RETURN_URL: RETURN_URL };

beforeAll(async () => {
  // An independent OpenID provider (oauth2-mock-server), RS256 like most.
  provider = await startMockIssuer('RS256');
  provider.server.service.on('beforeTokenSigning', (token: { payload: Record<string, unknown> }) => {
    // The ID token is the one whose audience is our client.
    if (token.payload.aud !== CLIENT_ID) return;
    const { tamper, ...claims } = identity;
    Object.assign(token.payload, claims, tamper);
  });
  provider.server.service.on('beforeResponse', (_res: unknown, req: { body: Record<string, string> }) => {
    if (req.body.grant_type === 'authorization_code') verifiers.push(req.body.code_verifier ?? '');
  });
  env.OIDC_LOGIN_PROVIDERS = JSON.stringify([
    { name: 'mock', discoveryUrl: provider.discoveryUrl, clientId: CLIENT_ID, clientSecret: 'a-real-secret-for-the-mock', tenant: 'acme', trustedDomains: ['example.com'], redirectUri: REDIRECT_URI },
    // Configured, but nothing listens there.
    { name: 'offline', discoveryUrl: `http://127.0.0.1:${await freePort()}/.well-known/openid-configuration`, clientId: 'x', clientSecret: 'y', tenant: 'acme', redirectUri: REDIRECT_URI },
  ]);
  // The same provider as an access-token issuer: its user subjects resolve through the links OIDC login makes.
  env.OIDC_ISSUERS = JSON.stringify([{ name: 'mock', discoveryUrl: provider.discoveryUrl, types: ['JWT'], tenant: 'acme' }]);
});

afterAll(() => provider.stop());

interface Started {
  authorize: URL;
  cookie: string;
}

describe('OIDC login for browser apps (e2e)', () => {
  const api = useApi(env);
  let prisma: PrismaService;

  beforeAll(() => {
    prisma = api.app.get(PrismaService);
  });

  /** The browser asks the API to sign in and is sent to the provider. */
  async function start(): Promise<Started> {
    const res = await fetch(`${api.url}/v1/auth/oidc/login?provider=mock`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] as string;
    expect(res.headers.get('set-cookie')).toMatch(/^bastion_oidc=[A-Za-z0-9_-]{43}; Path=\/v1\/auth\/oidc; HttpOnly; SameSite=Lax/);
    return { authorize: new URL(res.headers.get('location') as string), cookie };
  }

  /** The provider signs the user in and redirects back: the callback URL on the API's real port. */
  async function atProvider(started: Started): Promise<URL> {
    const res = await fetch(started.authorize, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get('location') as string);
    expect(back.origin + back.pathname).toBe(REDIRECT_URI);
    return new URL(`${api.url}${back.pathname}${back.search}`);
  }

  async function callback(url: URL, cookie?: string) {
    const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    const text = await res.text();
    // A redirect's body differs by adapter (Express writes "Found. Redirecting to …"); only problems are JSON.
    const json = (res.headers.get('content-type') ?? '').includes('json');
    return { status: res.status, location: res.headers.get('location'), body: json ? JSON.parse(text) : null, headers: res.headers };
  }

  /** A whole login as `who`: the login code the app receives. */
  async function signIn(who: Identity): Promise<string> {
    identity = who;
    const started = await start();
    const back = await callback(await atProvider(started), started.cookie);
    expect([back.status, back.body]).toEqual([302, null]);
    const location = new URL(back.location as string);
    expect(location.origin + location.pathname).toBe(RETURN_URL);
    expect([...location.searchParams.keys()]).toEqual(['code']);
    return location.searchParams.get('code') as string;
  }

  const redeem = (code: string) => call(api.url, 'POST', '/v1/auth/login-code', { body: { code } });
  const audited = async (action: string) => {
    await api.app.get(AuditTrail).flush();
    return prisma.auditEvent.findMany({ where: { action, occurredAt: { gte: STARTED_AT } }, orderBy: { seq: 'asc' } });
  };

  it('sends the browser to the provider with PKCE S256, state and nonce, and binds the login to the browser', async () => {
    const { authorize } = await start();
    const q = authorize.searchParams;
    expect(authorize.origin).toBe(provider.url);
    expect(q.get('response_type')).toBe('code');
    expect(q.get('client_id')).toBe(CLIENT_ID);
    expect(q.get('redirect_uri')).toBe(REDIRECT_URI);
    expect(q.get('scope')?.split(' ')).toContain('openid');
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const unknown = await call(api.url, 'GET', '/v1/auth/oidc/login?provider=nope');
    expect([unknown.status, unknown.body.code]).toEqual([400, 'ERR_OIDC_UNKNOWN_PROVIDER']);
    // A provider that is down: a retryable 503 problem for its logins, nothing else affected.
    const offline = await call(api.url, 'GET', '/v1/auth/oidc/login?provider=offline');
    expect([offline.status, offline.body.code, offline.headers.get('content-type')]).toEqual([503, 'ERR_OIDC_PROVIDER_UNAVAILABLE', expect.stringContaining('application/problem+json')]);
    expect(JSON.stringify(offline.body)).not.toMatch(/ECONNREFUSED|openid-client|127\.0\.0\.1/);
  });

  it('a full login provisions a new user just in time by verified email, in the provider tenant; tokens never touch a URL', async () => {
    identity = { sub: `idp-carol-${RUN}`, email: `Carol-${RUN}@Example.com`, email_verified: true, name: 'Carol' };
    const started = await start();
    const challenge = started.authorize.searchParams.get('code_challenge');
    const back = await callback(await atProvider(started), started.cookie);
    expect(back.status).toBe(302);
    expect(back.headers.get('referrer-policy')).toBe('no-referrer');
    const location = new URL(back.location as string);
    expect([...location.searchParams.keys()]).toEqual(['code']);
    // The verifier sent at the token endpoint is the one whose S256 hash went to the provider.
    expect(createHash('sha256').update(verifiers.at(-1) as string).digest('base64url')).toBe(challenge);

    const pair = await redeem(location.searchParams.get('code') as string);
    expect(pair.status).toBe(200);
    expect(pair.body).toMatchObject({ tokenType: 'Bearer', accessToken: expect.any(String), refreshToken: expect.stringMatching(/^bst_rt_/) });
    for (const url of [started.authorize.href, back.location as string]) {
      expect(url).not.toContain(pair.body.accessToken);
      expect(url).not.toContain(pair.body.refreshToken);
      expect(url).not.toMatch(/eyJ|bst_rt_/);
    }
    const me = await call(api.url, 'GET', '/v1/users/me', { token: pair.body.accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ email: `carol-${RUN}@example.com`, displayName: 'Carol', role: 'viewer', tenant: { slug: 'acme' } });
    const links = await prisma.federatedIdentity.findMany({ where: { subject: `idp-carol-${RUN}` } });
    expect(links).toEqual([expect.objectContaining({ issuer: provider.url, userId: me.body.id, provider: 'mock' })]);
    // The code is used up.
    const again = await redeem(location.searchParams.get('code') as string);
    expect([again.status, again.body.code]).toEqual([401, 'ERR_AUTH_INVALID_CREDENTIALS']);
    // Stored as a digest only.
    const stored = await prisma.loginCode.findMany({ where: { userId: me.body.id } });
    expect(stored.map((c) => c.codeHash)).toEqual([createHash('sha256').update(location.searchParams.get('code') as string).digest('hex')]);
  });

  it('the second login links by (issuer, sub), whatever the email says now', async () => {
    const carol = await prisma.user.findUniqueOrThrow({ where: { email: `carol-${RUN}@example.com` } });
    const users = await prisma.user.count();
    const code = await signIn({ sub: `idp-carol-${RUN}`, email: `carol.new-${RUN}@example.com`, email_verified: false });
    const pair = await redeem(code);
    const me = await call(api.url, 'GET', '/v1/users/me', { token: pair.body.accessToken });
    expect(me.body.id).toBe(carol.id);
    expect(await prisma.user.count()).toBe(users);

    // The provider's access tokens for that subject act as carol, narrowed by their scopes.
    const token = await provider.token({ sub: `idp-carol-${RUN}`, client_id: 'some-spa', aud: 'urn:bastion:api', scope: 'profile:read documents:read' });
    const asCarol = await call(api.url, 'GET', '/v1/users/me', { token });
    expect([asCarol.status, asCarol.body.id]).toEqual([200, carol.id]);
  });

  it('links an existing account by verified email only; an unverified one links and provisions nothing', async () => {
    const bob = await prisma.user.findUniqueOrThrow({ where: { email: 'bob@example.com' } });
    identity = { sub: `idp-claims-bob-${RUN}`, email: 'bob@example.com', email_verified: false };
    const started = await start();
    const refused = await callback(await atProvider(started), started.cookie);
    expect([refused.status, refused.body.code]).toEqual([403, 'ERR_OIDC_EMAIL_UNVERIFIED']);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(await prisma.federatedIdentity.count({ where: { subject: `idp-claims-bob-${RUN}` } })).toBe(0);
    // Audited, and no session begun for bob.
    expect((await audited('auth.oidc.login')).some((e) => (e.details as { reason?: string }).reason === 'email-not-verified')).toBe(true);
    expect(await prisma.session.count({ where: { userId: bob.id, amr: { has: 'oidc' } } })).toBe(0);
    identity = { sub: `idp-no-email-${RUN}`, email_verified: true };
    const noEmail = await start();
    expect((await callback(await atProvider(noEmail), noEmail.cookie)).status).toBe(403);

    // Verified: linked to the existing account (same tenant as the provider).
    const code = await signIn({ sub: `idp-bob-${RUN}`, email: 'bob@example.com', email_verified: true });
    const pair = (await redeem(code)).body;
    const me = await call(api.url, 'GET', '/v1/users/me', { token: pair.accessToken });
    expect(me.body.id).toBe(bob.id);
    expect(await prisma.federatedIdentity.count({ where: { userId: bob.id, issuer: provider.url } })).toBe(1);
    // A session that says how it signed in.
    const sessions = await call(api.url, 'GET', '/v1/auth/sessions', { token: pair.accessToken });
    expect((sessions.body as { amr: string[]; current: boolean }[]).find((s) => s.current)?.amr).toEqual(['oidc']);

    // An account of another tenant is never taken over through this tenant's provider.
    identity = { sub: `idp-mallory-${RUN}`, email: 'mallory@example.com', email_verified: true };
    const other = await start();
    const conflict = await callback(await atProvider(other), other.cookie);
    expect([conflict.status, conflict.body.code]).toEqual([403, 'ERR_OIDC_ACCOUNT_CONFLICT']);
  });

  it('a verified email of a domain the provider is not trusted for links nothing to an existing account, audited', async () => {
    const acme = await prisma.tenant.findUniqueOrThrow({ where: { slug: 'acme' } });
    const carol = await prisma.user.create({
      data: { email: `carol-${RUN}@partner.test`, tenantId: acme.id, displayName: 'Carol Partner', department: 'sales', passwordHash: 'x' },
    });
    identity = { sub: `idp-partner-carol-${RUN}`, email: carol.email, email_verified: true };
    const started = await start();
    const refused = await callback(await atProvider(started), started.cookie);
    expect([refused.status, refused.location, refused.body?.code]).toEqual([403, null, 'ERR_OIDC_LINK_NOT_TRUSTED']);
    expect(await prisma.federatedIdentity.count({ where: { userId: carol.id } })).toBe(0);
    expect(await prisma.session.count({ where: { userId: carol.id } })).toBe(0);
    const audit = (await audited('auth.oidc.login')).find((e) => (e.details as { reason?: string }).reason === 'domain-not-trusted');
    expect(audit).toMatchObject({ outcome: 'failure', actorId: carol.id, details: { provider: 'mock', domain: 'partner.test' } });
    // A new address of that domain is provisioned as before: no account is taken, one is made.
    const fresh = await signIn({ sub: `idp-dave-${RUN}`, email: `dave-${RUN}@partner.test`, email_verified: true });
    expect((await redeem(fresh)).status).toBe(200);
  });

  it('refuses a wrong state, a replayed callback, and a callback in another browser: 400, nothing issued', async () => {
    identity = { sub: `idp-dave-${RUN}`, email: `dave-${RUN}@example.com`, email_verified: true };
    const started = await start();
    const back = await atProvider(started);

    const wrong = new URL(back);
    wrong.searchParams.set('state', 'x'.repeat(43));
    const bad = await callback(wrong, started.cookie);
    expect([bad.status, bad.body.code, bad.location]).toEqual([400, 'ERR_OIDC_STATE_INVALID', null]);
    const missing = new URL(back);
    missing.searchParams.delete('state');
    expect((await callback(missing, started.cookie)).status).toBe(400);

    // Another browser (no cookie, or its own) cannot finish this login; it is then gone.
    const elsewhere = await start();
    expect((await callback(back, elsewhere.cookie)).body.code).toBe('ERR_OIDC_STATE_INVALID');

    const fresh = await start();
    const freshBack = await atProvider(fresh);
    expect((await callback(freshBack)).status).toBe(400);

    const last = await start();
    const lastBack = await atProvider(last);
    expect((await callback(lastBack, last.cookie)).status).toBe(302);
    const replay = await callback(lastBack, last.cookie);
    expect([replay.status, replay.body.code]).toEqual([400, 'ERR_OIDC_STATE_INVALID']);
  });

  it('refuses an ID token with a wrong nonce or a wrong audience', async () => {
    for (const tamper of [{ nonce: 'not-the-nonce' }, { aud: 'another-client' }]) {
      identity = { sub: `idp-erin-${RUN}`, email: `erin-${RUN}@example.com`, email_verified: true, tamper };
      const started = await start();
      const res = await callback(await atProvider(started), started.cookie);
      expect([res.status, res.body.code]).toEqual([400, 'ERR_OIDC_LOGIN_FAILED']);
    }
    expect(await prisma.user.count({ where: { email: `erin-${RUN}@example.com` } })).toBe(0);
    // A provider error at the callback is a refusal too.
    const started = await start();
    const back = await atProvider(started);
    back.searchParams.delete('code');
    back.searchParams.set('error', 'access_denied');
    expect((await callback(back, started.cookie)).body.code).toBe('ERR_OIDC_LOGIN_FAILED');
  });

  it('every OIDC login and refusal is in the audit trail', async () => {
    const refusals = await audited('auth.oidc.login');
    const reasons = new Set(refusals.map((e) => (e.details as { reason: string }).reason));
    for (const reason of ['unknown-provider', 'email-not-verified', 'domain-not-trusted', 'other-tenant', 'state-unknown-used-or-expired', 'browser-mismatch', 'state-missing', 'token-or-id-token-rejected', 'provider-error']) {
      expect([reason, reasons.has(reason)]).toEqual([reason, true]);
    }
    expect(refusals.every((e) => e.outcome === 'failure')).toBe(true);
    const logins = (await audited('auth.login')).filter((e) => (e.details as { method?: string }).method === 'oidc');
    expect(logins.length).toBeGreaterThanOrEqual(4);
    expect((await audited('auth.oidc.provision')).length).toBeGreaterThanOrEqual(1);
    expect((await audited('auth.oidc.link')).length).toBe(1);
  });

  it('a login code expires after 60 seconds (clock moved, no sleeping)', async () => {
    const code = await signIn({ sub: `idp-carol-${RUN}`, email: `carol-${RUN}@example.com`, email_verified: true });
    const clock = api.app.get<Clock>(AUTH_CLOCK);
    const spy = jest.spyOn(clock, 'now').mockReturnValue(Date.now() + 61_000);
    try {
      const late = await redeem(code);
      expect([late.status, late.body.code]).toEqual([401, 'ERR_AUTH_INVALID_CREDENTIALS']);
    } finally {
      spy.mockRestore();
    }
  });

  it('a login code is refused when malformed or unknown, with nothing issued', async () => {
    const unknown = await redeem('A'.repeat(43));
    expect([unknown.status, unknown.body.code]).toEqual([401, 'ERR_AUTH_INVALID_CREDENTIALS']);
    const malformed = await redeem('short');
    expect(malformed.status).toBe(400);
    const res = await call(api.url, 'GET', `/v1/documents/${ACME_PUBLIC_DOC}`, { token: 'not-a-token' });
    expect(res.status).toBe(401);
  });
});
