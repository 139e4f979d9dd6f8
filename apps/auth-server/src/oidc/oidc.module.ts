import { Inject, Logger, Module, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { AuditTrail } from '@bastion/audit';
import { LoginAttemptLimiter, MemoryAttemptStore, parseDuration, PasswordHasher, RedisAttemptStore, systemClock } from '@bastion/auth';
import { PrismaService } from '@bastion/database';
import { REDIS_CLIENT } from '@bastion/redis';
import type Redis from 'ioredis';
import { authServerConfig, oidcConfig } from '../config';
import { InteractionCsrf } from '../interaction/csrf';
import { InteractionController } from '../interaction/interaction.controller';
import { InteractionService } from '../interaction/interaction.service';
import { createOidcProvider } from './oidc-provider.factory';
import { loadOidcKeys, type OidcKeys } from './oidc-keys';
import { deleteExpiredPayloads } from './prisma-oidc.adapter';
import { INTERACTION_CSRF, OIDC_PROVIDER } from './oidc.tokens';

const OIDC_KEYS = 'BASTION:OIDC_KEYS';

function limit(text: string) {
  const [max, window] = text.split('/') as [string, string];
  return { max: Number(max), windowSeconds: parseDuration(window) };
}

/** Deletes expired codes, tokens, sessions and interactions every ten minutes. */
class ExpiredPayloadSweeper implements OnModuleInit, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private readonly logger = new Logger('OidcStorage');

  constructor(@Inject(PrismaService) private readonly prisma: PrismaService) {}

  onModuleInit(): void {
    this.timer = setInterval(() => {
      deleteExpiredPayloads(this.prisma).catch((error: Error) => this.logger.warn(`could not delete expired OIDC rows: ${error.message}`));
    }, 10 * 60_000);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }
}

/**
 * oidc-provider inside the Nest app: its instance (mounted on the raw HTTP
 * server by bootstrap.ts), the sign-in and consent pages, and the login
 * limits shared with the API.
 */
@Module({
  controllers: [InteractionController],
  providers: [
    {
      provide: OIDC_KEYS,
      inject: [oidcConfig.KEY],
      useFactory: (cfg: ConfigType<typeof oidcConfig>) =>
        loadOidcKeys({ file: cfg.OIDC_JWKS_FILE, createIfMissing: cfg.NODE_ENV !== 'production', cookieKeys: cfg.OIDC_COOKIE_KEYS }),
    },
    {
      provide: OIDC_PROVIDER,
      inject: [oidcConfig.KEY, authServerConfig.KEY, OIDC_KEYS, PrismaService, AuditTrail],
      useFactory: (cfg: ConfigType<typeof oidcConfig>, server: ConfigType<typeof authServerConfig>, keys: OidcKeys, prisma: PrismaService, audit: AuditTrail) =>
        createOidcProvider({
          issuer: cfg.AUTH_SERVER_ISSUER,
          apiResource: cfg.OAUTH_API_RESOURCE,
          keys,
          prisma,
          clientOverrides: { extraRedirectUris: { 'bastion-api': cfg.OAUTH_BASTION_API_REDIRECT_URIS } },
          proxy: server.TRUST_PROXY !== false,
          onTokenError: (e) =>
            audit.record({
              action: 'oauth.token',
              outcome: e.error === 'invalid_client' ? 'denied' : 'failure',
              actorType: 'client',
              actorId: e.clientId ?? null,
              clientAddress: e.address ?? null,
              details: { error: e.error, grantType: e.grantType ?? null },
            }),
        }),
    },
    { provide: INTERACTION_CSRF, inject: [OIDC_KEYS], useFactory: (keys: OidcKeys) => new InteractionCsrf(keys.cookieKeys[0] as string) },
    { provide: PasswordHasher, useFactory: () => new PasswordHasher() },
    {
      provide: LoginAttemptLimiter,
      inject: [oidcConfig.KEY, REDIS_CLIENT],
      // The API's limiter with the API's settings; on Redis the same counters (same key prefix), so
      // guesses cannot be split between POST /v1/auth/login and this form.
      useFactory: (cfg: ConfigType<typeof oidcConfig>, redis: Redis | null) =>
        new LoginAttemptLimiter(
          redis ? new RedisAttemptStore(redis) : new MemoryAttemptStore(systemClock),
          { perAccount: limit(cfg.RATE_LIMIT_LOGIN), perAddress: limit(cfg.RATE_LIMIT_LOGIN_ADDRESS) },
          systemClock,
          cfg.LOGIN_LIMITS_FAIL_OPEN,
        ),
    },
    InteractionService,
    ExpiredPayloadSweeper,
  ],
  exports: [OIDC_PROVIDER],
})
export class OidcModule {}
