/**
 * How a request proved who it is: `jwt` a first-party access token, `api-key`
 * an API key, `oidc` an access token of an external issuer (an
 * {@link ExternalTokenVerifier}); a route accepts `oidc` only when it says so.
 */
export type AuthMethod = 'jwt' | 'api-key' | 'oidc';

/**
 * Who is calling, as the authentication guard puts it on the request
 * (`request.user`). Built from verified token claims or from the API key's
 * record, without a database read for JWTs.
 */
export interface AuthPrincipal {
  /** The user id (`sub`). */
  sub: string;
  method: AuthMethod;
  /** What this credential may do; a route's `@Scopes()` must all be here. */
  scopes: readonly string[];
  /** Attributes the app put in the token or key record (tenant, role, department…). */
  attributes: Readonly<Record<string, string>>;
  /** JWT id, expiry and issue time (ms), for revocation. */
  tokenId?: string;
  /** The session the access token belongs to (its `sid` claim), when the app puts one in. */
  sessionId?: string;
  expiresAt?: number;
  issuedAt?: number;
  /** The API key's id, when `method` is `api-key`. */
  apiKeyId?: string;
  /** The token's issuer, when `method` is `oidc`. */
  issuer?: string;
  /** `client` when no user is behind the token (client credentials); default a user. */
  actor?: 'user' | 'client';
}

/**
 * Verifies access tokens of other issuers (an OpenID provider, an OAuth
 * authorization server) for the `oidc` method. The guard routes a bearer
 * token here by its unverified `iss` only; `verify` must check everything.
 */
export interface ExternalTokenVerifier {
  /** Whether tokens claiming `issuer` are this verifier's (an allowlist lookup, no I/O). */
  accepts(issuer: string): boolean;
  /** The principal of a valid token; throws `AuthError` (`ERR_AUTH_TOKEN_INVALID`/`_EXPIRED`) otherwise. */
  verify(token: string): Promise<AuthPrincipal>;
}
