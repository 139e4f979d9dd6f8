export { ThrottlingModule } from './throttling.module.js';
export { THROTTLING_MODULE_OPTIONS } from './throttling.module-definition.js';
export { validateThrottlingOptions } from './options.js';
export type { ThrottlingModuleOptions, ThrottlerPolicy, ResolvedThrottlingOptions } from './options.js';
export { BastionThrottlerGuard } from './bastion-throttler.guard.js';
export type { ResolvedThrottler } from './bastion-throttler.guard.js';
export { MemoryThrottlerStorage } from './memory-throttler.storage.js';
export { RedisThrottlerStorage } from './redis-throttler.storage.js';
export type { RedisScriptClient, RedisThrottlerStorageOptions, ThrottlerStorageRecord } from './redis-throttler.storage.js';
export { ThrottlingError } from './errors.js';
export type { ThrottlingErrorCode } from './errors.js';
export { parseRate } from './rate.js';
export type { Rate } from './rate.js';
// From @nestjs/throttler, so that an app imports rate limiting from one place: the storage
// interface and its injection token (same name), and the route decorators.
export { ThrottlerStorage, Throttle, SkipThrottle } from '@nestjs/throttler';
