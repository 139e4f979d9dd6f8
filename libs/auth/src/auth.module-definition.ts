import { ConfigurableModuleBuilder, type ExecutionContext } from '@nestjs/common';
import type { AuthCacheBus } from './cache/auth-cache-bus.js';
import type { AuthError } from './errors.js';
import type { RevocationStore } from './revocation/revocation-store.js';
import type { ApiKeyStore } from './api-keys/api-key.service.js';
import type { Clock } from './clock.js';
import type { JwtKeyProvider } from './keys/jwt-key-provider.interface.js';
import type { AttemptStore } from './limits/attempt-store.js';
import type { LoginLimits } from './limits/login-attempt-limiter.js';
import type { PasswordPolicyOptions } from './passwords/password-policy.js';
import type { AuthEventListener } from './events.js';
import type { AuthMethod, ExternalTokenVerifier } from './principal.js';
import type { RefreshTokenStore } from './tokens/refresh-token.service.js';
import type { TokenDenyList } from './tokens/token-deny-list.js';

/** Options of {@link AuthModule}. Every store and provider is pluggable. */
export interface AuthModuleOptions {
  /** `iss` of issued access tokens, and the only issuer accepted. */
  issuer: string;
  /** `aud` of issued access tokens, and the only audience accepted. */
  audience: string;
  /** `client_id` claim of first-party tokens. Default `bastion`. */
  clientId?: string;
  /** Access-token lifetime: `4s`, `15m`, `1h`… Default `15m`. */
  accessTokenTtl?: string;
  /** How long a refresh token stays usable. Default `7d`. */
  refreshTokenTtl?: string;
  /** Longest a login lasts across refreshes. Default `30d`. */
  refreshFamilyTtl?: string;
  /** Leeway for clock differences, seconds. Default 5. */
  clockToleranceSeconds?: number;
  /**
   * Verified access tokens remembered by their exact text, so that a token seen again skips the
   * signature check; still refused at `exp`, when its key leaves the ring, and when revoked.
   * Default 10,000; 0 turns it off.
   */
  verifiedTokenCacheSize?: number;
  /** Signing and verification keys (e.g. a `FileKeyRing` or `KeyRing.fromKeys`). */
  keyProvider: JwtKeyProvider;
  /**
   * Revoked access tokens. Default the module's {@link RevocationList} (durable when `revocationStore`
   * is). `RedisTokenDenyList` is not durable: a Redis that comes back empty forgets every entry.
   */
  denyList?: TokenDenyList;
  /**
   * The source of truth of revocations (logged-out tokens, disabled and signed-out users), e.g. a
   * database table. Default in memory: one instance, lost on restart.
   */
  revocationStore?: RevocationStore;
  /** Tells other instances of a revocation at once (e.g. `RedisAuthCacheBus`); without it they learn at their next poll. */
  revocationBus?: AuthCacheBus;
  /** Poll, reload and staleness bounds of the revocation list, ms (see `RevocationListOptions`). */
  revocationSync?: { intervalMs?: number; resyncIntervalMs?: number; maxStalenessMs?: number };
  /**
   * Called with every request that failed authentication, before its error is answered (see
   * `AuthenticationGuard.rejected`): count it against the address's rate limit, or throw a 429.
   */
  onRejected?: (context: ExecutionContext, error: AuthError) => void | Promise<void>;
  refreshTokenStore: RefreshTokenStore;
  apiKeyStore: ApiKeyStore;
  /** Readable start of every API key. Default `bst_live_`. */
  apiKeyPrefix?: string;
  /** Counters of failed logins. Default in memory; use `RedisAttemptStore` for several instances. */
  attemptStore?: AttemptStore;
  /** Default 5 per 15 min per account, 20 per 15 min per address. */
  loginLimits?: LoginLimits;
  passwordPolicy?: PasswordPolicyOptions;
  /** Credentials a route accepts when it has no `@Auth()`. Default `['jwt']`. */
  defaultMethods?: AuthMethod[];
  /** Token claims copied into `principal.attributes` (e.g. `['tid', 'role']`). */
  attributeClaims?: string[];
  /** `realm` of the `WWW-Authenticate` challenges. Default `bastion`. */
  realm?: string;
  /** Query parameters that must never carry a credential; a request with one is refused. */
  refusedQueryParams?: string[];
  /** The time source. Default the system clock. */
  clock?: Clock;
  /**
   * What to do when a shared store (Redis) does not answer. Default closed
   * for both: a login is refused with 503 rather than let through unlimited,
   * and a bearer token with 503 rather than accepted unchecked for revocation (the revocation list
   * has not been read from its store for `revocationSync.maxStalenessMs`).
   */
  failOpen?: { loginLimits?: boolean; denyList?: boolean };
  /**
   * Access tokens of other issuers (method `oidc`), e.g. `@bastion/auth-oidc`
   * behind an adapter. Default none: only this module's own tokens.
   */
  externalTokens?: ExternalTokenVerifier;
  /** Told of security events the lib sees (refresh reuse, revoked keys used, …) for an audit trail or alerts. */
  onEvent?: AuthEventListener;
}

export const {
  ConfigurableModuleClass: AuthConfigurableModule,
  MODULE_OPTIONS_TOKEN: AUTH_MODULE_OPTIONS,
} = new ConfigurableModuleBuilder<AuthModuleOptions>().setClassMethodName('forRoot').build();
