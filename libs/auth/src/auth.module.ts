import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { ApiKeyService } from './api-keys/api-key.service.js';
import { AuthConfigurableModule, AUTH_MODULE_OPTIONS, type AuthModuleOptions } from './auth.module-definition.js';
import { AuthErrorFilter } from './auth-error.filter.js';
import { AuthenticationGuard } from './authentication.guard.js';
import { AUTH_CLOCK, type Clock } from './clock.js';
import { parseDuration } from './duration.js';
import { AuthError } from './errors.js';
import { JWT_KEY_PROVIDER } from './keys/jwt-key-provider.interface.js';
import { MemoryAttemptStore } from './limits/attempt-store.js';
import { LoginAttemptLimiter } from './limits/login-attempt-limiter.js';
import { PasswordHasher } from './passwords/password-hasher.js';
import { PasswordPolicy } from './passwords/password-policy.js';
import { ApiKeyStrategy } from './strategies/api-key.strategy.js';
import { ExternalJwtStrategy } from './strategies/external-jwt.strategy.js';
import { JwtStrategy } from './strategies/jwt.strategy.js';
import { AccessTokenService } from './tokens/access-token.service.js';
import { RefreshTokenService } from './tokens/refresh-token.service.js';
import { DENY_GRACE_MS, TOKEN_DENY_LIST, type TokenDenyList } from './tokens/token-deny-list.js';
import { RevocationList } from './revocation/revocation-list.js';
import { MemoryRevocationStore, REVOCATION_STORE, type RevocationStore } from './revocation/revocation-store.js';

function required<T>(value: T | undefined, name: string): T {
  if (value === undefined || value === null || value === '') throw new AuthError('ERR_AUTH_OPTIONS', `auth option "${name}" is required`);
  return value;
}

// Capped below the deny list's grace period, so a revoked token cannot outlive its entry.
/** The access-token lifetime in seconds: the tokens' `exp` and how long a user-wide revocation must last. */
function accessTokenTtlSeconds(o: AuthModuleOptions): number {
  return parseDuration(o.accessTokenTtl ?? '15m', 'auth option "accessTokenTtl"');
}

function tolerance(seconds = 5): number {
  if (!Number.isInteger(seconds) || seconds < 0 || seconds * 1000 > DENY_GRACE_MS) {
    throw new AuthError('ERR_AUTH_OPTIONS', `auth option "clockToleranceSeconds" must be a whole number from 0 to ${DENY_GRACE_MS / 1000}`);
  }
  return seconds;
}

/**
 * JWT access tokens (jose, ES256, RFC 9068), rotating refresh tokens with
 * reuse detection, API keys, argon2id passwords and login limits, behind one
 * deny-by-default guard. Register {@link AuthenticationGuard} as `APP_GUARD`
 * and {@link AuthErrorFilter} as a global filter.
 *
 * @example
 * AuthModule.forRootAsync({
 *   inject: [PrismaService],
 *   useFactory: async (prisma) => ({
 *     issuer: 'urn:my-app', audience: 'urn:my-app:api',
 *     keyProvider: await FileKeyRing.open({ path: '.data/keys/jwt.json', createIfMissing: true }, systemClock),
 *     refreshTokenStore: new MyRefreshStore(prisma), apiKeyStore: new MyApiKeyStore(prisma),
 *   }),
 * })
 */
@Module({
  imports: [PassportModule],
  providers: [
    {
      provide: AUTH_CLOCK,
      inject: [AUTH_MODULE_OPTIONS],
      useFactory: (o: AuthModuleOptions): Clock => o.clock ?? { now: () => Date.now() },
    },
    {
      provide: JWT_KEY_PROVIDER,
      inject: [AUTH_MODULE_OPTIONS],
      useFactory: (o: AuthModuleOptions) => required(o.keyProvider, 'keyProvider'),
    },
    {
      provide: REVOCATION_STORE,
      inject: [AUTH_MODULE_OPTIONS, AUTH_CLOCK],
      useFactory: (o: AuthModuleOptions, clock: Clock) => o.revocationStore ?? new MemoryRevocationStore(clock),
    },
    {
      provide: RevocationList,
      inject: [AUTH_MODULE_OPTIONS, AUTH_CLOCK, REVOCATION_STORE],
      useFactory: (o: AuthModuleOptions, clock: Clock, store: RevocationStore) =>
        new RevocationList({
          store,
          bus: o.revocationBus,
          clock,
          accessTokenTtlMs: accessTokenTtlSeconds(o) * 1000,
          syncIntervalMs: o.revocationSync?.intervalMs,
          resyncIntervalMs: o.revocationSync?.resyncIntervalMs,
          maxStalenessMs: o.revocationSync?.maxStalenessMs,
          failOpen: o.failOpen?.denyList ?? false,
        }),
    },
    {
      provide: TOKEN_DENY_LIST,
      inject: [AUTH_MODULE_OPTIONS, RevocationList],
      useFactory: (o: AuthModuleOptions, revocations: RevocationList): TokenDenyList => o.denyList ?? revocations,
    },
    {
      provide: AccessTokenService,
      inject: [AUTH_MODULE_OPTIONS, JWT_KEY_PROVIDER, AUTH_CLOCK],
      useFactory: (o: AuthModuleOptions, keys: AuthModuleOptions['keyProvider'], clock: Clock) =>
        new AccessTokenService(
          keys,
          {
            issuer: required(o.issuer, 'issuer'),
            audience: required(o.audience, 'audience'),
            clientId: o.clientId ?? 'bastion',
            ttlSeconds: accessTokenTtlSeconds(o),
            clockToleranceSeconds: tolerance(o.clockToleranceSeconds),
            ...(o.verifiedTokenCacheSize !== undefined ? { verifiedCacheSize: o.verifiedTokenCacheSize } : {}),
          },
          clock,
        ),
    },
    {
      provide: RefreshTokenService,
      inject: [AUTH_MODULE_OPTIONS, TOKEN_DENY_LIST, AUTH_CLOCK],
      useFactory: (o: AuthModuleOptions, denyList: TokenDenyList, clock: Clock) =>
        new RefreshTokenService(
          required(o.refreshTokenStore, 'refreshTokenStore'),
          denyList,
          {
            ttlSeconds: parseDuration(o.refreshTokenTtl ?? '7d', 'auth option "refreshTokenTtl"'),
            familyTtlSeconds: parseDuration(o.refreshFamilyTtl ?? '30d', 'auth option "refreshFamilyTtl"'),
          },
          clock,
          o.onEvent,
        ),
    },
    {
      provide: ApiKeyService,
      inject: [AUTH_MODULE_OPTIONS, AUTH_CLOCK],
      useFactory: (o: AuthModuleOptions, clock: Clock) =>
        new ApiKeyService(required(o.apiKeyStore, 'apiKeyStore'), clock, o.apiKeyPrefix ?? 'bst_live_', 60_000, o.onEvent),
    },
    { provide: PasswordHasher, useFactory: () => new PasswordHasher() },
    {
      provide: PasswordPolicy,
      inject: [AUTH_MODULE_OPTIONS],
      useFactory: (o: AuthModuleOptions) => new PasswordPolicy(o.passwordPolicy),
    },
    {
      provide: LoginAttemptLimiter,
      inject: [AUTH_MODULE_OPTIONS, AUTH_CLOCK],
      useFactory: (o: AuthModuleOptions, clock: Clock) =>
        new LoginAttemptLimiter(
          o.attemptStore ?? new MemoryAttemptStore(clock),
          o.loginLimits ?? { perAccount: { max: 5, windowSeconds: 900 }, perAddress: { max: 20, windowSeconds: 900 } },
          clock,
          o.failOpen?.loginLimits ?? false,
        ),
    },
    JwtStrategy,
    ApiKeyStrategy,
    ExternalJwtStrategy,
    AuthenticationGuard,
    AuthErrorFilter,
  ],
  exports: [
    AUTH_MODULE_OPTIONS,
    AUTH_CLOCK,
    JWT_KEY_PROVIDER,
    TOKEN_DENY_LIST,
    REVOCATION_STORE,
    RevocationList,
    AccessTokenService,
    RefreshTokenService,
    ApiKeyService,
    PasswordHasher,
    PasswordPolicy,
    LoginAttemptLimiter,
    AuthenticationGuard,
    AuthErrorFilter,
  ],
})
export class AuthModule extends AuthConfigurableModule {}
