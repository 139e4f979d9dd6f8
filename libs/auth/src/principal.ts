/** How a request proved who it is. */
export type AuthMethod = 'jwt' | 'api-key';

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
  /** JWT id and expiry (ms), for revocation. */
  tokenId?: string;
  expiresAt?: number;
  /** The API key's id, when `method` is `api-key`. */
  apiKeyId?: string;
}
