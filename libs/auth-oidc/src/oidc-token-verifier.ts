import { createRemoteJWKSet, decodeJwt, errors, jwtVerify, type JWTPayload } from 'jose';
import { OidcTokenError } from './errors.js';
import { normalizeTyp, resolveIssuer, type OidcIssuerOptions, type ResolvedIssuer } from './oidc-issuer.js';

/** Options of {@link OidcTokenVerifier}. */
export interface OidcTokenVerifierOptions {
  /** The allowlist: tokens of any other issuer are refused without a network call. */
  issuers: OidcIssuerOptions[];
  /** Time limit of one discovery or JWKS request, ms. Default 5000. */
  fetchTimeoutMs?: number;
  /** First and longest wait before discovery is tried again after a failure, ms. Default 1000 and 300000. */
  discoveryBackoffMs?: { initial: number; max: number };
  /** The time source (ms since the epoch). Default `Date.now`. */
  now?: () => number;
  /** Told when discovery fails (for a log line); never told a token. */
  onDiscoveryError?: (issuer: string, error: Error) => void;
}

/** A token whose issuer, signature, header and claims all checked out. */
export interface VerifiedOidcToken {
  /** The configured issuer's `name`. */
  issuerName: string;
  /** `iss`. */
  issuer: string;
  /** `sub`. */
  subject: string;
  /** `client_id` (RFC 9068), else `azp`, `cid` (Okta) or `appid` (Entra ID v1). */
  clientId?: string;
  /** From `scope` (space-separated, RFC 9068 §2.2.3) or `scp` (a string or an array: Okta, Entra ID). */
  scopes: string[];
  /** `exp` in ms. */
  expiresAt: number;
  /** `jti`, when present. */
  tokenId?: string;
  /** Every claim, for app-specific mapping (tenant, groups…). */
  claims: JWTPayload;
}

interface Discovered {
  jwks: ReturnType<typeof createRemoteJWKSet>;
}

interface IssuerState {
  config: ResolvedIssuer;
  discovered?: Discovered;
  pending?: Promise<Discovered>;
  retryAt: number;
  backoffMs: number;
}

const INVALID = 'The access token is invalid';

function scopesOf(payload: JWTPayload): string[] {
  const raw = payload.scope ?? payload.scp;
  const list = typeof raw === 'string' ? raw.split(' ') : Array.isArray(raw) ? raw : [];
  return list.filter((s): s is string => typeof s === 'string' && s !== '');
}

function clientIdOf(payload: JWTPayload): string | undefined {
  for (const claim of ['client_id', 'azp', 'cid', 'appid']) {
    const value = payload[claim];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

/**
 * Verifies access tokens of the configured external issuers. Discovery is
 * lazy (the app starts while an issuer is down; its tokens are refused until
 * it answers, retried with exponential backoff), keys come from the
 * discovered `jwks_uri` through jose's remote JWK set (cached; an unknown
 * `kid` refetches at most once per cooldown, which follows a key rotation
 * without letting a flood of made-up `kid`s hammer the issuer).
 *
 * @example
 * const verifier = new OidcTokenVerifier({ issuers: [{ name: 'auth0',
 *   discoveryUrl: 'https://tenant.eu.auth0.com/.well-known/openid-configuration',
 *   audience: 'https://api.example.com', types: ['at+jwt', 'JWT'] }] });
 * const token = await verifier.verify(bearer);
 * @see https://www.rfc-editor.org/rfc/rfc9068 JWT profile for access tokens
 * @see https://www.rfc-editor.org/rfc/rfc8725 JWT best current practices
 */
export class OidcTokenVerifier {
  private readonly byIssuer = new Map<string, IssuerState>();
  private readonly timeoutMs: number;
  private readonly backoff: { initial: number; max: number };
  private readonly now: () => number;

  constructor(private readonly options: OidcTokenVerifierOptions) {
    if (!Array.isArray(options.issuers)) throw new OidcTokenError('ERR_OIDC_OPTIONS', 'auth-oidc option "issuers" must be an array');
    options.issuers.forEach((o, i) => {
      const config = resolveIssuer(o, i);
      if (this.byIssuer.has(config.issuer)) throw new OidcTokenError('ERR_OIDC_OPTIONS', `auth-oidc option "issuers[${i}]": issuer ${config.issuer} is listed twice`);
      this.byIssuer.set(config.issuer, { config, retryAt: 0, backoffMs: 0 });
    });
    this.timeoutMs = options.fetchTimeoutMs ?? 5000;
    this.backoff = options.discoveryBackoffMs ?? { initial: 1000, max: 300_000 };
    this.now = options.now ?? Date.now;
  }

  /** The configured issuers, resolved. */
  get issuers(): readonly ResolvedIssuer[] {
    return [...this.byIssuer.values()].map((s) => s.config);
  }

  /** Whether `issuer` is on the allowlist (exact string comparison, RFC 9068 §4 / OIDC Core §3.1.3.7). */
  accepts(issuer: string): boolean {
    return this.byIssuer.has(issuer);
  }

  /** The configured issuer a token claims, read without verification: only for routing, never for trust. */
  claimedIssuer(token: string): ResolvedIssuer | undefined {
    try {
      const iss = decodeJwt(token).iss;
      return typeof iss === 'string' ? this.byIssuer.get(iss)?.config : undefined;
    } catch {
      return undefined;
    }
  }

  /** Verifies `token`; throws {@link OidcTokenError}. */
  async verify(token: string): Promise<VerifiedOidcToken> {
    const claimed = this.claimedIssuer(token);
    if (!claimed) throw new OidcTokenError('ERR_OIDC_ISSUER_UNKNOWN', INVALID);
    const state = this.byIssuer.get(claimed.issuer) as IssuerState;
    const { jwks } = await this.discover(state);
    const c = state.config;
    let payload: JWTPayload;
    try {
      const result = await jwtVerify(token, jwks, {
        // RFC 8725 §3.1: an allowlist of asymmetric algorithms; `none` and HS* never match.
        algorithms: c.algorithms,
        // RFC 9068 §4 / RFC 8725 §3.9: the issuer and our audience, exactly.
        issuer: c.issuer,
        audience: c.audience,
        requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat'],
        clockTolerance: c.clockToleranceSeconds,
        currentDate: new Date(this.now()),
      });
      // RFC 9068 §2.1 / §4: only access tokens (an ID token has the audience of a client, and another typ).
      const typ = typeof result.protectedHeader.typ === 'string' ? normalizeTyp(result.protectedHeader.typ) : '';
      if (!c.types.includes(typ)) throw new OidcTokenError('ERR_OIDC_TOKEN_INVALID', INVALID);
      payload = result.payload;
    } catch (cause) {
      if (cause instanceof OidcTokenError) throw cause;
      if (cause instanceof errors.JWTExpired) throw new OidcTokenError('ERR_OIDC_TOKEN_EXPIRED', 'The access token has expired', { cause });
      throw new OidcTokenError('ERR_OIDC_TOKEN_INVALID', INVALID, { cause });
    }
    if (typeof payload.sub !== 'string' || payload.sub === '' || typeof payload.exp !== 'number') throw new OidcTokenError('ERR_OIDC_TOKEN_INVALID', INVALID);
    return {
      issuerName: c.name,
      issuer: c.issuer,
      subject: payload.sub,
      clientId: clientIdOf(payload),
      scopes: scopesOf(payload),
      expiresAt: payload.exp * 1000,
      tokenId: typeof payload.jti === 'string' ? payload.jti : undefined,
      claims: payload,
    };
  }

  /** Discovery once per issuer, shared by concurrent requests; after a failure, not again before the backoff ends. */
  private discover(state: IssuerState): Promise<Discovered> {
    if (state.discovered) return Promise.resolve(state.discovered);
    if (state.pending) return state.pending;
    if (this.now() < state.retryAt) {
      return Promise.reject(new OidcTokenError('ERR_OIDC_ISSUER_UNAVAILABLE', 'The token issuer cannot be reached; try again shortly'));
    }
    state.pending = this.fetchMetadata(state.config).then(
      (discovered) => {
        state.discovered = discovered;
        state.pending = undefined;
        state.backoffMs = 0;
        return discovered;
      },
      (error: unknown) => {
        state.pending = undefined;
        state.backoffMs = Math.min(state.backoffMs ? state.backoffMs * 2 : this.backoff.initial, this.backoff.max);
        state.retryAt = this.now() + state.backoffMs;
        this.options.onDiscoveryError?.(state.config.issuer, error as Error);
        throw new OidcTokenError('ERR_OIDC_ISSUER_UNAVAILABLE', 'The token issuer cannot be reached; try again shortly', { cause: error });
      },
    );
    return state.pending;
  }

  private async fetchMetadata(c: ResolvedIssuer): Promise<Discovered> {
    const res = await fetch(c.discoveryUrl, { signal: AbortSignal.timeout(this.timeoutMs), redirect: 'error', headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`discovery answered ${res.status}`);
    const metadata = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown };
    // OIDC Discovery §4.3 / RFC 8414 §3.3: the document must name exactly the issuer it was fetched for.
    if (metadata.issuer !== c.issuer) throw new Error(`discovery names issuer ${String(metadata.issuer)}, expected ${c.issuer}`);
    if (typeof metadata.jwks_uri !== 'string') throw new Error('discovery has no jwks_uri');
    const jwksUri = new URL(metadata.jwks_uri);
    // Keys over TLS; plain HTTP only when discovery itself was configured over HTTP (local development).
    if (jwksUri.protocol !== 'https:' && !(jwksUri.protocol === 'http:' && c.discoveryUrl.protocol === 'http:')) {
      throw new Error('jwks_uri must be an https URL');
    }
    return {
      jwks: createRemoteJWKSet(jwksUri, {
        timeoutDuration: this.timeoutMs,
        cooldownDuration: c.jwksCooldownMs,
        cacheMaxAge: c.jwksCacheMaxAgeMs,
      }),
    };
  }
}
