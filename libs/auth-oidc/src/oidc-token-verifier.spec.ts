import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { OidcTokenError } from './errors.js';
import { resolveIssuer } from './oidc-issuer.js';
import { OidcTokenVerifier } from './oidc-token-verifier.js';

/** A minimal issuer on loopback: discovery and JWKS, with switchable answers. */
async function issuerServer() {
  const key = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(key.publicKey)), kid: 'k1', alg: 'ES256' };
  const state = { up: true, issuerOverride: undefined as string | undefined, discoveryHits: 0 };
  const server: Server = createServer((req, res) => {
    if (!state.up) return void res.writeHead(503).end();
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (req.url === '/.well-known/openid-configuration') {
      state.discoveryHits += 1;
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: state.issuerOverride ?? base, jwks_uri: `${base}/jwks` }));
    }
    if (req.url === '/jwks') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sign = (claims: Record<string, unknown> = {}, typ = 'at+jwt') =>
    new SignJWT({ client_id: 'c', scope: 'a b', ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ })
      .setIssuer(url)
      .setSubject('s')
      .setAudience('urn:api')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key.privateKey);
  return { url, state, sign, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('resolveIssuer', () => {
  const base = { name: 'idp', discoveryUrl: 'https://idp.example.com/t/.well-known/openid-configuration', audience: 'urn:api' };

  it('derives the issuer from the discovery URL and fills in defaults', () => {
    const r = resolveIssuer(base, 0);
    expect(r.issuer).toBe('https://idp.example.com/t');
    expect(r.types).toEqual(['at+jwt']);
    expect(r.algorithms).not.toContain('HS256');
  });

  it.each([
    [{ algorithms: ['none'] }, 'algorithms'],
    [{ algorithms: ['HS256'] }, 'algorithms'],
    [{ audience: [] }, 'audience'],
    [{ discoveryUrl: 'ftp://x/.well-known/openid-configuration' }, 'discoveryUrl'],
    [{ discoveryUrl: 'https://idp.example.com/keys' }, 'issuer'],
    [{ name: 'bad name' }, 'name'],
  ])('refuses %j naming the option', (patch, option) => {
    expect(() => resolveIssuer({ ...base, ...patch } as never, 3)).toThrow(new RegExp(`issuers\\[3\\].*${option}`));
  });
});

describe('OidcTokenVerifier', () => {
  it('verifies a token of a listed issuer and maps scopes and client id', async () => {
    const idp = await issuerServer();
    try {
      const v = new OidcTokenVerifier({ issuers: [{ name: 'idp', discoveryUrl: `${idp.url}/.well-known/openid-configuration`, audience: 'urn:api' }] });
      expect(v.accepts(idp.url)).toBe(true);
      expect(v.accepts(`${idp.url}/`)).toBe(false);
      const t = await v.verify(await idp.sign());
      expect(t).toMatchObject({ issuerName: 'idp', subject: 's', clientId: 'c', scopes: ['a', 'b'] });
      // Okta/Entra style `scp` arrays, typ allowlist
      await expect(v.verify(await idp.sign({}, 'JWT'))).rejects.toMatchObject({ code: 'ERR_OIDC_TOKEN_INVALID' });
      const scp = await v.verify(await idp.sign({ scope: undefined, scp: ['x', 'y'] }));
      expect(scp.scopes).toEqual(['x', 'y']);
    } finally {
      await idp.close();
    }
  });

  it('refuses an issuer whose discovery names another issuer (OIDC Discovery §4.3)', async () => {
    const idp = await issuerServer();
    idp.state.issuerOverride = 'https://evil.example.com';
    try {
      const v = new OidcTokenVerifier({ issuers: [{ name: 'idp', discoveryUrl: `${idp.url}/.well-known/openid-configuration`, audience: 'urn:api' }] });
      await expect(v.verify(await idp.sign())).rejects.toMatchObject({ code: 'ERR_OIDC_ISSUER_UNAVAILABLE' });
    } finally {
      await idp.close();
    }
  });

  it('backs off after a failed discovery, then recovers', async () => {
    const idp = await issuerServer();
    idp.state.up = false;
    let now = Date.now();
    try {
      const v = new OidcTokenVerifier({
        issuers: [{ name: 'idp', discoveryUrl: `${idp.url}/.well-known/openid-configuration`, audience: 'urn:api' }],
        now: () => now,
        discoveryBackoffMs: { initial: 1000, max: 4000 },
      });
      const token = await idp.sign();
      await expect(v.verify(token)).rejects.toBeInstanceOf(OidcTokenError);
      idp.state.up = true;
      // Within the backoff no request goes out.
      await expect(v.verify(token)).rejects.toMatchObject({ code: 'ERR_OIDC_ISSUER_UNAVAILABLE' });
      expect(idp.state.discoveryHits).toBe(0);
      now += 1001;
      await expect(v.verify(token)).resolves.toMatchObject({ subject: 's' });
      expect(idp.state.discoveryHits).toBe(1);
    } finally {
      await idp.close();
    }
  });

  it('refuses tokens of unlisted issuers without any request', async () => {
    const v = new OidcTokenVerifier({ issuers: [] });
    await expect(v.verify('a.b.c')).rejects.toMatchObject({ code: 'ERR_OIDC_ISSUER_UNKNOWN' });
  });
});
