import { Inject, Logger, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { RedisConfigurableModule, REDIS_MODULE_OPTIONS, type RedisModuleOptions } from './redis.module-definition.js';
import { assessRedisSettings, readRedisSettings } from './redis-settings.js';

/** Injection token of the shared ioredis client, or `null` when no URL was configured. */
export const REDIS_CLIENT = 'BASTION:REDIS_CLIENT';

/** Thrown for a bad option; names it. */
export class RedisOptionsError extends Error {
  readonly code = 'ERR_REDIS_OPTIONS';
  override readonly name = 'RedisOptionsError';
}

function createClient(options: RedisModuleOptions): Redis | null {
  if (options.url === undefined || options.url === '') return null;
  try {
    new URL(options.url);
  } catch {
    throw new RedisOptionsError('redis option "url" is not a valid URL');
  }
  // Lower-case and exact: ioredis enables TLS only for a literal "rediss://".
  if (!options.url.startsWith('redis://') && !options.url.startsWith('rediss://')) {
    throw new RedisOptionsError('redis option "url" must start with redis:// or rediss:// (lower case)');
  }
  const client = new Redis(options.url, {
    keyPrefix: options.keyPrefix ?? 'bastion:',
    // A command waits through one reconnection attempt at most, then fails,
    // so requests do not pile up behind an outage; readiness reports it.
    maxRetriesPerRequest: 1,
    lazyConnect: false,
  });
  // Without a listener ioredis prints every connection error with a stack.
  // The message alone: it never holds the URL or its password.
  const logger = new Logger('Redis');
  let lastLogged = '';
  client.on('error', (error: Error) => {
    if (error.message !== lastLogged) logger.warn(`redis: ${error.message}`);
    lastLogged = error.message;
  });
  client.on('ready', () => (lastLogged = ''));
  return client;
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
export class RedisModule extends RedisConfigurableModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Redis');

  constructor(
    @Inject(REDIS_CLIENT) private readonly client: Redis | null,
    @Inject(REDIS_MODULE_OPTIONS) private readonly options: RedisModuleOptions,
  ) {
    super();
  }

  /**
   * Checks the server's settings (`settingsCheck`): at start-up when Redis
   * answers within 2 s, and again each time the client reconnects (a restart
   * or a failover may bring other settings). `refuse` stops the start-up on
   * an evicting `maxmemory-policy`; later it can only warn.
   */
  async onApplicationBootstrap(): Promise<void> {
    const mode = this.options.settingsCheck ?? 'warn';
    const client = this.client;
    if (!client || mode === 'off') return;
    let starting = true;
    client.on('ready', () => {
      if (!starting) void this.checkSettings(client, 'warn').catch(() => undefined);
    });
    try {
      if (client.status !== 'ready') await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('not ready within 2 s')), 2000);
        client.once('ready', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      await this.checkSettings(client, mode);
    } catch (error) {
      if (error instanceof RedisOptionsError) throw error;
      this.logger.warn(`redis settings not checked at start-up (${(error as Error).message}); checked when it connects`);
    } finally {
      starting = false;
    }
  }

  private async checkSettings(client: Redis, mode: 'warn' | 'refuse'): Promise<void> {
    for (const f of assessRedisSettings(await readRedisSettings(client as never))) {
      const text = `redis ${f.setting} ${f.message}`;
      if (f.level === 'error' && mode === 'refuse') throw new RedisOptionsError(`${text} (redis option "settingsCheck" is refuse)`);
      if (f.level === 'error') this.logger.warn(text);
      else this.logger.log(text);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.client || this.client.status === 'end') return;
    // QUIT waits for a connection that may never come; only a ready client gets a polite goodbye.
    if (this.client.status === 'ready') await this.client.quit().catch(() => undefined);
    this.client.disconnect();
  }
}
