import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { type DatabaseConnection, PrismaClient } from '@bastion/database';
import { createAuthServerApp } from '../apps/auth-server/src/bootstrap';
import { createOAuthClient, listOAuthClients, revokeOAuthClient } from '../apps/auth-server/src/oauth-clients/oauth-clients';
import { importEsm } from '../apps/auth-server/src/oidc/load-esm';
import { baseEnv, prepareDatabase, withEnv, type Env } from './support/harness';
import { DEMO_PASSWORD } from './support/http';
import { freePort } from './support/processes';
import { browse, CookieJar, csrfOf, discoverDemoClients, type OpenIdClient, pkce } from './support/oauth-browser';

const SPA_REDIRECT = 'http://127.0.0.1:8765/callback';
const API = 'urn:bastion:api';

describe('OAuth 2.0 / OpenID Connect authorization server (e2e)', () => {
  let env: Env;
  let issuer: string;
  let db: DatabaseConnection;
  let prisma: PrismaClient;
  let app: INestApplication;
  let oc: OpenIdClient;
  let service: import('openid-client-6').Configuration;
  let spa: import('openid-client-6').Configuration;

  beforeAll(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    env = {
      ...baseEnv(),
      AUTH_SERVER_PORT: String(port),
      AUTH_SERVER_ISSUER: issuer,
      OIDC_JWKS_FILE: join(mkdtempSync(join(tmpdir(), 'bastion-oidc-')), 'oidc-jwks.json'),
    };
    db = await prepareDatabase(env);
    prisma = new PrismaClient({ adapter: db.adapter as never });
    app = (await withEnv(env, () => createAuthServerApp())).app;
    await app.listen(port, '127.0.0.1');
    ({ oc, service, spa } = await discoverDemoClients(issuer, importEsm));
  });

  afterAll(async () => {
    await app?.close();
    await prisma?.$disconnect();
    await db?.close();
  });

  /** GET/POST on the auth server without following redirects. */
  const send = (jar: CookieJar, url: string, form?: Record<string, string>) => browse(jar, new URL(url, issuer), form);

  /** Starts an authorization request of demo-spa and returns the sign-in page. */
  async function startLogin(jar: CookieJar, extra: Record<string, string> = {}) {
    const { verifier, challenge } = pkce();
    const state = oc.randomState();
    const url = oc.buildAuthorizationUrl(spa, {
      redirect_uri: SPA_REDIRECT,
      scope: 'openid profile email documents:read',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state,
      ...extra,
    });
    const auth = await send(jar, url.href);
    expect(auth.res.status).toBe(303);
    const interaction = auth.res.headers.get('location') as string;
    expect(interaction).toMatch(/^\/interaction\/[\w-]+$/);
    const page = await send(jar, interaction);
    return { verifier, state, interaction, page };
  }

  /** The whole browser flow through the real forms: sign in, consent, back to the client with a code. */
  async function signIn(email = 'alice@example.com') {
    const jar = new CookieJar();
    const { verifier, state, interaction, page } = await startLogin(jar);
    expect(page.res.status).toBe(200);
    const login = await send(jar, `${interaction}/login`, { email, password: DEMO_PASSWORD, csrf: csrfOf(page.text) });
    expect(login.res.status).toBe(303);
    let location = login.res.headers.get('location') as string;
    // Back into oidc-provider, which asks for consent the first time.
    for (let i = 0; i < 5 && !location.startsWith(SPA_REDIRECT); i++) {
      const next = await send(jar, location);
      if (next.res.status === 200 && /name="csrf"/.test(next.text)) {
        expect(next.text).toMatch(/documents:read/);
        const consent = await send(jar, `${new URL(location, issuer).pathname}/confirm`, { csrf: csrfOf(next.text) });
        location = consent.res.headers.get('location') as string;
      } else {
        expect(next.res.status).toBe(303);
        location = next.res.headers.get('location') as string;
      }
    }
    expect(location.startsWith(SPA_REDIRECT)).toBe(true);
    return { jar, callback: new URL(location), verifier, state };
  }

  async function tokenRequest(body: Record<string, string>, basic?: string) {
    const res = await fetch(`${issuer}/oidc/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(basic ? { authorization: `Basic ${Buffer.from(basic).toString('base64')}` } : {}) },
      body: new URLSearchParams(body).toString(),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  async function introspect(token: string) {
    return oc.tokenIntrospection(service, token);
  }

  it('publishes discovery: endpoints, S256 only, no implicit or password grant, iss in responses', () => {
    const m = service.serverMetadata();
    expect(m.issuer).toBe(issuer);
    expect(m.authorization_endpoint).toBe(`${issuer}/oidc/auth`);
    expect(m.token_endpoint).toBe(`${issuer}/oidc/token`);
    expect(m.jwks_uri).toBe(`${issuer}/oidc/jwks`);
    expect(m.introspection_endpoint).toBe(`${issuer}/oidc/token/introspection`);
    expect(m.revocation_endpoint).toBe(`${issuer}/oidc/token/revocation`);
    expect(m.end_session_endpoint).toBe(`${issuer}/oidc/session/end`);
    expect(m.code_challenge_methods_supported).toEqual(['S256']);
    expect(m.response_types_supported).toEqual(['code']);
    expect([...(m.grant_types_supported ?? [])].sort()).toEqual(['authorization_code', 'client_credentials', 'refresh_token']);
    expect(m.grant_types_supported).not.toContain('implicit');
    expect(m.grant_types_supported).not.toContain('password');
    expect(m.authorization_response_iss_parameter_supported).toBe(true);
    expect(m.token_endpoint_auth_methods_supported).not.toContain('client_secret_jwt');
    expect(m.id_token_signing_alg_values_supported).toEqual(['ES256']);
  });

  it('discovery ignores a forged Host: every endpoint stays on the issuer', async () => {
    const forged: Record<string, string>[] = [{ host: 'attacker.example' }, { 'x-forwarded-host': 'attacker.example' }];
    for (const headers of forged) {
      const text = await new Promise<string>((resolve, reject) => {
        get(`${issuer}/.well-known/openid-configuration`, { headers }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve(body));
        }).on('error', reject);
      });
      const doc = JSON.parse(text) as Record<string, unknown>;
      expect(doc.issuer).toBe(issuer);
      expect(doc.token_endpoint).toBe(`${issuer}/oidc/token`);
      expect(JSON.stringify(doc)).not.toContain('attacker.example');
    }
  });

  it('client credentials: an RFC 9068 JWT for the API, verified against the JWKS', async () => {
    const tokens = await oc.clientCredentialsGrant(service, { scope: 'documents:read documents:write' });
    const jwks = createRemoteJWKSet(new URL(service.serverMetadata().jwks_uri as string));
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, { issuer, audience: API, typ: 'at+jwt', algorithms: ['ES256'] });
    expect(protectedHeader.typ).toBe('at+jwt');
    const acme = await prisma.tenant.findUniqueOrThrow({ where: { slug: 'acme' } });
    expect(payload).toMatchObject({ iss: issuer, aud: API, sub: 'demo-service', client_id: 'demo-service', scope: 'documents:read documents:write', tid: acme.id });
    expect(typeof payload.jti).toBe('string');
    expect(payload.exp! - payload.iat!).toBe(900);
  });

  it('client credentials without a resource or scope still get the API as audience, and never more scope than registered', async () => {
    const plain = await tokenRequest({ grant_type: 'client_credentials', scope: 'documents:read' }, 'demo-service:demo-service-secret');
    expect(plain.status).toBe(200);
    const { payload } = await jwtVerify(plain.body.access_token as string, createRemoteJWKSet(new URL(`${issuer}/oidc/jwks`)), { audience: API, issuer });
    expect(payload.scope).toBe('documents:read');
    const more = await tokenRequest({ grant_type: 'client_credentials', scope: 'profile:read' }, 'demo-service:demo-service-secret');
    expect(more.status).toBe(400);
    expect(more.body.error).toBe('invalid_scope');
    const other = await tokenRequest({ grant_type: 'client_credentials', resource: 'https://other.example/api' }, 'demo-service:demo-service-secret');
    expect(other.status).toBe(400);
    expect(other.body.error).toBe('invalid_target');
  });

  it('a wrong client secret is refused', async () => {
    const wrong = await tokenRequest({ grant_type: 'client_credentials' }, 'demo-service:not-the-secret');
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
    const bad = await oc.discovery(new URL(issuer), 'demo-service', 'demo-service-secreT', undefined, { execute: [oc.allowInsecureRequests] });
    await expect(oc.clientCredentialsGrant(bad, { scope: 'documents:read' })).rejects.toMatchObject({ error: 'invalid_client' });
  });

  it('authorization code + PKCE through the real sign-in and consent forms → tokens; the code cannot be replayed', async () => {
    const { callback, verifier, state } = await signIn();
    expect(callback.searchParams.get('iss')).toBe(issuer);
    const tokens = await oc.authorizationCodeGrant(spa, callback, { pkceCodeVerifier: verifier, expectedState: state });
    const alice = await prisma.user.findUniqueOrThrow({ where: { email: 'alice@example.com' } });
    const claims = tokens.claims();
    expect(claims).toMatchObject({ sub: alice.id, email: 'alice@example.com', email_verified: true, name: alice.displayName, aud: 'demo-spa' });
    expect(decodeProtectedHeader(tokens.id_token as string).alg).toBe('ES256');
    const { payload } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(`${issuer}/oidc/jwks`)), { issuer, audience: API, typ: 'at+jwt' });
    expect(payload).toMatchObject({ sub: alice.id, client_id: 'demo-spa', scope: 'documents:read' });
    expect(payload.tid).toBeUndefined();
    expect(typeof tokens.refresh_token).toBe('string');

    // RFC 6749 §4.1.2: a code is used once; a second use is refused (and revokes what it issued).
    const replay = await tokenRequest({ grant_type: 'authorization_code', code: callback.searchParams.get('code') as string, redirect_uri: SPA_REDIRECT, code_verifier: verifier, client_id: 'demo-spa' });
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    expect(await introspect(tokens.refresh_token as string)).toEqual({ active: false });
  });

  it('a wrong PKCE verifier is refused', async () => {
    const { callback, state } = await signIn();
    await expect(oc.authorizationCodeGrant(spa, callback, { pkceCodeVerifier: pkce().verifier, expectedState: state })).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('refresh tokens rotate; a second use of an old one revokes the whole family', async () => {
    const { callback, verifier, state } = await signIn();
    const first = await oc.authorizationCodeGrant(spa, callback, { pkceCodeVerifier: verifier, expectedState: state });
    const second = await oc.refreshTokenGrant(spa, first.refresh_token as string);
    expect(second.refresh_token).toBeDefined();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    // The old token again: refused, and the new one dies with it (RFC 9700 §4.14.2).
    await expect(oc.refreshTokenGrant(spa, first.refresh_token as string)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oc.refreshTokenGrant(spa, second.refresh_token as string)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('introspection: active for a live token, exactly {active:false} for junk and revoked tokens; revocation works', async () => {
    const { callback, verifier, state } = await signIn('bob@example.com');
    const tokens = await oc.authorizationCodeGrant(spa, callback, { pkceCodeVerifier: verifier, expectedState: state });
    const bob = await prisma.user.findUniqueOrThrow({ where: { email: 'bob@example.com' } });
    const live = await introspect(tokens.refresh_token as string);
    expect(live).toMatchObject({ active: true, client_id: 'demo-spa', sub: bob.id });

    const junk = await fetch(`${issuer}/oidc/token/introspection`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('demo-service:demo-service-secret').toString('base64')}` },
      body: 'token=junk-' + randomBytes(8).toString('hex'),
    });
    expect(junk.status).toBe(200);
    expect(await junk.json()).toEqual({ active: false });
    // Introspection needs a client: nothing is told to an anonymous caller.
    const anonymous = await fetch(`${issuer}/oidc/token/introspection`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${tokens.refresh_token}` });
    expect(anonymous.status).toBe(400);

    await oc.tokenRevocation(spa, tokens.refresh_token as string);
    expect(await introspect(tokens.refresh_token as string)).toEqual({ active: false });
    await expect(oc.refreshTokenGrant(spa, tokens.refresh_token as string)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('an authorization request without PKCE, or with plain PKCE, is refused', async () => {
    const base = { client_id: 'demo-spa', response_type: 'code', redirect_uri: SPA_REDIRECT, scope: 'openid', state: 'abc' };
    const none = await fetch(`${issuer}/oidc/auth?${new URLSearchParams(base)}`, { redirect: 'manual' });
    const noneTo = new URL(none.headers.get('location') as string);
    expect(noneTo.origin + noneTo.pathname).toBe(SPA_REDIRECT);
    expect(noneTo.searchParams.get('error')).toBe('invalid_request');
    expect(noneTo.searchParams.get('code')).toBeNull();
    const plain = await fetch(`${issuer}/oidc/auth?${new URLSearchParams({ ...base, code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' })}`, { redirect: 'manual' });
    const plainTo = new URL(plain.headers.get('location') as string);
    expect(plainTo.searchParams.get('error')).toBe('invalid_request');
    expect(plainTo.searchParams.get('code')).toBeNull();
  });

  it('an unregistered redirect URI is never redirected to: an error page with a strict CSP', async () => {
    const { challenge } = pkce();
    const res = await fetch(
      `${issuer}/oidc/auth?${new URLSearchParams({ client_id: 'demo-spa', response_type: 'code', redirect_uri: 'https://attacker.example/cb', scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' })}`,
      { redirect: 'manual' },
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'.*frame-ancestors 'none'/);
    const body = await res.text();
    expect(body).toContain('invalid_redirect_uri');
    expect(body).not.toMatch(/attacker\.example.*href|<script/);
  });

  it('the sign-in page has a strict CSP; a post without its CSRF token, or with a wrong one, is refused', async () => {
    const jar = new CookieJar();
    const { interaction, page } = await startLogin(jar);
    const csp = page.res.headers.get('content-security-policy') as string;
    expect(csp).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; form-action 'self' http:\/\/127\.0\.0\.1:8765; frame-ancestors 'none'; base-uri 'none'$/);
    expect(page.res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).not.toMatch(/<script/);

    const missing = await send(jar, `${interaction}/login`, { email: 'alice@example.com', password: DEMO_PASSWORD });
    expect(missing.res.status).toBe(403);
    expect(JSON.parse(missing.text)).toMatchObject({ code: 'ERR_CSRF_TOKEN_INVALID' });
    const wrong = await send(jar, `${interaction}/login`, { email: 'alice@example.com', password: DEMO_PASSWORD, csrf: 'A'.repeat(43) });
    expect(wrong.res.status).toBe(403);
    // Another interaction's token does not fit this one.
    const other = await startLogin(new CookieJar());
    const foreign = await send(jar, `${interaction}/login`, { email: 'alice@example.com', password: DEMO_PASSWORD, csrf: csrfOf(other.page.text) });
    expect(foreign.res.status).toBe(403);
    // Without the interaction cookie the form is not accepted at all.
    const noCookie = await send(new CookieJar(), `${interaction}/login`, { email: 'alice@example.com', password: DEMO_PASSWORD, csrf: csrfOf(page.text) });
    expect(noCookie.res.status).toBe(400);
    // The real token still works.
    const ok = await send(jar, `${interaction}/login`, { email: 'alice@example.com', password: DEMO_PASSWORD, csrf: csrfOf(page.text) });
    expect(ok.res.status).toBe(303);
  });

  // PostgreSQL text cannot hold U+0000: a NUL that reaches a query would be a
  // 500. The protocol endpoints are oidc-provider's own (not Nest's pipes), so
  // each is probed here; the forms go through the API's input checks.
  it('a NUL or bytes that are not UTF-8 in protocol parameters and form fields are a 4xx, never a 5xx', async () => {
    // Already percent-encoded: a NUL, the UTF-8 bytes of a lone surrogate, a byte that starts no UTF-8 character.
    const BAD = ['a%00b', '%ED%A0%80', '%FF'];
    const SERVICE = `Basic ${Buffer.from('demo-service:demo-service-secret').toString('base64')}`;
    const bytes = (encoded: string) => Buffer.from(encoded.replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
    const failures: string[] = [];
    const post = async (path: string, body: string, authorization?: string) => {
      const res = await fetch(`${issuer}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization ? { authorization } : {}) },
        body,
      });
      return res.status;
    };
    const expect4xx = (what: string, status: number) => {
      if (status >= 500 || status < 400) failures.push(`${what} -> ${status}`);
    };
    for (const bad of BAD) {
      expect4xx(`token client_id ${bad}`, await post('/oidc/token', `grant_type=client_credentials&client_id=${bad}&client_secret=x`));
      expect4xx(`token basic ${bad}`, await post('/oidc/token', 'grant_type=client_credentials', `Basic ${Buffer.concat([bytes(bad), Buffer.from(':y')]).toString('base64')}`));
      expect4xx(`token scope ${bad}`, await post('/oidc/token', `grant_type=client_credentials&scope=${bad}`, SERVICE));
      expect4xx(`token resource ${bad}`, await post('/oidc/token', `grant_type=client_credentials&resource=${bad}`, SERVICE));
      expect4xx(`refresh_token ${bad}`, await post('/oidc/token', `grant_type=refresh_token&refresh_token=${bad}`, SERVICE));
      expect4xx(`code ${bad}`, await post('/oidc/token', `grant_type=authorization_code&client_id=demo-spa&redirect_uri=${encodeURIComponent(SPA_REDIRECT)}&code_verifier=${'x'.repeat(43)}&code=${bad}`));
      // Introspection of an unknown token is {active:false} and revocation 200 (RFC 7662, RFC 7009): never a 5xx.
      for (const endpoint of ['/oidc/token/introspection', '/oidc/token/revocation']) {
        const status = await post(endpoint, `token=${bad}&token_type_hint=${bad}`, SERVICE);
        if (status >= 500) failures.push(`${endpoint} ${bad} -> ${status}`);
      }
      const auth = await send(new CookieJar(), `/oidc/auth?client_id=${bad}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(SPA_REDIRECT)}`);
      expect4xx(`auth client_id ${bad}`, auth.res.status);
      expect4xx(`interaction uid ${bad}`, (await send(new CookieJar(), `/interaction/${bad}`)).res.status);
      const jar = new CookieJar();
      const { interaction, page } = await startLogin(jar);
      const form = await fetch(new URL(`${interaction}/login`, issuer), {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
        body: `email=${bad}&password=${encodeURIComponent(DEMO_PASSWORD)}&csrf=${encodeURIComponent(csrfOf(page.text))}`,
      });
      expect4xx(`sign-in email ${bad}`, form.status);
    }
    expect(failures).toEqual([]);
    expect((await fetch(`${issuer}/.well-known/openid-configuration`)).status).toBe(200);
  });

  it('the sign-in form has the API login limits: 5 failures per account, then even the right password waits', async () => {
    const jar = new CookieJar();
    const { interaction, page } = await startLogin(jar);
    const csrf = csrfOf(page.text);
    for (let i = 0; i < 5; i++) {
      const failed = await send(jar, `${interaction}/login`, { email: 'mallory@example.com', password: `wrong-${i}`, csrf });
      expect(failed.res.status).toBe(401);
      expect(failed.text).toContain('The email or password is incorrect.');
    }
    const limited = await send(jar, `${interaction}/login`, { email: 'mallory@example.com', password: DEMO_PASSWORD, csrf });
    expect(limited.res.status).toBe(429);
    expect(Number(limited.res.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('RP-initiated logout ends the session and the refresh tokens bound to it', async () => {
    const { jar, callback, verifier, state } = await signIn();
    const tokens = await oc.authorizationCodeGrant(spa, callback, { pkceCodeVerifier: verifier, expectedState: state });
    const url = oc.buildEndSessionUrl(spa, { id_token_hint: tokens.id_token as string, post_logout_redirect_uri: 'http://127.0.0.1:8765/', state: 'bye' });
    const confirm = await send(jar, url.href);
    expect(confirm.res.status).toBe(200);
    expect(confirm.res.headers.get('content-security-policy')).toMatch(/form-action 'self' http:\/\/127\.0\.0\.1:8765;/);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.text)?.[1] as string;
    expect(xsrf).toBeDefined();
    const done = await send(jar, '/oidc/session/end/confirm', { xsrf, logout: 'yes' });
    expect(done.res.status).toBe(303);
    const back = new URL(done.res.headers.get('location') as string);
    expect(back.origin + back.pathname).toBe('http://127.0.0.1:8765/');
    expect(back.searchParams.get('state')).toBe('bye');
    expect(await introspect(tokens.refresh_token as string)).toEqual({ active: false });
  });

  it('stores only hashes: no client secret, code or refresh token in the database', async () => {
    const { callback, verifier, state } = await signIn();
    const tokens = await oc.authorizationCodeGrant(spa, callback, { pkceCodeVerifier: verifier, expectedState: state });
    const rows = JSON.stringify(await prisma.oidcPayload.findMany());
    expect(rows).not.toContain(tokens.refresh_token as string);
    expect(rows).not.toContain(callback.searchParams.get('code') as string);
    const clients = JSON.stringify(await prisma.oAuthClient.findMany());
    expect(clients).not.toContain('demo-service-secret');
    expect(clients).not.toContain('bastion-api-secret');
  });

  it('oauth:client creates a client whose secret works once shown, lists without secrets, and revokes it', async () => {
    const id = `globex-reporter-${randomBytes(4).toString('hex')}`;
    const created = await createOAuthClient(prisma, { id, name: 'Globex reporter', tenant: 'globex', type: 'confidential', grants: ['client_credentials'], redirectUris: [], scopes: ['documents:read'] });
    expect(created.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const ok = await tokenRequest({ grant_type: 'client_credentials', scope: 'documents:read' }, `${id}:${created.secret}`);
    expect(ok.status).toBe(200);
    const globex = await prisma.tenant.findUniqueOrThrow({ where: { slug: 'globex' } });
    const { payload } = await jwtVerify(ok.body.access_token as string, createRemoteJWKSet(new URL(`${issuer}/oidc/jwks`)), { audience: API, issuer });
    expect(payload).toMatchObject({ sub: id, tid: globex.id, scope: 'documents:read' });
    const listed = await listOAuthClients(prisma);
    expect(listed.find((c) => c.id === id)).toMatchObject({ type: 'confidential', tenant: 'globex' });
    expect(JSON.stringify(listed)).not.toContain(created.secret as string);
    await expect(createOAuthClient(prisma, { id: 'bad', name: 'x', tenant: 'acme', type: 'public', grants: ['client_credentials'], redirectUris: [], scopes: [] })).rejects.toThrow(/--id|public client/);
    await expect(createOAuthClient(prisma, { id: 'evil-app', name: 'x', tenant: 'acme', type: 'public', grants: ['authorization_code'], redirectUris: ['http://attacker.example/cb'], scopes: ['openid'] })).rejects.toThrow(/https/);

    expect(await revokeOAuthClient(prisma, id)).toBe(true);
    const revoked = await tokenRequest({ grant_type: 'client_credentials', scope: 'documents:read' }, `${id}:${created.secret}`);
    expect(revoked.status).toBe(401);
    expect(revoked.body.error).toBe('invalid_client');
  });

  it('sign-ins, failures, consents, CSRF refusals and token failures reach the audit trail', async () => {
    const alice = await prisma.user.findUniqueOrThrow({ where: { email: 'alice@example.com' } });
    const seen = async () => {
      const rows = await prisma.auditEvent.findMany({ where: { action: { in: ['auth.login', 'oauth.consent', 'auth.csrf', 'rate-limit.exceeded', 'oauth.token'] } } });
      return rows.filter((r) => (r.details as { via?: string }).via === 'oidc' || r.action === 'oauth.token').map((r) => ({ ...r, seq: String(r.seq) }));
    };
    let rows: Awaited<ReturnType<typeof seen>> = [];
    for (let i = 0; i < 50; i++) {
      rows = await seen();
      if (rows.some((r) => r.action === 'oauth.token') && rows.some((r) => r.action === 'auth.csrf')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const has = (action: string, outcome: string, extra: (r: (typeof rows)[number]) => boolean = () => true) => rows.some((r) => r.action === action && r.outcome === outcome && extra(r));
    expect(has('auth.login', 'success', (r) => r.actorId === alice.id && (r.details as { clientId?: string }).clientId === 'demo-spa')).toBe(true);
    expect(has('auth.login', 'failure', (r) => r.targetType === 'account' && !JSON.stringify(r).includes('mallory'))).toBe(true);
    expect(has('rate-limit.exceeded', 'denied')).toBe(true);
    expect(has('oauth.consent', 'success', (r) => r.actorId === alice.id)).toBe(true);
    expect(has('auth.csrf', 'denied')).toBe(true);
    expect(has('oauth.token', 'denied', (r) => r.actorId === 'demo-service' && (r.details as { error?: string }).error === 'invalid_client')).toBe(true);
    expect(has('oauth.token', 'failure', (r) => (r.details as { error?: string }).error === 'invalid_grant')).toBe(true);
    expect(JSON.stringify(rows)).not.toMatch(/Demo-Passw0rd|demo-service-secret|wrong-password/);
  });

  // Last: it uses up this address's failures for the rest of the window.
  it('the sign-in form has the API per-address limit: 20 failures from one address across accounts, then 429', async () => {
    const jar = new CookieJar();
    const { interaction, page } = await startLogin(jar);
    const csrf = csrfOf(page.text);
    // Counted already for this address: 5 failures by the per-account test above, and 2 by the
    // text probe (an email of U+FFFD, from bytes that are not UTF-8, is an ordinary failed sign-in). 13 more reach 20.
    for (let i = 0; i < 13; i++) {
      const failed = await send(jar, `${interaction}/login`, { email: `nobody-${i}@example.com`, password: 'wrong-password', csrf });
      expect(failed.res.status).toBe(401);
    }
    const limited = await send(jar, `${interaction}/login`, { email: 'alice@example.com', password: DEMO_PASSWORD, csrf });
    expect(limited.res.status).toBe(429);
    expect(Number(limited.res.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
