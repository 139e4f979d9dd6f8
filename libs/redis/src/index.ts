export { RedisModule, REDIS_CLIENT, RedisOptionsError } from './redis.module';
export { REDIS_MODULE_OPTIONS } from './redis.module-definition';
export type { RedisModuleOptions } from './redis.module-definition';
