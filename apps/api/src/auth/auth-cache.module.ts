import { Global, Inject, Module, type OnModuleDestroy } from '@nestjs/common';
import { AUTH_CACHE_BUS, type AuthCacheBus, MemoryAuthCacheBus, RedisAuthCacheBus } from '@bastion/auth';
import { REDIS_CLIENT } from '@bastion/redis';
import type Redis from 'ioredis';
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
      inject: [REDIS_CLIENT],
      useFactory: (redis: Redis | null): AuthCacheBus => {
        if (!redis) return new MemoryAuthCacheBus();
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
