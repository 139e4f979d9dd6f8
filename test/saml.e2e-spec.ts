// SAML 2.0 sign-in over the real HTTP stack, against an identity provider
// built in this file (throwaway keys, xml-crypto signatures): a signed
// response signs a user in; every forged, bent, stale or replayed one is
// refused with its own code, and all of it lands in the audit trail.
import { randomUUID } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import Redis from 'ioredis';
import { MemorySamlReplayCache, MemorySamlRequestStore, RedisSamlReplayCache, RedisSamlRequestStore, type SamlRedisLike, type SamlReplayCache, type SamlRequestStore } from '@bastion/auth-saml';
import { PrismaService } from '@bastion/database';
import { samlConfig } from '../apps/api/src/config';
import { baseEnv, startApi, useApi, withEnv, type Env } from './support/harness';
import { call, login } from './support/http';
import { type AssertionInput, assertionXml, b64, makeKey, responseXml, signAssertion, signedResponse, type TestKey } from './support/saml-idp';

const RUN = randomUUID().slice(0, 8);
const SP = 'https://sp.bastion.test/saml';
const ACS = 'https://sp.bastion.test/v1/auth/saml/acs';
const ENV_ISSUER = `https://idp.acme.test/${RUN}`;
const RETURN_URL = 'https://app.bastion.test/login/callback';

describe('SAML single sign-on (e2e)', () => {
  const env: Env = {
    ...baseEnv(),
    RATE_LIMIT_API: '100000/1m',
    RATE_LIMIT_LOGIN: '1000/15m',
    RATE_LIMIT_LOGIN_ADDRESS: '1000/15m',
    SAML_SP_ENTITY_ID: SP,
    SAML_ACS_URL: ACS,
    SAML_IDP_ENTRY_POINT: 'https://idp.acme.test/sso',
    SAML_IDP_ISSUER: ENV_ISSUER,
    SAML_IDP_TENANT: 'acme',
    SAML_IDP_GROUP_ROLES: 'acme-admins=admin,acme-editors=editor',
    SAML_LOGIN_RETURN_URL: RETURN_URL,
  };
  let idp: TestKey;
  let retired: TestKey;
  let attacker: TestKey;
  let spKey: TestKey;
  beforeAll(async () => {
    [idp, retired, attacker, spKey] = await Promise.all([makeKey('Acme IdP'), makeKey('Acme IdP old'), makeKey('Attacker'), makeKey('Bastion SP')]);
    // Two pinned certificates, as during a rotation at the IdP.
    Object.assign(env, { SAML_IDP_CERT: retired.certificate + idp.certificate, SAML_SP_PRIVATE_KEY: spKey.privateKey, SAML_SP_CERT: spKey.certificate });
  });
  const api = useApi(env);

  const email = (name: string) => `${name}-${RUN}@acme.test`;
  const base = (over: Partial<AssertionInput> = {}): AssertionInput => ({
    issuer: ENV_ISSUER,
    nameId: email('carol'),
    email: email('carol'),
    audience: SP,
    recipient: ACS,
    destination: ACS,
    ...over,
  });

  /** Starts an SP-initiated sign-in and returns the AuthnRequest's id (what the IdP answers InResponseTo). */
  async function startLogin(query = 'tenant=acme&idp=env'): Promise<{ id: string; location: URL }> {
    const res = await fetch(`${api.url}/v1/auth/saml/login?${query}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location') as string);
    const request = inflateRawSync(Buffer.from(location.searchParams.get('SAMLRequest') as string, 'base64')).toString('utf8');
    return { id: /\bID="([^"]+)"/.exec(request)?.[1] as string, location };
  }

  async function acs(samlResponse: string, accept = 'application/json', target = api.url) {
    const res = await fetch(`${target}/v1/auth/saml/acs`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept },
      body: new URLSearchParams({ SAMLResponse: samlResponse }).toString(),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, headers: res.headers, body: body as Record<string, unknown> };
  }

  /** A signed answer to a fresh SP-initiated request. */
  async function answer(over: Partial<AssertionInput> = {}, key = idp): Promise<string> {
    const { id } = await startLogin();
    return signedResponse(base({ inResponseTo: id, ...over }), key);
  }

  const refused = (res: { status: number; body: Record<string, unknown>; headers: Headers }, status: number, code: string) => {
    expect([res.status, res.body.code]).toEqual([status, code]);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(JSON.stringify(res.body)).not.toMatch(/node-saml|xml-crypto|xmldom|stack/i);
  };

  it('publishes SP metadata with the entity id, the ACS URL and the request-signing certificate', async () => {
    const res = await fetch(`${api.url}/v1/auth/saml/metadata`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/samlmetadata\+xml/);
    const xml = await res.text();
    expect(xml).toContain(`entityID="${SP}"`);
    expect(xml).toContain(`Location="${ACS}"`);
    expect(xml).toContain('AuthnRequestsSigned="true"');
    const der = spKey.certificate.replace(/-----[A-Z ]+-----|\s/g, '');
    expect(xml.replace(/\s/g, '')).toContain(der);
  });

  it('redirects to the tenant IdP with a signed AuthnRequest', async () => {
    const { id, location } = await startLogin();
    expect(location.origin + location.pathname).toBe('https://idp.acme.test/sso');
    expect(id).toMatch(/^_/);
    expect(location.searchParams.get('SigAlg')).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    expect(location.searchParams.get('Signature')).toBeTruthy();
    refused(await call(api.url, 'GET', '/v1/auth/saml/login?tenant=nosuch'), 404, 'ERR_SAML_NO_IDP');
  });

  it('signs a new user in (JIT) with the role their IdP groups map to, as JSON for an API client', async () => {
    const res = await acs(await answer({ groups: ['acme-editors', 'unrelated'] }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tokenType: 'Bearer', accessToken: expect.any(String), refreshToken: expect.stringMatching(/^bst_rt_/) });
    const me = await call(api.url, 'GET', '/v1/users/me', { token: res.body.accessToken as string });
    expect(me.body).toMatchObject({ email: email('carol'), role: 'editor' });
    // A session that says how it signed in.
    const sessions = await call(api.url, 'GET', '/v1/auth/sessions', { token: res.body.accessToken as string });
    expect((sessions.body as { amr: string[]; current: boolean }[]).find((s) => s.current)?.amr).toEqual(['saml']);
    // The refresh token rotates like any other.
    expect((await call(api.url, 'POST', '/v1/auth/refresh', { body: { refreshToken: res.body.refreshToken } })).status).toBe(200);
  });

  it('links the same NameID on the next sign-in and re-applies the mapping: no groups, the default viewer', async () => {
    const first = await call(api.url, 'GET', '/v1/users/me', { token: ((await acs(await answer({ groups: ['acme-admins'] }))).body.accessToken as string) });
    expect(first.body.role).toBe('admin');
    const again = await acs(await answer({ groups: [] }));
    const me = await call(api.url, 'GET', '/v1/users/me', { token: again.body.accessToken as string });
    expect([me.body.id, me.body.role]).toEqual([first.body.id, 'viewer']);
  });

  it('accepts a response signed with either pinned certificate (rotation)', async () => {
    expect((await acs(await answer({}, retired))).status).toBe(200);
  });

  it('sends a browser to the return URL with a one-time code, never a token; the code is single use', async () => {
    const res = await acs(await answer({ nameId: email('dave'), email: email('dave') }), 'text/html,application/xhtml+xml');
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location') as string);
    expect(location.origin + location.pathname).toBe(RETURN_URL);
    expect([...location.searchParams.keys()]).toEqual(['code']);
    expect(location.toString()).not.toMatch(/eyJ|bst_rt_/);
    const code = location.searchParams.get('code') as string;
    const tokens = await call(api.url, 'POST', '/v1/auth/login-code', { body: { code } });
    expect(tokens.status).toBe(200);
    expect(Object.keys(tokens.body).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken', 'tokenType']);
    const me = await call(api.url, 'GET', '/v1/users/me', { token: tokens.body.accessToken });
    expect(me.body).toMatchObject({ email: email('dave'), role: 'viewer' });
    const again = await call(api.url, 'POST', '/v1/auth/login-code', { body: { code } });
    expect([again.status, again.body.code]).toEqual([401, 'ERR_AUTH_INVALID_CREDENTIALS']);
    expect((await call(api.url, 'POST', '/v1/auth/login-code', { body: { code: 'x'.repeat(43) } })).status).toBe(401);
    expect((await call(api.url, 'POST', '/v1/auth/login-code', { body: { code: 'short' } })).status).toBe(400);
  });

  describe('refusals', () => {
    it('unsigned', async () => {
      const { id } = await startLogin();
      const a = base({ inResponseTo: id });
      refused(await acs(b64(responseXml(a, assertionXml(a)))), 401, 'ERR_SAML_SIGNATURE');
    });

    it('signed by another key', async () => {
      refused(await acs(await answer({}, attacker)), 401, 'ERR_SAML_SIGNATURE');
    });

    it('tampered NameID after signing', async () => {
      const xml = Buffer.from(await answer({ nameId: email('bob'), email: email('bob') }), 'base64').toString('utf8');
      const forged = xml.split(email('bob')).join(email('admin'));
      expect(forged).not.toBe(xml);
      refused(await acs(b64(forged)), 401, 'ERR_SAML_SIGNATURE');
    });

    it('expired, and not yet valid', async () => {
      refused(await acs(await answer({ notBeforeMs: -20 * 60_000, notOnOrAfterMs: -10 * 60_000 })), 401, 'ERR_SAML_EXPIRED');
      refused(await acs(await answer({ notBeforeMs: 10 * 60_000, notOnOrAfterMs: 20 * 60_000 })), 401, 'ERR_SAML_EXPIRED');
    });

    it('wrong audience, destination and recipient', async () => {
      refused(await acs(await answer({ audience: 'https://other-sp.test/saml' })), 401, 'ERR_SAML_AUDIENCE');
      refused(await acs(await answer({ destination: 'https://other-sp.test/acs' })), 401, 'ERR_SAML_DESTINATION');
      refused(await acs(await answer({ recipient: 'https://other-sp.test/acs' })), 401, 'ERR_SAML_RECIPIENT');
    });

    it('SHA-1 signatures and digests', async () => {
      const { id } = await startLogin();
      refused(await acs(signedResponse(base({ inResponseTo: id }), idp, 'sha1')), 401, 'ERR_SAML_ALGORITHM');
    });

    it('InResponseTo: unknown, missing (IdP-initiated not enabled), and a request sent to another tenant', async () => {
      refused(await acs(signedResponse(base({ inResponseTo: '_never-sent' }), idp)), 401, 'ERR_SAML_IN_RESPONSE_TO');
      refused(await acs(signedResponse(base(), idp)), 401, 'ERR_SAML_IDP_INITIATED');
    });

    it('replayed (SP-initiated: the request id is spent)', async () => {
      const response = await answer();
      expect((await acs(response)).status).toBe(200);
      refused(await acs(response), 401, 'ERR_SAML_IN_RESPONSE_TO');
    });

    it('wrapped: a second, unsigned assertion beside the signed one', async () => {
      const { id } = await startLogin();
      const good = base({ inResponseTo: id, nameId: email('bob'), email: email('bob') });
      const evil = assertionXml({ ...good, nameId: email('admin'), email: email('admin'), groups: ['acme-admins'] });
      const xml = responseXml(good, evil + signAssertion(assertionXml(good), idp));
      refused(await acs(b64(xml)), 401, 'ERR_SAML_WRAPPED');
    });

    it('wrapped: the signed assertion moved into Extensions, an unsigned one where the SP reads (XSW)', async () => {
      const { id } = await startLogin();
      const good = base({ inResponseTo: id, nameId: email('bob'), email: email('bob') });
      const evil = assertionXml({ ...good, nameId: email('admin'), email: email('admin'), groups: ['acme-admins'] });
      const signed = signAssertion(assertionXml(good), idp);
      const xml = responseXml(good, `<samlp:Extensions>${signed}</samlp:Extensions>${evil}`);
      refused(await acs(b64(xml)), 401, 'ERR_SAML_WRAPPED');
    });

    it('comment injection in a signed NameID (admin@…<!---->.evil.com)', async () => {
      const { id } = await startLogin();
      const victim = `admin-${RUN}@acme.test`;
      const owned = `${victim}.evil.com`;
      const xml = Buffer.from(signedResponse(base({ inResponseTo: id, nameId: owned, email: owned }), idp), 'base64').toString('utf8');
      // The comment keeps the signature valid (exclusive c14n drops comments).
      refused(await acs(b64(xml.split(owned).join(`${victim}<!---->.evil.com`))), 401, 'ERR_SAML_COMMENT');
    });

    it('malformed or oversized SAMLResponse: 400, and nothing changed', async () => {
      const admin = await login(api.url, 'admin@example.com');
      const users = async () => (await call(api.url, 'GET', '/v1/users', { token: admin.accessToken })).body;
      const before = JSON.stringify(await users());
      refused(await acs('!!!not base64!!!'), 400, 'ERR_SAML_MALFORMED');
      refused(await acs(b64('<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><unclosed>')), 400, 'ERR_SAML_MALFORMED');
      refused(await acs(b64('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&a;</samlp:Response>')), 400, 'ERR_SAML_MALFORMED');
      refused(await acs(b64('<Other/>')), 400, 'ERR_SAML_MALFORMED');
      refused(await acs('A'.repeat(70_000)), 400, 'ERR_SAML_TOO_LARGE');
      const empty = await fetch(`${api.url}/v1/auth/saml/acs`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'RelayState=x' });
      expect(empty.status).toBe(400);
      const huge = await fetch(`${api.url}/v1/auth/saml/acs`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `SAMLResponse=${'A'.repeat(100 * 1024)}` });
      expect(huge.status).toBe(413);
      expect(JSON.stringify(await users())).toBe(before);
    });
  });

  describe('per-tenant identity providers', () => {
    let acmeIdpKey: TestKey;
    let globexIdpKey: TestKey;
    const acmeEntity = `https://login.acme-second.test/${RUN}`;
    const globexEntity = `https://sts.globex.test/${RUN}`;
    let acmeIdpId: string;
    let globexIdpId: string;
    let admin: string;
    let mallory: string;

    beforeAll(async () => {
      [acmeIdpKey, globexIdpKey] = await Promise.all([makeKey('Acme second IdP'), makeKey('Globex IdP')]);
      admin = (await login(api.url, 'admin@example.com')).accessToken;
      mallory = (await login(api.url, 'mallory@example.com')).accessToken;
    });

    it('admins create IdPs in their own tenant; bad input is a 400 and a taken entity id a 409', async () => {
      const created = await call(api.url, 'POST', '/v1/saml/identity-providers', {
        token: admin,
        body: { name: 'Acme Entra', entityId: acmeEntity, entryPoint: 'https://login.acme-second.test/sso', certificates: [acmeIdpKey.certificate], allowIdpInitiated: true, groupRoles: { 'Acme Editors': 'editor' } },
      });
      expect(created.status).toBe(201);
      acmeIdpId = created.body.id;
      expect(created.body).toMatchObject({ entityId: acmeEntity, allowIdpInitiated: true, defaultRole: 'viewer', enabled: true });
      const bad = await call(api.url, 'POST', '/v1/saml/identity-providers', { token: admin, body: { name: 'x', entityId: 'urn:x', entryPoint: 'https://x.test', certificates: ['not a certificate'] } });
      expect([bad.status, bad.body.code]).toEqual([400, 'ERR_SAML_IDP_INVALID']);
      const badRole = await call(api.url, 'POST', '/v1/saml/identity-providers', { token: admin, body: { name: 'x', entityId: 'urn:y', entryPoint: 'https://x.test', certificates: [acmeIdpKey.certificate], groupRoles: { g: 'root' } } });
      expect([badRole.status, badRole.body.code]).toEqual([400, 'ERR_SAML_IDP_INVALID']);
      for (const entityId of [acmeEntity, ENV_ISSUER]) {
        const dup = await call(api.url, 'POST', '/v1/saml/identity-providers', { token: admin, body: { name: 'x', entityId, entryPoint: 'https://x.test', certificates: [globexIdpKey.certificate] } });
        expect([dup.status, dup.body.code]).toEqual([409, 'ERR_SAML_IDP_EXISTS']);
      }
    });

    it('non-admins are refused', async () => {
      // Mallory is an editor of globex: no IdP rights at all.
      expect((await call(api.url, 'GET', '/v1/saml/identity-providers', { token: mallory })).status).toBe(403);
      expect((await call(api.url, 'POST', '/v1/saml/identity-providers', { token: mallory, body: {} })).status).toBe(403);
    });

    it('selects the IdP by tenant (and ?idp= when a tenant has several); IdP-initiated works only where enabled', async () => {
      refused(await call(api.url, 'GET', '/v1/auth/saml/login?tenant=acme'), 400, 'ERR_SAML_IDP_AMBIGUOUS');
      const viaEnv = await startLogin('tenant=acme&idp=env');
      expect(viaEnv.location.hostname).toBe('idp.acme.test');
      const viaDb = await startLogin(`tenant=acme&idp=${acmeIdpId}`);
      expect(viaDb.location.hostname).toBe('login.acme-second.test');
      // A request sent to the second IdP cannot be answered by the first (ids are bound to their IdP).
      refused(await acs(signedResponse(base({ inResponseTo: viaDb.id }), idp)), 401, 'ERR_SAML_IN_RESPONSE_TO');
      // IdP-initiated through the IdP that allows it; Erin signed in through the env IdP first is linked by email.
      const erin = email('erin');
      const first = await acs(await answer({ nameId: erin, email: erin }));
      const firstMe = await call(api.url, 'GET', '/v1/users/me', { token: first.body.accessToken as string });
      const second = await acs(signedResponse(base({ issuer: acmeEntity, nameId: `ERIN-${RUN}`, email: erin, groups: ['Acme Editors'] }), acmeIdpKey));
      expect(second.status).toBe(200);
      const me = await call(api.url, 'GET', '/v1/users/me', { token: second.body.accessToken as string });
      expect([me.body.id, me.body.role]).toEqual([firstMe.body.id, 'editor']);
    });

    it('a globex IdP signs users into globex only, and cannot take over an acme account', async () => {
      const globexAdmin = await globexAdminToken();
      const created = await call(api.url, 'POST', '/v1/saml/identity-providers', {
        token: globexAdmin,
        body: { name: 'Globex Okta', entityId: globexEntity, entryPoint: 'https://sts.globex.test/sso', certificates: [globexIdpKey.certificate], allowIdpInitiated: true },
      });
      expect(created.status).toBe(201);
      globexIdpId = created.body.id;
      // Each admin lists only their own tenant's IdPs; another tenant's is a 404 to read, change or delete.
      const acmeList = (await call(api.url, 'GET', '/v1/saml/identity-providers', { token: admin })).body as { id: string }[];
      const globexList = (await call(api.url, 'GET', '/v1/saml/identity-providers', { token: globexAdmin })).body as { id: string }[];
      expect(acmeList.map((r) => r.id)).toContain(acmeIdpId);
      expect(acmeList.map((r) => r.id)).not.toContain(globexIdpId);
      expect(globexList.map((r) => r.id)).toContain(globexIdpId);
      expect(globexList.map((r) => r.id)).not.toContain(acmeIdpId);
      expect((await call(api.url, 'GET', `/v1/saml/identity-providers/${acmeIdpId}`, { token: globexAdmin })).status).toBe(404);
      expect((await call(api.url, 'PATCH', `/v1/saml/identity-providers/${acmeIdpId}`, { token: globexAdmin, body: { enabled: false } })).status).toBe(404);
      expect((await call(api.url, 'DELETE', `/v1/saml/identity-providers/${acmeIdpId}`, { token: globexAdmin })).status).toBe(404);
      expect((await call(api.url, 'GET', `/v1/saml/identity-providers/${acmeIdpId}`, { token: admin })).body.enabled).toBe(true);
      // The globex IdP asserting an acme user's email: refused, no link made.
      const prisma = api.app.get(PrismaService);
      const carol = await prisma.user.findUniqueOrThrow({ where: { email: email('carol') } });
      const sessionsBefore = await prisma.session.count({ where: { userId: carol.id } });
      refused(await acs(signedResponse(base({ issuer: globexEntity, nameId: 'carol', email: email('carol') }), globexIdpKey)), 403, 'ERR_SAML_ACCOUNT_CONFLICT');
      // Nothing reached the acme user: no link to the globex IdP, no session.
      expect(await prisma.samlIdentity.count({ where: { userId: carol.id, idpKey: globexIdpId } })).toBe(0);
      expect(await prisma.session.count({ where: { userId: carol.id } })).toBe(sessionsBefore);
      // Its own users land in globex.
      const own = await acs(signedResponse(base({ issuer: globexEntity, nameId: `gina-${RUN}`, email: `gina-${RUN}@globex.test` }), globexIdpKey));
      expect(own.status).toBe(200);
      const gina = await call(api.url, 'GET', '/v2/users/me', { token: own.body.accessToken as string });
      const mallorysTenant = await call(api.url, 'GET', '/v1/users', { token: mallory });
      expect((mallorysTenant.body.items ?? mallorysTenant.body).map((u: { id: string }) => u.id)).toContain(gina.body.id);
      // Disabled: its responses are no longer trusted.
      expect((await call(api.url, 'PATCH', `/v1/saml/identity-providers/${globexIdpId}`, { token: globexAdmin, body: { enabled: false } })).status).toBe(200);
      refused(await acs(signedResponse(base({ issuer: globexEntity, nameId: `gina-${RUN}`, email: `gina-${RUN}@globex.test` }), globexIdpKey)), 401, 'ERR_SAML_UNKNOWN_IDP');
      expect((await call(api.url, 'DELETE', `/v1/saml/identity-providers/${globexIdpId}`, { token: globexAdmin })).status).toBe(204);
    });

    it('replayed IdP-initiated response: refused by the replay cache, on this instance and (with Redis) on another', async () => {
      const response = signedResponse(base({ issuer: acmeEntity, nameId: `ERIN-${RUN}`, email: email('erin') }), acmeIdpKey);
      expect((await acs(response)).status).toBe(200);
      refused(await acs(response), 401, 'ERR_SAML_REPLAYED');
      const other = await startApi(env);
      try {
        const elsewhere = await acs(response, 'application/json', other.url);
        if (process.env.REDIS_URL) refused(elsewhere, 401, 'ERR_SAML_REPLAYED');
        // Without Redis each instance has its own memory: the documented single-instance default.
        else expect(elsewhere.status).toBe(200);
      } finally {
        await other.close();
      }
    });

    /**
     * A globex admin: globex's first IdP is put in by an operator (acme's
     * admin cannot make one for globex), and its "boss" group maps to admin,
     * so the JIT user it signs in is globex's admin.
     */
    async function globexAdminToken(): Promise<string> {
      const key = await makeKey('Globex bootstrap');
      const entityId = `urn:globex-bootstrap:${RUN}`;
      const prisma = api.app.get(PrismaService);
      const tenant = await prisma.tenant.findUniqueOrThrow({ where: { slug: 'globex' } });
      await prisma.samlIdentityProvider.create({
        data: { tenantId: tenant.id, name: 'Globex bootstrap', entityId, entryPoint: 'https://x.test/sso', certificates: [key.certificate], allowIdpInitiated: true, groupRoles: { boss: 'admin' } },
      });
      const res = await acs(signedResponse(base({ issuer: entityId, nameId: `boss-${RUN}`, email: `boss-${RUN}@globex.test`, groups: ['boss'] }), key));
      expect(res.status).toBe(200);
      return res.body.accessToken as string;
    }
  });

  it('puts every SAML sign-in and every refusal, with its code, in the audit trail', async () => {
    await new Promise((r) => setTimeout(r, 700)); // the audit writer's flush interval
    const admin = (await login(api.url, 'admin@example.com')).accessToken;
    const page = await call(api.url, 'GET', '/v1/audit-events?action=auth.saml.login&limit=200', { token: admin });
    expect(page.status).toBe(200);
    const items = page.body.items as { outcome: string; details: { code?: string }; requestId?: string }[];
    const codes = new Set(items.filter((e) => e.outcome === 'failure').map((e) => e.details.code));
    for (const code of [
      'ERR_SAML_SIGNATURE', 'ERR_SAML_EXPIRED', 'ERR_SAML_AUDIENCE', 'ERR_SAML_DESTINATION', 'ERR_SAML_RECIPIENT', 'ERR_SAML_ALGORITHM',
      'ERR_SAML_IN_RESPONSE_TO', 'ERR_SAML_IDP_INITIATED', 'ERR_SAML_WRAPPED', 'ERR_SAML_COMMENT', 'ERR_SAML_MALFORMED', 'ERR_SAML_TOO_LARGE',
      'ERR_SAML_REPLAYED', 'ERR_SAML_ACCOUNT_CONFLICT', 'ERR_SAML_UNKNOWN_IDP',
    ]) expect([code, codes.has(code)]).toEqual([code, true]);
    expect(items.filter((e) => e.outcome === 'success').length).toBeGreaterThanOrEqual(10);
    const codesUsed = await call(api.url, 'GET', '/v1/audit-events?action=auth.login-code&limit=50', { token: admin });
    expect((codesUsed.body.items as { outcome: string }[]).map((e) => e.outcome).sort()).toEqual(expect.arrayContaining(['failure', 'success']));
  });

  it('never answers 5xx to arbitrary ACS posts, login codes, IdP bodies or login queries (fuzz)', async () => {
    const admin = (await login(api.url, 'admin@example.com')).accessToken;
    const piece = fc.constantFrom(
      `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">`,
      '</samlp:Response>', '<saml:Assertion ID="_x">', '</saml:Assertion>', `<saml:Issuer>${ENV_ISSUER}</saml:Issuer>`, '<saml:Issuer>urn:nobody</saml:Issuer>',
      '<saml:Subject><saml:NameID>x@y.test</saml:NameID></saml:Subject>', '<saml:Conditions/>', '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/>',
      '<!-- c -->', '<![CDATA[x]]>', '&amp;', '&x;', '<?pi x?>', '\u0000', '😀',
    );
    const xmlish = fc.array(fc.oneof(piece, fc.string({ maxLength: 20 })), { maxLength: 12 }).map((parts) => parts.join(''));
    await fc.assert(
      fc.asyncProperty(fc.oneof(xmlish.map(b64), fc.string({ maxLength: 300 }), fc.base64String({ maxLength: 400 })), async (value) => {
        expect((await acs(value)).status).toBeLessThan(500);
      }),
      { numRuns: 80 },
    );
    const hostile = fc.oneof(fc.jsonValue(), fc.string({ maxLength: 200 }), fc.constantFrom('__proto__', '', 'a'.repeat(5000)), fc.array(fc.string(), { maxLength: 5 }));
    const shaped = (keys: string[]) => fc.dictionary(fc.constantFrom(...keys, 'extra', '__proto__'), hostile, { maxKeys: keys.length + 1 });
    await fc.assert(
      fc.asyncProperty(fc.oneof(shaped(['SAMLResponse', 'RelayState']), fc.jsonValue()), async (body) => {
        expect((await call(api.url, 'POST', '/v1/auth/saml/acs', { body })).status).toBeLessThan(500);
      }),
      { numRuns: 40 },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(shaped(['code']), fc.jsonValue()), async (body) => {
        expect((await call(api.url, 'POST', '/v1/auth/login-code', { body })).status).toBeLessThan(500);
      }),
      { numRuns: 40 },
    );
    const idpKeys = ['name', 'entityId', 'entryPoint', 'certificates', 'allowIdpInitiated', 'groupRoles', 'defaultRole', 'enabled'];
    await fc.assert(
      fc.asyncProperty(fc.oneof(shaped(idpKeys), fc.jsonValue()), async (body) => {
        expect((await call(api.url, 'POST', '/v1/saml/identity-providers', { body, token: admin })).status).toBeLessThan(500);
        expect((await call(api.url, 'PATCH', `/v1/saml/identity-providers/${randomUUID()}`, { body, token: admin })).status).toBeLessThan(500);
      }),
      { numRuns: 40 },
    );
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom('tenant', 'idp', 'x', '__proto__'), fc.string({ maxLength: 80 }), { maxKeys: 3 }), async (query) => {
        const qs = new URLSearchParams(query as Record<string, string>).toString();
        expect((await fetch(`${api.url}/v1/auth/saml/login?${qs}`, { redirect: 'manual' })).status).toBeLessThan(500);
      }),
      { numRuns: 40 },
    );
  });
});

describe('SAML settings', () => {
  it.each([
    [{ SAML_IDP_ENTRY_POINT: 'https://idp.test/sso', SAML_IDP_ISSUER: 'urn:idp', SAML_IDP_CERT: 'not a certificate' }, /SAML_IDP_CERT/],
    [{ SAML_IDP_ISSUER: 'urn:idp' }, /SAML_IDP_ENTRY_POINT, SAML_IDP_ISSUER and SAML_IDP_CERT go together/],
    [{ SAML_IDP_GROUP_ROLES: 'admins=root' }, /SAML_IDP_GROUP_ROLES/],
    [{ SAML_SP_PRIVATE_KEY: 'junk' }, /SAML_SP_PRIVATE_KEY/],
    [{ SAML_CLOCK_SKEW_SECONDS: '900' }, /SAML_CLOCK_SKEW_SECONDS/],
    [{ NODE_ENV: 'production', SAML_ACS_URL: 'http://api.example.com/v1/auth/saml/acs' }, /SAML_ACS_URL: must be an https/],
  ])('refuses %j at start-up, naming the variable', async (env, message) => {
    await expect(withEnv(env, async () => samlConfig())).rejects.toThrow(message);
  });
});

// The replay cache and the request-id store on each backend the app can use:
// memory always, Redis when the suite runs against one (npm run test:services).
interface StoreBackend {
  name: string;
  make(): { replay: SamlReplayCache; requests: SamlRequestStore; close(): void };
}
const memory: StoreBackend = { name: 'memory', make: () => ({ replay: new MemorySamlReplayCache(), requests: new MemorySamlRequestStore(), close: () => undefined }) };
const redis = (url: string): StoreBackend => ({
  name: 'Redis',
  make() {
    const client = new Redis(url, { keyPrefix: `saml-spec-${RUN}:` });
    const r = client as unknown as SamlRedisLike;
    return { replay: new RedisSamlReplayCache(r), requests: new RedisSamlRequestStore(r), close: () => client.disconnect() };
  },
});

describe.each([memory, ...(process.env.REDIS_URL ? [redis(process.env.REDIS_URL)] : [])])('SAML stores on $name', (backend) => {
  let stores: ReturnType<StoreBackend['make']>;
  beforeAll(() => (stores = backend.make()));
  afterAll(() => stores.close());

  it('marks an assertion once: of many racing uses exactly one wins', async () => {
    const key = `assertion-${randomUUID()}`;
    const results = await Promise.all(Array.from({ length: 20 }, () => stores.replay.markUsed(key, Date.now() + 60_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await stores.replay.markUsed(`other-${randomUUID()}`, Date.now() + 60_000)).toBe(true);
  });

  it('keeps request ids until removed or expired', async () => {
    const key = `req-${randomUUID()}`;
    await stores.requests.save(key, '2026-01-01T00:00:00Z', 60_000);
    expect(await stores.requests.get(key)).toBe('2026-01-01T00:00:00Z');
    await stores.requests.remove(key);
    expect(await stores.requests.get(key)).toBeNull();
    await stores.requests.save(`${key}-short`, 'x', 50);
    await new Promise((r) => setTimeout(r, 120));
    expect(await stores.requests.get(`${key}-short`)).toBeNull();
  });
});
