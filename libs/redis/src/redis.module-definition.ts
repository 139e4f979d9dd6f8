import { ConfigurableModuleBuilder } from '@nestjs/common';

/** Options of {@link RedisModule}. */
export interface RedisModuleOptions {
  /** `redis://` or `rediss://` URL. Unset: no Redis; `REDIS_CLIENT` resolves to `null`. */
  url?: string;
  /** Prefix put before every key this app writes, so apps can share a Redis. Default `bastion:`. */
  keyPrefix?: string;
  /**
   * What to do when the server may evict keys (`maxmemory-policy` other than `noeviction`):
   * `warn` (default) logs it at start-up and on each reconnection, `refuse` stops the start-up,
   * `off` does not look.
   */
  settingsCheck?: 'warn' | 'refuse' | 'off';
}

export const {
  ConfigurableModuleClass: RedisConfigurableModule,
  MODULE_OPTIONS_TOKEN: REDIS_MODULE_OPTIONS,
} = new ConfigurableModuleBuilder<RedisModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
