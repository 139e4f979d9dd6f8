import { Global, Inject, Logger, Module, type OnModuleDestroy } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { AUTH_CACHE_BUS, type AuthCacheBus, MemoryAuthCacheBus, RedisAuthCacheBus } from '@bastion/auth';
import { REDIS_CLIENT } from '@bastion/redis';
import type Redis from 'ioredis';
import { cacheConfig } from '../config';
import { PrincipalCache } from './principal-cache.service';

/**
 * The cache bus (Redis pub/sub when REDIS_URL is set, else this process)
 * and the principal cache. Global: the auth, authz, users and API-key
 * features all read or invalidate through it.
 */
@Global()
@Module({
  providers: [
    {
      provide: AUTH_CACHE_BUS,
      inject: [REDIS_CLIENT, cacheConfig.KEY],
      useFactory: (redis: Redis | null, cache: ConfigType<typeof cacheConfig>): AuthCacheBus => {
        if (!redis) {
          if (cache.perProcessStateOnSharedDatabase) {
            new Logger('AuthCache').warn(
              'REDIS_URL is not set: failed-login counts, rate limits and the auth and policy caches are kept by this process only (revocations are read from the database every REVOCATION_SYNC_INTERVAL). Run one API instance on this database, or set REDIS_URL.',
            );
          }
          return new MemoryAuthCacheBus();
        }
        const bus = new RedisAuthCacheBus(redis as never);
        bus.start();
        return bus;
      },
    },
    PrincipalCache,
  ],
  exports: [AUTH_CACHE_BUS, PrincipalCache],
})
export class AuthCacheModule implements OnModuleDestroy {
  constructor(@Inject(AUTH_CACHE_BUS) private readonly bus: AuthCacheBus) {}

  onModuleDestroy(): void {
    if (this.bus instanceof RedisAuthCacheBus) this.bus.stop();
  }
}
