export { ThrottlingModule } from './throttling.module';
export { THROTTLING_MODULE_OPTIONS } from './throttling.module-definition';
export { validateThrottlingOptions } from './options';
export type { ThrottlingModuleOptions, ThrottlerPolicy, ResolvedThrottlingOptions } from './options';
export { BastionThrottlerGuard } from './bastion-throttler.guard';
export type { ResolvedThrottler } from './bastion-throttler.guard';
export { RedisThrottlerStorage } from './redis-throttler.storage';
export type { RedisScriptClient, RedisThrottlerStorageOptions, ThrottlerStorageRecord } from './redis-throttler.storage';
export { ThrottlingError } from './errors';
export type { ThrottlingErrorCode } from './errors';
export { parseRate } from './rate';
export type { Rate } from './rate';
// From @nestjs/throttler, so that an app imports rate limiting from one place: the storage
// interface and its injection token (same name), the in-memory default, and the route decorators.
export { ThrottlerStorage, ThrottlerStorageService, Throttle, SkipThrottle } from '@nestjs/throttler';
