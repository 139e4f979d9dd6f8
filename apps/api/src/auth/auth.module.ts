import { type ExecutionContext, Inject, Module, type OnModuleDestroy } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { ConfigType } from '@nestjs/config';
import {
  AUTH_CACHE_BUS,
  AUTH_MODULE_OPTIONS,
  type AuthCacheBus,
  type AuthError,
  type AuthEvent,
  AuthenticationGuard,
  type AuthModuleOptions,
  CachedApiKeyStore,
  AuthModule as AuthLibModule,
  type Clock,
  FileKeyRing,
  KeyRing,
  parseDuration,
  RedisAttemptStore,
  validateStoredKeys,
} from '@bastion/auth';
import { ModuleRef } from '@nestjs/core';
import { PrismaService } from '@bastion/database';
import { REDIS_CLIENT } from '@bastion/redis';
import type Redis from 'ioredis';
import { PrismaApiKeyStore } from '../api-keys/prisma-api-key.store';
import { SecurityEvents } from '../audit/security-events.service';
import { authConfig, cacheConfig } from '../config';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { LoginCodeService } from './login-code.service';
import { JwksController } from './jwks.controller';
import { PrismaRefreshTokenStore } from './prisma-refresh-token.store';
import { PrismaRevocationStore } from './prisma-revocation.store';
import { ApiThrottlerGuard } from '../rate-limits/api-throttler.guard';
import { ATTRIBUTE_CLAIMS } from './scopes';
import { ExternalTokens } from '../oidc/external-tokens';
import { ExternalTokensModule } from '../oidc/external-tokens.module';
import { SessionsService } from '../sessions/sessions.service';

function limit(text: string) {
  const [max, window] = text.split('/') as [string, string];
  return { max: Number(max), windowSeconds: parseDuration(window) };
}

const authLib = AuthLibModule.forRootAsync({
  imports: [ExternalTokensModule],
  inject: [authConfig.KEY, PrismaService, REDIS_CLIENT, SecurityEvents, AUTH_CACHE_BUS, cacheConfig.KEY, ExternalTokens, ModuleRef],
  useFactory: async (
    cfg: ConfigType<typeof authConfig>,
    prisma: PrismaService,
    redis: Redis | null,
    events: SecurityEvents,
    bus: AuthCacheBus,
    cache: ConfigType<typeof cacheConfig>,
    external: ExternalTokens,
    moduleRef: ModuleRef,
  ) => {
    // Looked up at the first failure: the rate-limit module's guard, whose counters every instance shares.
    let throttler: ApiThrottlerGuard | undefined;
    const clock: Clock = { now: () => Date.now() };
    const keyProvider = cfg.JWT_SIGNING_KEYS
      ? await KeyRing.fromKeys(validateStoredKeys((JSON.parse(cfg.JWT_SIGNING_KEYS) as { keys: unknown }).keys, 'JWT_SIGNING_KEYS'), clock)
      : await FileKeyRing.open({ path: cfg.JWT_KEYS_FILE, createIfMissing: cfg.NODE_ENV !== 'production' }, clock);
    return {
      issuer: cfg.JWT_ISSUER,
      audience: cfg.JWT_AUDIENCE,
      accessTokenTtl: cfg.JWT_ACCESS_TTL,
      refreshTokenTtl: cfg.JWT_REFRESH_TTL,
      refreshFamilyTtl: cfg.JWT_REFRESH_FAMILY_TTL,
      keyProvider,
      clock,
      // Revocations live in the database; each instance holds them in memory
      // and polls for new ones, and the bus (Redis pub/sub) makes it poll at once.
      // Redis losing its data un-revokes nothing (docs/failure-modes.md#redis).
      revocationStore: new PrismaRevocationStore(prisma, parseDuration(cfg.JWT_ACCESS_TTL) * 1000),
      revocationBus: bus,
      revocationSync: { intervalMs: cfg.REVOCATION_SYNC_INTERVAL, maxStalenessMs: cfg.REVOCATION_MAX_STALENESS },
      // With Redis every instance counts the same failed logins.
      attemptStore: redis ? new RedisAttemptStore(redis) : undefined,
      refreshTokenStore: new PrismaRefreshTokenStore(prisma),
      // A key in use costs no database read per request; a revocation reaches every instance through the bus.
      apiKeyStore: new CachedApiKeyStore(new PrismaApiKeyStore(prisma), { ttlMs: cache.AUTH_CACHE_TTL_MS, bus }),
      apiKeyPrefix: cfg.API_KEY_PREFIX,
      loginLimits: { perAccount: limit(cfg.RATE_LIMIT_LOGIN), perAddress: limit(cfg.RATE_LIMIT_LOGIN_ADDRESS) },
      attributeClaims: [...ATTRIBUTE_CLAIMS],
      defaultMethods: ['jwt'],
      failOpen: { loginLimits: cfg.LOGIN_LIMITS_FAIL_OPEN, denyList: cfg.TOKEN_REVOCATION_FAIL_OPEN },
      onEvent: (event: AuthEvent) => events.fromAuth(event),
      // A request that fails authentication still counts against its address's
      // rate limits (and RATE_LIMIT_AUTH_FAILURES): a flood of forged tokens meets 429.
      // An expired token spends only the api budget: it was ours once, and a
      // busy address behind one NAT sees a steady trickle of them.
      onRejected: async (context: ExecutionContext, error: AuthError) => {
        throttler ??= moduleRef.get(ApiThrottlerGuard, { strict: false }) as ApiThrottlerGuard;
        await (throttler as ApiThrottlerGuard).countFailedAuthentication(context, { failureLimit: error.code !== 'ERR_AUTH_TOKEN_EXPIRED' });
      },
      // Access tokens of OIDC_ISSUERS, on the routes that accept `oidc`.
      externalTokens: external,
    };
  },
});

/**
 * Sign-in, token refresh and logout, the JWKS, and the global
 * authentication guard: every route of the API needs a credential unless
 * it is `@Public()`.
 */
@Module({
  imports: [authLib],
  controllers: [AuthController, JwksController],
  providers: [AuthService, LoginCodeService, SessionsService, { provide: APP_GUARD, useExisting: AuthenticationGuard }],
  exports: [authLib, AuthService, LoginCodeService, SessionsService],
})
export class AuthModule implements OnModuleDestroy {
  constructor(@Inject(AUTH_MODULE_OPTIONS) private readonly options: AuthModuleOptions) {}

  /** The API-key cache stops listening to the bus (a closed app in a process with others must not keep it). */
  onModuleDestroy(): void {
    if (this.options.apiKeyStore instanceof CachedApiKeyStore) this.options.apiKeyStore.close();
  }
}
