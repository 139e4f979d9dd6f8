import { OidcTokenError } from './errors.js';

const WELL_KNOWN = ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'];

/** Asymmetric algorithms only: `none` and the HMAC family can never be allowed (RFC 8725 §3.1, §3.2). */
const ASYMMETRIC = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']);

/** One trusted issuer of access tokens. */
export interface OidcIssuerOptions {
  /** A short name for logs and for the app's own per-issuer settings, e.g. `auth0`. */
  name: string;
  /** Its discovery document: `<issuer>/.well-known/openid-configuration` (OIDC Discovery) or `oauth-authorization-server` (RFC 8414). */
  discoveryUrl: string;
  /** The exact `iss` of its tokens. Default: `discoveryUrl` without the well-known suffix (which is what discovery must answer). */
  issuer?: string;
  /** Accepted `aud` values; a token must name one (RFC 9068 §4, RFC 8707). */
  audience: string | string[];
  /** Accepted signing algorithms. Default `['RS256', 'PS256', 'ES256', 'EdDSA']`; `none` and `HS*` are refused at start. */
  algorithms?: string[];
  /** Accepted `typ` headers, compared without `application/`. Default `['at+jwt']` (RFC 9068 §2.1); `''` accepts a token without one. */
  types?: string[];
  /** Leeway for `exp`/`nbf`/`iat`, seconds. Default 5. */
  clockToleranceSeconds?: number;
  /** Least time between two JWKS fetches, however many unknown `kid`s arrive. Default 30 s. */
  jwksCooldownSeconds?: number;
  /** How long fetched keys are used before a refetch. Default 600 s. */
  jwksCacheMaxAgeSeconds?: number;
}

/** An issuer's options with every default filled in and checked. */
export interface ResolvedIssuer {
  name: string;
  discoveryUrl: URL;
  issuer: string;
  audience: string[];
  algorithms: string[];
  types: string[];
  clockToleranceSeconds: number;
  jwksCooldownMs: number;
  jwksCacheMaxAgeMs: number;
}

function fail(index: number, message: string): never {
  throw new OidcTokenError('ERR_OIDC_OPTIONS', `auth-oidc option "issuers[${index}]": ${message}`);
}

function seconds(value: number | undefined, fallback: number, index: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < 0 || v > 86_400) fail(index, `"${name}" must be a number of seconds from 0 to 86400`);
  return v;
}

/** Normalises a `typ` value: RFC 7515 §4.1.9 lets `application/` be left out. */
export function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

/** Checks one issuer's options and fills in the defaults; a bad option fails at start naming it. */
export function resolveIssuer(options: OidcIssuerOptions, index: number): ResolvedIssuer {
  if (typeof options.name !== 'string' || !/^[a-z0-9][a-z0-9_-]{0,63}$/i.test(options.name)) fail(index, '"name" must be 1-64 letters, digits, - or _');
  let discoveryUrl: URL;
  try {
    discoveryUrl = new URL(options.discoveryUrl);
  } catch {
    fail(index, '"discoveryUrl" must be a URL');
  }
  if (discoveryUrl.protocol !== 'https:' && discoveryUrl.protocol !== 'http:') fail(index, '"discoveryUrl" must be an https:// (or http:// for development) URL');
  const suffix = WELL_KNOWN.find((w) => discoveryUrl.pathname.endsWith(w));
  const issuer = options.issuer ?? (suffix ? `${discoveryUrl.origin}${discoveryUrl.pathname.slice(0, -suffix.length)}` : undefined);
  if (!issuer) fail(index, '"issuer" is required when "discoveryUrl" does not end in /.well-known/openid-configuration');
  const audience = Array.isArray(options.audience) ? options.audience : [options.audience];
  if (audience.length === 0 || audience.some((a) => typeof a !== 'string' || a === '')) fail(index, '"audience" must name at least one audience');
  const algorithms = options.algorithms ?? ['RS256', 'PS256', 'ES256', 'EdDSA'];
  const bad = algorithms.find((a) => !ASYMMETRIC.has(a));
  if (algorithms.length === 0 || bad !== undefined) fail(index, `"algorithms" may hold only asymmetric JWS algorithms (not "${bad ?? ''}")`);
  const types = (options.types ?? ['at+jwt']).map((t) => normalizeTyp(t));
  if (types.length === 0) fail(index, '"types" must name at least one typ (or "" for none)');
  return {
    name: options.name,
    discoveryUrl,
    issuer,
    audience,
    algorithms,
    types,
    clockToleranceSeconds: seconds(options.clockToleranceSeconds, 5, index, 'clockToleranceSeconds'),
    jwksCooldownMs: seconds(options.jwksCooldownSeconds, 30, index, 'jwksCooldownSeconds') * 1000,
    jwksCacheMaxAgeMs: seconds(options.jwksCacheMaxAgeSeconds, 600, index, 'jwksCacheMaxAgeSeconds') * 1000,
  };
}
