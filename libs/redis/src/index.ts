export { RedisModule, REDIS_CLIENT, RedisOptionsError } from './redis.module.js';
export { REDIS_MODULE_OPTIONS } from './redis.module-definition.js';
export type { RedisModuleOptions } from './redis.module-definition.js';
export { assessRedisSettings, readRedisSettings } from './redis-settings.js';
export type { RedisSettings, RedisSettingsFinding, RedisConfigClient } from './redis-settings.js';
