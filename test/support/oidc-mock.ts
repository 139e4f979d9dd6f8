import { OAuth2Server } from 'oauth2-mock-server';
import type { JWTPayload } from 'jose';

/** An independent OpenID provider (oauth2-mock-server) on a loopback port, counting its JWKS fetches. */
export interface MockIssuer {
  server: OAuth2Server;
  /** Its issuer identifier, `http://127.0.0.1:<port>`. */
  url: string;
  discoveryUrl: string;
  /** How many times its JWKS was fetched. */
  jwksFetches(): number;
  /** A token signed by this issuer with `claims` over iss/iat/exp/nbf (`kid`: a specific key). */
  token(claims: JWTPayload, options?: { kid?: string; expiresIn?: number }): Promise<string>;
  stop(): Promise<void>;
}

/** Starts a mock provider with one ES256 key (or `alg`). */
export async function startMockIssuer(alg = 'ES256'): Promise<MockIssuer> {
  const server = new OAuth2Server();
  await server.issuer.keys.generate(alg);
  let fetches = 0;
  // The JWKS endpoint is the only caller of toJSON(): counting here counts fetches.
  const keys = server.issuer.keys as unknown as { toJSON(p?: boolean): unknown };
  const toJSON = keys.toJSON.bind(keys);
  keys.toJSON = (p?: boolean) => {
    fetches += 1;
    return toJSON(p);
  };
  await server.start(0, '127.0.0.1');
  // The mock names itself "localhost", which may resolve to ::1 where nothing listens.
  const url = `http://127.0.0.1:${server.address().port}`;
  server.issuer.url = url;
  return {
    server,
    url,
    discoveryUrl: `${url}/.well-known/openid-configuration`,
    jwksFetches: () => fetches,
    token: (claims, options = {}) =>
      server.issuer.buildToken({
        kid: options.kid,
        expiresIn: options.expiresIn,
        scopesOrTransform: (_header, payload) => Object.assign(payload, claims),
      }),
    stop: () => server.stop(),
  };
}
