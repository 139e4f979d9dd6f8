import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { ConfigType } from '@nestjs/config';
import { REDIS_CLIENT } from '@bastion/redis';
import { parseRate, RedisThrottlerStorage, ThrottlingModule } from '@bastion/throttling';
import type Redis from 'ioredis';
import { accountsConfig, rateLimitConfig } from '../config';
import { ACCOUNTS, ApiThrottlerGuard, AUTH_FAILURES } from './api-throttler.guard';

/**
 * Request limits: `api` per client on every route, `refresh`,
 * `apiKeyCreate` and `accounts` on their routes, `authFailures` per address on requests
 * that fail authentication. In memory, or in Redis (atomic, shared by
 * every instance) when REDIS_URL is set. Import it after the auth module:
 * its guard must run after authentication to count principals.
 */
@Module({
  imports: [
    ThrottlingModule.forRootAsync({
      inject: [rateLimitConfig.KEY, accountsConfig.KEY, REDIS_CLIENT],
      useFactory: (cfg: ConfigType<typeof rateLimitConfig>, accounts: ConfigType<typeof accountsConfig>, redis: Redis | null) => ({
        throttlers: [
          { name: 'api', ...parseRate(cfg.RATE_LIMIT_API, 'RATE_LIMIT_API') },
          { name: 'refresh', ...parseRate(cfg.RATE_LIMIT_REFRESH, 'RATE_LIMIT_REFRESH') },
          { name: 'apiKeyCreate', ...parseRate(cfg.RATE_LIMIT_API_KEY_CREATE, 'RATE_LIMIT_API_KEY_CREATE') },
          { name: AUTH_FAILURES, ...parseRate(cfg.RATE_LIMIT_AUTH_FAILURES, 'RATE_LIMIT_AUTH_FAILURES') },
          // Sign-up, verification, resend, forgot/reset password, invitations: per client across those routes.
          { name: ACCOUNTS, ...parseRate(accounts.RATE_LIMIT_ACCOUNTS, 'RATE_LIMIT_ACCOUNTS') },
        ],
        failedAuthentication: AUTH_FAILURES,
        storage: redis ? new RedisThrottlerStorage(redis) : undefined,
        // Writes that mint credentials never go unlimited; reads and failed authentications follow RATE_LIMIT_FAIL_OPEN.
        failClosed: cfg.RATE_LIMIT_FAIL_OPEN ? ['refresh', 'apiKeyCreate', ACCOUNTS] : ['api', 'refresh', 'apiKeyCreate', ACCOUNTS, AUTH_FAILURES],
      }),
    }),
  ],
  // A provider of its own (not only APP_GUARD) so that the authentication
  // guard's rejection hook can count failures with it (apps/api/src/auth/auth.module.ts).
  providers: [ApiThrottlerGuard, { provide: APP_GUARD, useExisting: ApiThrottlerGuard }],
  exports: [ApiThrottlerGuard],
})
export class RateLimitsModule {}
