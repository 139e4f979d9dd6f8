// The demo authorization server and the API together, as `npm start` runs
// them: tokens the auth server issues (client credentials; authorization code
// + PKCE through its real sign-in form) are accepted by the API as resource
// server with their scopes enforced, and the API's own OIDC login signs a user
// in at the auth server and ends with a one-time code, never a token in a URL.
// openid-client 6 plays the independent client.
import type { INestApplication } from '@nestjs/common';
import { createApiApp } from '../apps/api/src/bootstrap';
import { createAuthServerApp } from '../apps/auth-server/src/bootstrap';
import { importEsm } from '../apps/auth-server/src/oidc/load-esm';
import { type DatabaseConnection } from '@bastion/database';
import { baseEnv, prepareDatabase, withEnv, type Env } from './support/harness';
import { call, DEMO_PASSWORD } from './support/http';
import { browse, CookieJar, discoverDemoClients, type OpenIdClient, pkce, signInThroughForms } from './support/oauth-browser';
import { freePort } from './support/processes';

const SPA_REDIRECT = 'http://127.0.0.1:8765/callback';
const RETURN_URL = 'http://127.0.0.1:5173/auth/callback';
const ACME_PUBLIC_DOC = '0b6c3c8e-0000-4000-8000-000000000001';
const GLOBEX_DOC = '0b6c3c8e-0000-4000-8000-000000000007';
const NEW_DOC = { title: 'From an OAuth client', body: 'x', classification: 'internal', department: 'engineering', status: 'draft' };

describe('OAuth 2.0 / OIDC: the demo auth server and the API as its resource server (e2e)', () => {
  let env: Env;
  let issuer: string;
  let apiUrl: string;
  let db: DatabaseConnection;
  let authServer: INestApplication;
  let api: INestApplication;
  let oc: OpenIdClient;
  let service: import('openid-client-6').Configuration;
  let spa: import('openid-client-6').Configuration;

  beforeAll(async () => {
    const [asPort, apiPort] = [await freePort(), await freePort()];
    issuer = `http://127.0.0.1:${asPort}`;
    apiUrl = `http://127.0.0.1:${apiPort}`;
    env = {
      ...baseEnv(),
      // The API's default OIDC_ISSUERS and login provider point at the demo server on AUTH_SERVER_PORT.
      AUTH_SERVER_PORT: String(asPort),
      AUTH_SERVER_ISSUER: issuer,
      PORT: String(apiPort),
      OAUTH_BASTION_API_REDIRECT_URIS: `${apiUrl}/v1/auth/oidc/callback`,
      OIDC_LOGIN_RETURN_URL: RETURN_URL,
      OIDC_ISSUERS: undefined,
      OIDC_LOGIN_PROVIDERS: undefined,
    };
    db = await prepareDatabase(env);
    authServer = (await withEnv(env, () => createAuthServerApp())).app;
    await authServer.listen(asPort, '127.0.0.1');
    api = (await withEnv(env, () => createApiApp())).app;
    await api.listen(apiPort, '127.0.0.1');
    ({ oc, service, spa } = await discoverDemoClients(issuer, importEsm));
  });

  afterAll(async () => {
    await api?.close();
    await authServer?.close();
    await db?.close();
  });

  it('client credentials: the API reads with documents:read, refuses a write with insufficient_scope, and keeps the client in its tenant', async () => {
    const { access_token: token } = await oc.clientCredentialsGrant(service, { scope: 'documents:read' });
    const read = await call(apiUrl, 'GET', `/v1/documents/${ACME_PUBLIC_DOC}`, { token });
    expect([read.status, read.body.id]).toEqual([200, ACME_PUBLIC_DOC]);
    // demo-service belongs to acme: globex's document does not exist for it.
    expect((await call(apiUrl, 'GET', `/v1/documents/${GLOBEX_DOC}`, { token })).status).toBe(404);
    const write = await call(apiUrl, 'POST', '/v1/documents', { token, body: NEW_DOC });
    expect([write.status, write.body.code]).toEqual([403, 'ERR_AUTH_INSUFFICIENT_SCOPE']);
    expect(write.headers.get('www-authenticate')).toMatch(/error="insufficient_scope".*scope="documents:write"/);
  });

  it('an auth-server token whose scope was widened after signing is refused', async () => {
    const { access_token: token } = await oc.clientCredentialsGrant(service, { scope: 'documents:read' });
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const widened = Buffer.from(JSON.stringify({ ...claims, scope: 'documents:read documents:write' })).toString('base64url');
    const res = await call(apiUrl, 'POST', '/v1/documents', { token: `${header}.${widened}.${signature}`, body: NEW_DOC });
    expect([res.status, res.body.code]).toEqual([401, 'ERR_AUTH_TOKEN_INVALID']);
  });

  it('authorization code + PKCE through the real sign-in form: the API accepts the user token, within the user and the scopes', async () => {
    const jar = new CookieJar();
    const { verifier, challenge } = pkce();
    const state = oc.randomState();
    const url = oc.buildAuthorizationUrl(spa, {
      redirect_uri: SPA_REDIRECT,
      scope: 'openid profile email documents:read',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state,
    });
    const callback = await signInThroughForms(jar, url.href, 'alice@example.com', DEMO_PASSWORD, SPA_REDIRECT);
    const tokens = await oc.authorizationCodeGrant(spa, callback, { pkceCodeVerifier: verifier, expectedState: state });

    const doc = await call(apiUrl, 'GET', `/v1/documents/${ACME_PUBLIC_DOC}`, { token: tokens.access_token });
    expect(doc.status).toBe(200);
    const me = await call(apiUrl, 'GET', '/v2/users/me', { token: tokens.access_token });
    // profile:read was not granted to demo-spa: /users/me needs it.
    expect([me.status, me.body.code]).toEqual([403, 'ERR_AUTH_INSUFFICIENT_SCOPE']);
    const write = await call(apiUrl, 'POST', '/v1/documents', { token: tokens.access_token, body: NEW_DOC });
    expect([write.status, write.body.code]).toEqual([403, 'ERR_AUTH_INSUFFICIENT_SCOPE']);
    // Routes that take first-party credentials only do not take it.
    expect((await call(apiUrl, 'GET', '/v1/api-keys', { token: tokens.access_token })).status).toBe(401);
  });

  it("the API's OIDC login signs a user in at the auth server and hands over with a one-time code", async () => {
    const browser = new CookieJar();
    const start = await browse(browser, `${apiUrl}/v1/auth/oidc/login?provider=bastion`);
    expect(start.res.status).toBe(302);
    const authorize = start.res.headers.get('location') as string;
    expect(authorize.startsWith(`${issuer}/oidc/auth`)).toBe(true);
    expect(new URL(authorize).searchParams.get('code_challenge_method')).toBe('S256');

    // Same browser, the auth server's origin: its own cookies, kept apart.
    const atServer = new CookieJar();
    const back = await signInThroughForms(atServer, authorize, 'bob@example.com', DEMO_PASSWORD, `${apiUrl}/v1/auth/oidc/callback`);
    const finish = await browse(browser, back);
    expect(finish.res.status).toBe(302);
    const landing = new URL(finish.res.headers.get('location') as string);
    expect(`${landing.origin}${landing.pathname}`).toBe(RETURN_URL);
    const code = landing.searchParams.get('code') as string;
    // Only the one-time code travels in a URL.
    for (const u of [authorize, back.href, landing.href]) expect(u).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);

    const pair = await call(apiUrl, 'POST', '/v1/auth/login-code', { body: { code } });
    expect(pair.status).toBe(200);
    const me = await call(apiUrl, 'GET', '/v1/users/me', { token: pair.body.accessToken });
    expect([me.status, me.body.email]).toEqual([200, 'bob@example.com']);
    const again = await call(apiUrl, 'POST', '/v1/auth/login-code', { body: { code } });
    expect(again.status).toBe(401);
  });
});
