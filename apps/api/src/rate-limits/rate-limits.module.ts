import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { ConfigType } from '@nestjs/config';
import { REDIS_CLIENT } from '@bastion/redis';
import { parseRate, RedisThrottlerStorage, ThrottlingModule } from '@bastion/throttling';
import type Redis from 'ioredis';
import { rateLimitConfig } from '../config';
import { ApiThrottlerGuard } from './api-throttler.guard';

/**
 * Request limits: `api` per client on every route, `refresh` and
 * `apiKeyCreate` on their routes. In memory, or in Redis (atomic, shared by
 * every instance) when REDIS_URL is set. Import it after the auth module:
 * its guard must run after authentication to count principals.
 */
@Module({
  imports: [
    ThrottlingModule.forRootAsync({
      inject: [rateLimitConfig.KEY, REDIS_CLIENT],
      useFactory: (cfg: ConfigType<typeof rateLimitConfig>, redis: Redis | null) => ({
        throttlers: [
          { name: 'api', ...parseRate(cfg.RATE_LIMIT_API, 'RATE_LIMIT_API') },
          { name: 'refresh', ...parseRate(cfg.RATE_LIMIT_REFRESH, 'RATE_LIMIT_REFRESH') },
          { name: 'apiKeyCreate', ...parseRate(cfg.RATE_LIMIT_API_KEY_CREATE, 'RATE_LIMIT_API_KEY_CREATE') },
        ],
        storage: redis ? new RedisThrottlerStorage(redis) : undefined,
        // Writes that mint credentials never go unlimited; reads follow RATE_LIMIT_FAIL_OPEN.
        failClosed: cfg.RATE_LIMIT_FAIL_OPEN ? ['refresh', 'apiKeyCreate'] : ['api', 'refresh', 'apiKeyCreate'],
      }),
    }),
  ],
  providers: [{ provide: APP_GUARD, useClass: ApiThrottlerGuard }],
})
export class RateLimitsModule {}
