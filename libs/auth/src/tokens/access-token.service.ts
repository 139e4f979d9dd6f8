import { randomUUID, type KeyObject } from 'node:crypto';
import { errors, jwtVerify, SignJWT, type JWTHeaderParameters, type JWTPayload } from 'jose';
import type { Clock } from '../clock.js';
import { AuthError } from '../errors.js';
import { ACCESS_TOKEN_ALG, type JwtKeyProvider } from '../keys/jwt-key-provider.interface.js';

/** RFC 9068 media type of a JWT access token, in the `typ` header. */
export const ACCESS_TOKEN_TYP = 'at+jwt';

/** Settings of {@link AccessTokenService}. */
export interface AccessTokenSettings {
  issuer: string;
  audience: string;
  /** Lifetime in seconds. */
  ttlSeconds: number;
  /** `client_id` claim (RFC 9068 §2.2) of first-party tokens. */
  clientId: string;
  /** Leeway for `exp`/`nbf`/`iat` between machines, seconds. */
  clockToleranceSeconds: number;
}

/** What goes into a new access token besides the registered claims. */
export interface AccessTokenInput {
  sub: string;
  scopes: readonly string[];
  /** App claims (e.g. `tid`, `role`, `sid`); string values only. Registered claim names are refused. */
  claims?: Record<string, string>;
}

/** A signed token and what a caller needs to revoke it later. */
export interface IssuedAccessToken {
  token: string;
  jti: string;
  expiresAt: number;
  expiresIn: number;
}

/** A token whose signature, header and claims all checked out. */
export interface VerifiedAccessToken {
  payload: JWTPayload & { sub: string; jti: string; exp: number; scope?: string };
  header: JWTHeaderParameters;
}

const REGISTERED = new Set(['iss', 'aud', 'sub', 'exp', 'nbf', 'iat', 'jti', 'scope', 'client_id']);

/**
 * Signs and verifies RFC 9068 JWT access tokens with jose. Verification pins
 * ES256, requires `typ: at+jwt`, `iss`, `aud`, `exp`, `iat`, `sub`, `jti`, and
 * takes the key only from the {@link JwtKeyProvider} by `kid`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9068
 * @see https://www.rfc-editor.org/rfc/rfc8725 (JWT best current practices)
 */
export class AccessTokenService {
  constructor(
    private readonly keys: JwtKeyProvider,
    private readonly settings: AccessTokenSettings,
    private readonly clock: Clock,
  ) {}

  get ttlSeconds(): number {
    return this.settings.ttlSeconds;
  }

  async sign(input: AccessTokenInput): Promise<IssuedAccessToken> {
    for (const name of Object.keys(input.claims ?? {})) {
      if (REGISTERED.has(name)) throw new AuthError('ERR_AUTH_OPTIONS', `claim "${name}" is registered and cannot be set by the app`);
    }
    const { kid, privateKey } = await this.keys.signingKey();
    const now = Math.floor(this.clock.now() / 1000);
    const exp = now + this.settings.ttlSeconds;
    const jti = randomUUID();
    const token = await new SignJWT({ ...input.claims, scope: input.scopes.join(' '), client_id: this.settings.clientId })
      .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, kid, typ: ACCESS_TOKEN_TYP })
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience)
      .setSubject(input.sub)
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .setJti(jti)
      .sign(privateKey);
    return { token, jti, expiresAt: exp * 1000, expiresIn: this.settings.ttlSeconds };
  }

  /** Verifies `token`; throws {@link AuthError} `ERR_AUTH_TOKEN_EXPIRED` or `ERR_AUTH_TOKEN_INVALID`. */
  async verify(token: string): Promise<VerifiedAccessToken> {
    try {
      const result = await jwtVerify(token, (header) => this.keyFor(header), {
        // RFC 8725 §3.1: an allowlist of one; `none` and HS* can never match.
        algorithms: [ACCESS_TOKEN_ALG],
        // RFC 9068 §4: reject tokens of another type (e.g. an ID token or a refresh JWT).
        typ: ACCESS_TOKEN_TYP,
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        // RFC 9068 §2.2 lists client_id among the required claims too.
        requiredClaims: ['iss', 'aud', 'exp', 'iat', 'sub', 'jti', 'client_id'],
        currentDate: new Date(this.clock.now()),
        clockTolerance: this.settings.clockToleranceSeconds,
      });
      return { payload: result.payload as VerifiedAccessToken['payload'], header: result.protectedHeader };
    } catch (cause) {
      if (cause instanceof AuthError) throw cause;
      if (cause instanceof errors.JWTExpired) {
        throw new AuthError('ERR_AUTH_TOKEN_EXPIRED', 'The access token has expired', { cause });
      }
      throw new AuthError('ERR_AUTH_TOKEN_INVALID', 'The access token is invalid', { cause });
    }
  }

  // The key comes from our provider by `kid`, never from the token: `jwk`,
  // `jku`, `x5u` and `x5c` headers are ignored (RFC 8725 §3.10; ASVS v5 9.1.3).
  private async keyFor(header: JWTHeaderParameters): Promise<KeyObject> {
    if (typeof header.kid !== 'string' || header.kid === '') {
      throw new AuthError('ERR_AUTH_TOKEN_INVALID', 'The access token is invalid');
    }
    const key = await this.keys.verificationKey(header.kid);
    if (!key) throw new AuthError('ERR_AUTH_TOKEN_INVALID', 'The access token is invalid');
    return key;
  }
}
