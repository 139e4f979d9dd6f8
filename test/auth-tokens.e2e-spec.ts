import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createPublicKey } from 'node:crypto';
import { base64url, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { AUTH_CLOCK, type Clock } from '@bastion/auth';
import { baseEnv, startApi, useApi, type Env } from './support/harness';
import { call, DEMO_PASSWORD, login } from './support/http';

// Attacks on the bearer-token path: each forged or misused token must get
// 401 with `WWW-Authenticate: Bearer … error="invalid_token"`.
describe('JWT access and refresh tokens (e2e)', () => {
  // Login limits have their own spec; here they would only get in the way.
  // This file attacks from one address with more forged tokens than RATE_LIMIT_AUTH_FAILURES
  // admits (test/auth-failures.e2e-spec.ts tries that limit).
  const env: Env = { ...baseEnv(), RATE_LIMIT_LOGIN: '1000/15m', RATE_LIMIT_LOGIN_ADDRESS: '1000/15m', RATE_LIMIT_AUTH_FAILURES: '1000/1m' };
  const api = useApi(env);
  let realKey: { kid: string; jwk: JWK };

  beforeAll(async () => {
    const ring = JSON.parse(readFileSync(env.JWT_KEYS_FILE as string, 'utf8')) as { keys: { kid: string; jwk: JWK }[] };
    realKey = ring.keys[0] as { kid: string; jwk: JWK };
  });

  const me = (token: string) => call(api.url, 'GET', '/v1/users/me', { token });

  function expectInvalidToken(res: Awaited<ReturnType<typeof me>>, code = 'ERR_AUTH_TOKEN_INVALID') {
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ status: 401, code });
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="bastion", error="invalid_token"/);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  }

  /** Signs `claims` with the API's real private key: only the claim under test is wrong. */
  async function signWithRealKey(claims: Record<string, unknown>, header: Record<string, unknown> = {}) {
    const key = await importJWK(realKey.jwk, 'ES256');
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ scope: 'profile:read', client_id: 'bastion', ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: realKey.kid, typ: 'at+jwt', ...header })
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .setJti(crypto.randomUUID())
      .setSubject((claims.sub as string) ?? decodeJwt((await login(api.url, 'bob@example.com')).accessToken).sub ?? '')
      .sign(key);
  }

  describe('a valid sign-in', () => {
    it('returns a token pair; the access token is an ES256 RFC 9068 JWT with the required claims', async () => {
      const pair = await login(api.url, 'alice@example.com');
      expect(pair).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
      expect(pair.refreshToken).toMatch(/^bst_rt_[A-Za-z0-9_-]{43}$/);
      expect(decodeProtectedHeader(pair.accessToken)).toEqual({ alg: 'ES256', kid: realKey.kid, typ: 'at+jwt' });
      const claims = decodeJwt(pair.accessToken);
      expect(claims).toMatchObject({ iss: 'urn:bastion:api', aud: 'urn:bastion:api', role: 'editor', dept: 'engineering' });
      for (const claim of ['sub', 'iat', 'exp', 'jti', 'client_id']) expect(Object.hasOwn(claims, claim)).toBe(true);
      expect((claims.exp as number) - (claims.iat as number)).toBe(900);
    });

    it('GET /v1/users/me returns the principal and never the password hash', async () => {
      const { accessToken } = await login(api.url, 'alice@example.com');
      const res = await me(accessToken);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ email: 'alice@example.com', role: 'editor', department: 'engineering', tenant: { slug: 'acme' } });
      expect(JSON.stringify(res.body)).not.toMatch(/argon2|passwordHash/);
    });

    it('GET /.well-known/jwks.json publishes the public key only', async () => {
      const res = await call(api.url, 'GET', '/.well-known/jwks.json');
      expect(res.status).toBe(200);
      expect(res.body.keys).toHaveLength(1);
      expect(res.body.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', kid: realKey.kid, alg: 'ES256', use: 'sig' });
      expect(Object.hasOwn(res.body.keys[0], 'd')).toBe(false);
    });

    it('a request without a credential is 401 with a Bearer challenge', async () => {
      const res = await call(api.url, 'GET', '/v1/users/me');
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('ERR_AUTH_CREDENTIALS_MISSING');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="bastion"/);
    });
  });

  describe('a failed sign-in', () => {
    it('an unknown email and a wrong password get the same status and body', async () => {
      const unknown = await call(api.url, 'POST', '/v1/auth/login', { body: { email: 'nobody@example.com', password: DEMO_PASSWORD } });
      const wrong = await call(api.url, 'POST', '/v1/auth/login', { body: { email: 'bob@example.com', password: 'wrong-password-1' } });
      expect(unknown.status).toBe(401);
      expect(wrong.status).toBe(401);
      const { requestId: _a, ...unknownBody } = unknown.body;
      const { requestId: _b, ...wrongBody } = wrong.body;
      expect(unknownBody).toEqual(wrongBody);
      expect(unknown.body.detail).toBe('The email or password is incorrect');
    });

    it('an unknown email costs comparable time (the password is still hashed)', async () => {
      const time = async (email: string) => {
        const started = process.hrtime.bigint();
        await call(api.url, 'POST', '/v1/auth/login', { body: { email, password: 'wrong-password-1' } });
        return Number(process.hrtime.bigint() - started) / 1e6;
      };
      const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
      const known: number[] = [];
      const unknown: number[] = [];
      for (let i = 0; i < 5; i++) {
        known.push(await time('alice@example.com'));
        unknown.push(await time(`ghost${i}@example.com`));
      }
      // Without the dummy hash an unknown email answers in ~1 ms, a known one in tens.
      expect(median(unknown)).toBeGreaterThan(median(known) * 0.5);
    });
  });

  describe('forged and misused access tokens', () => {
    it.each(['none', 'None', 'NONE', 'nOnE'])('alg "%s" (an unsigned token) is refused', async (alg) => {
      const { accessToken } = await login(api.url, 'bob@example.com');
      const [, payload] = accessToken.split('.');
      const header = base64url.encode(JSON.stringify({ alg, typ: 'at+jwt', kid: realKey.kid }));
      expectInvalidToken(await me(`${header}.${payload}.`));
      expectInvalidToken(await me(`${header}.${payload}`));
    });

    it('a tampered payload with the original signature is refused', async () => {
      const { accessToken } = await login(api.url, 'bob@example.com');
      const [header, payload, signature] = accessToken.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
      const forged = base64url.encode(JSON.stringify({ ...claims, role: 'admin' }));
      expectInvalidToken(await me(`${header}.${forged}.${signature}`));
    });

    it('HS256 keyed with the public key (algorithm confusion) is refused', async () => {
      const { d: _d, ...publicJwk } = realKey.jwk;
      const pem = createPublicKey({ key: publicJwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
      const { accessToken } = await login(api.url, 'bob@example.com');
      const claims = decodeJwt(accessToken);
      const token = await new SignJWT({ ...claims, role: 'admin' })
        .setProtectedHeader({ alg: 'HS256', kid: realKey.kid, typ: 'at+jwt' })
        .sign(new TextEncoder().encode(pem as string));
      expectInvalidToken(await me(token));
    });

    it("an attacker's key under the real kid is refused", async () => {
      const { privateKey } = await generateKeyPair('ES256');
      const { accessToken } = await login(api.url, 'bob@example.com');
      const token = await new SignJWT({ ...decodeJwt(accessToken), role: 'admin' })
        .setProtectedHeader({ alg: 'ES256', kid: realKey.kid, typ: 'at+jwt' })
        .sign(privateKey);
      expectInvalidToken(await me(token));
    });

    it('an embedded jwk header is ignored: the token is refused', async () => {
      const { privateKey, publicKey } = await generateKeyPair('ES256');
      const { accessToken } = await login(api.url, 'bob@example.com');
      const jwk = await exportJWK(publicKey);
      for (const header of [{ jwk }, { jwk, kid: realKey.kid }]) {
        const token = await new SignJWT({ ...decodeJwt(accessToken), role: 'admin' })
          .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', ...header })
          .sign(privateKey);
        expectInvalidToken(await me(token));
      }
    });

    it("jku and x5u pointing at an attacker's server are refused and never fetched", async () => {
      const { privateKey, publicKey } = await generateKeyPair('ES256');
      const jwk = { ...(await exportJWK(publicKey)), kid: 'attacker', alg: 'ES256' };
      let fetched = 0;
      const server: Server = createServer((_req, res) => {
        fetched += 1;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ keys: [jwk] }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
      try {
        const { accessToken } = await login(api.url, 'bob@example.com');
        for (const header of [{ jku: url, kid: 'attacker' }, { x5u: url, kid: 'attacker' }, { jku: url, kid: realKey.kid }]) {
          const token = await new SignJWT({ ...decodeJwt(accessToken), role: 'admin' })
            .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', ...header })
            .sign(privateKey);
          expectInvalidToken(await me(token));
        }
        expect(fetched).toBe(0);
      } finally {
        server.close();
      }
    });

    it('a wrong issuer or audience is refused even with a valid signature', async () => {
      expectInvalidToken(await me(await signWithRealKey({ iss: 'https://evil.example', aud: 'urn:bastion:api' })));
      expectInvalidToken(await me(await signWithRealKey({ iss: 'urn:bastion:api', aud: 'urn:other:api' })));
      expectInvalidToken(await me(await signWithRealKey({ aud: 'urn:bastion:api' })));
      expectInvalidToken(await me(await signWithRealKey({ iss: 'urn:bastion:api' })));
      // RFC 9068 §2.2: client_id is required too.
      expectInvalidToken(await me(await signWithRealKey({ iss: 'urn:bastion:api', aud: 'urn:bastion:api', client_id: undefined })));
    });

    it('a JWT of another type (typ JWT, or none) is refused even with a valid signature', async () => {
      const claims = { iss: 'urn:bastion:api', aud: 'urn:bastion:api' };
      expect((await me(await signWithRealKey(claims))).status).toBe(200); // the control: right typ passes
      expectInvalidToken(await me(await signWithRealKey(claims, { typ: 'JWT' })));
      expectInvalidToken(await me(await signWithRealKey(claims, { typ: undefined })));
    });

    it('an expired token is refused (clock moved past exp, no sleeping)', async () => {
      const { accessToken } = await login(api.url, 'bob@example.com');
      expect((await me(accessToken)).status).toBe(200);
      const clock = api.app.get<Clock>(AUTH_CLOCK);
      const now = clock.now();
      const spy = jest.spyOn(clock, 'now').mockReturnValue(now + 15 * 60_000 + 10_000);
      try {
        const res = await me(accessToken);
        expectInvalidToken(res, 'ERR_AUTH_TOKEN_EXPIRED');
        expect(res.body.detail).toBe('The access token has expired');
      } finally {
        spy.mockRestore();
      }
    });

    it('a refresh token presented as an access token is refused', async () => {
      const { refreshToken } = await login(api.url, 'bob@example.com');
      expectInvalidToken(await me(refreshToken));
    });

    it('garbage in the Authorization header is refused', async () => {
      for (const token of ['x', 'a.b.c', '....', 'eyJ.eyJ.', 'Bearer']) expectInvalidToken(await me(token));
      const basic = await call(api.url, 'GET', '/v1/users/me', { headers: { authorization: 'Basic YTpi' } });
      expect(basic.status).toBe(401);
    });
  });

  describe('refresh-token rotation (RFC 9700)', () => {
    it('a refresh gives a new pair and the used refresh token stops working', async () => {
      const first = await login(api.url, 'bob@example.com');
      const second = await call(api.url, 'POST', '/v1/auth/refresh', { body: { refreshToken: first.refreshToken } });
      expect(second.status).toBe(200);
      expect(second.body.refreshToken).not.toBe(first.refreshToken);
      expect((await me(second.body.accessToken)).status).toBe(200);
    });

    it('reuse of a used refresh token revokes the whole family, including the pair it produced', async () => {
      const first = await login(api.url, 'bob@example.com');
      const rotated = (await call(api.url, 'POST', '/v1/auth/refresh', { body: { refreshToken: first.refreshToken } })).body;

      const replay = await call(api.url, 'POST', '/v1/auth/refresh', { body: { refreshToken: first.refreshToken } });
      expect(replay.status).toBe(401);
      expect(replay.body.code).toBe('ERR_AUTH_REFRESH_REUSED');

      const successor = await call(api.url, 'POST', '/v1/auth/refresh', { body: { refreshToken: rotated.refreshToken } });
      expect(successor.status).toBe(401);
      expectInvalidToken(await me(rotated.accessToken), 'ERR_AUTH_TOKEN_REVOKED');
      expectInvalidToken(await me(first.accessToken), 'ERR_AUTH_TOKEN_REVOKED');
      // Another login of the same user is a different family and keeps working.
      expect((await me((await login(api.url, 'bob@example.com')).accessToken)).status).toBe(200);
    });

    it('two concurrent uses of one refresh token: one wins, the family dies', async () => {
      const first = await login(api.url, 'bob@example.com');
      const both = await Promise.all(
        [0, 1].map(() => call(api.url, 'POST', '/v1/auth/refresh', { body: { refreshToken: first.refreshToken } })),
      );
      // At most one wins (the other is a replay), and whatever the winner got dies with the family.
      const winners = both.filter((r) => r.status === 200);
      expect(winners.length).toBeLessThanOrEqual(1);
      expect(both.filter((r) => r.status === 401).length).toBeGreaterThanOrEqual(1);
      for (const winner of winners) {
        expect((await call(api.url, 'POST', '/v1/auth/refresh', { body: { refreshToken: winner.body.refreshToken } })).status).toBe(401);
        expectInvalidToken(await me(winner.body.accessToken), 'ERR_AUTH_TOKEN_REVOKED');
      }
      expectInvalidToken(await me(first.accessToken), 'ERR_AUTH_TOKEN_REVOKED');
    });

    it('an unknown or malformed refresh token is 401 or 400, never 500', async () => {
      const unknown = await call(api.url, 'POST', '/v1/auth/refresh', { body: { refreshToken: `bst_rt_${'A'.repeat(43)}` } });
      expect(unknown.status).toBe(401);
      expect(unknown.body.code).toBe('ERR_AUTH_REFRESH_INVALID');
      const malformed = await call(api.url, 'POST', '/v1/auth/refresh', { body: { refreshToken: 'nope' } });
      expect(malformed.status).toBe(400);
      expect(malformed.body.errors[0].field).toBe('refreshToken');
    });

    it('a refresh token past its lifetime is refused', async () => {
      const { refreshToken } = await login(api.url, 'bob@example.com');
      const clock = api.app.get<Clock>(AUTH_CLOCK);
      const spy = jest.spyOn(clock, 'now').mockReturnValue(Date.now() + 8 * 86400_000);
      try {
        const res = await call(api.url, 'POST', '/v1/auth/refresh', { body: { refreshToken } });
        expect(res.status).toBe(401);
        expect(res.body.code).toBe('ERR_AUTH_REFRESH_INVALID');
      } finally {
        spy.mockRestore();
      }
    });
  });

  describe('logout', () => {
    it('revokes the presented access token at once and the refresh family', async () => {
      const pair = await login(api.url, 'bob@example.com');
      const out = await call(api.url, 'POST', '/v1/auth/logout', { token: pair.accessToken, body: { refreshToken: pair.refreshToken } });
      expect(out.status).toBe(204);
      expectInvalidToken(await me(pair.accessToken), 'ERR_AUTH_TOKEN_REVOKED');
      const refresh = await call(api.url, 'POST', '/v1/auth/refresh', { body: { refreshToken: pair.refreshToken } });
      expect(refresh.status).toBe(401);
    });

    it("cannot revoke another user's refresh family", async () => {
      const bob = await login(api.url, 'bob@example.com');
      const alice = await login(api.url, 'alice@example.com');
      const out = await call(api.url, 'POST', '/v1/auth/logout', { token: alice.accessToken, body: { refreshToken: bob.refreshToken } });
      expect(out.status).toBe(401);
      expect((await call(api.url, 'POST', '/v1/auth/refresh', { body: { refreshToken: bob.refreshToken } })).status).toBe(200);
    });
  });

  describe('a second instance', () => {
    it('sees a logout at once: revocations live in the shared database, the bus says when to read them', async () => {
      const second = await startApi(env);
      try {
        const pair = await login(api.url, 'bob@example.com');
        expect((await call(second.url, 'GET', '/v1/users/me', { token: pair.accessToken })).status).toBe(200);
        await call(api.url, 'POST', '/v1/auth/logout', { token: pair.accessToken, body: { refreshToken: pair.refreshToken } });
        const after = await call(second.url, 'GET', '/v1/users/me', { token: pair.accessToken });
        expect(after.status).toBe(401);
        expect(after.body.code).toBe('ERR_AUTH_TOKEN_REVOKED');
        // The refresh family lives in the shared database: revoked everywhere either way.
        expect((await call(second.url, 'POST', '/v1/auth/refresh', { body: { refreshToken: pair.refreshToken } })).status).toBe(401);
      } finally {
        await second.close();
      }
    });
  });
});
