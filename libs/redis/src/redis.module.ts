import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { RedisConfigurableModule, REDIS_MODULE_OPTIONS, type RedisModuleOptions } from './redis.module-definition';

/** Injection token of the shared ioredis client, or `null` when no URL was configured. */
export const REDIS_CLIENT = 'BASTION:REDIS_CLIENT';

/** Thrown for a bad option; names it. */
export class RedisOptionsError extends Error {
  readonly code = 'ERR_REDIS_OPTIONS';
}

function createClient(options: RedisModuleOptions): Redis | null {
  if (options.url === undefined || options.url === '') return null;
  let protocol: string;
  try {
    protocol = new URL(options.url).protocol;
  } catch {
    throw new RedisOptionsError('redis option "url" is not a valid URL');
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    throw new RedisOptionsError('redis option "url" must be a redis:// or rediss:// URL');
  }
  return new Redis(options.url, {
    keyPrefix: options.keyPrefix ?? 'bastion:',
    // Fail a command fast while Redis is away instead of queueing requests
    // behind it; readiness reports the outage.
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    lazyConnect: false,
  });
}

/**
 * One ioredis client for the whole app, or none.
 *
 * @example
 * RedisModule.forRoot({ url: process.env.REDIS_URL, isGlobal: true })
 */
@Module({
  providers: [
    { provide: REDIS_CLIENT, inject: [REDIS_MODULE_OPTIONS], useFactory: createClient },
  ],
  exports: [REDIS_CLIENT],
})
export class RedisModule extends RedisConfigurableModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly client: Redis | null) {
    super();
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.client || this.client.status === 'end') return;
    // QUIT waits for a connection that may never come; only a ready client gets a polite goodbye.
    if (this.client.status === 'ready') await this.client.quit().catch(() => undefined);
    this.client.disconnect();
  }
}
