import { ConfigurableModuleBuilder } from '@nestjs/common';

/** Options of {@link RedisModule}. */
export interface RedisModuleOptions {
  /** `redis://` or `rediss://` URL. Unset: no Redis; `REDIS_CLIENT` resolves to `null`. */
  url?: string;
  /** Prefix put before every key this app writes, so apps can share a Redis. Default `bastion:`. */
  keyPrefix?: string;
}

export const {
  ConfigurableModuleClass: RedisConfigurableModule,
  MODULE_OPTIONS_TOKEN: REDIS_MODULE_OPTIONS,
} = new ConfigurableModuleBuilder<RedisModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
