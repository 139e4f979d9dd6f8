import { type DynamicModule, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { toThrottlerModuleOptions, validateThrottlingOptions } from './options.js';
import {
  RAW_THROTTLING_OPTIONS,
  THROTTLING_ASYNC_OPTIONS_TYPE,
  THROTTLING_MODULE_OPTIONS,
  THROTTLING_OPTIONS_TYPE,
  ThrottlingConfigurableModule,
} from './throttling.module-definition.js';

// Holds the options so that both this module and ThrottlerModule's options factory can inject
// them: ThrottlerModule is a separate (global) module and sees only what it imports.
@Module({})
class ThrottlingOptionsModule {}

/**
 * Rate limiting on `@nestjs/throttler`, for Express and Fastify. Provides throttler's options and
 * storage (in memory by default) and {@link THROTTLING_MODULE_OPTIONS}; the app registers
 * {@link BastionThrottlerGuard} as `APP_GUARD`. Options are validated when the module is built.
 * Global unless `isGlobal: false`.
 *
 * @example
 * ThrottlingModule.forRootAsync({
 *   inject: [REDIS_CLIENT],
 *   useFactory: (redis: Redis | null) => ({
 *     throttlers: [{ name: 'api', ...parseRate('300/1m') }, { name: 'login', ...parseRate('10/15m') }],
 *     storage: redis ? new RedisThrottlerStorage(redis) : undefined,
 *     failClosed: ['login'],
 *   }),
 * })
 */
@Module({})
export class ThrottlingModule extends ThrottlingConfigurableModule {
  static override forRoot(options: typeof THROTTLING_OPTIONS_TYPE): DynamicModule {
    return wire(super.forRoot(options));
  }

  static override forRootAsync(options: typeof THROTTLING_ASYNC_OPTIONS_TYPE): DynamicModule {
    return wire(super.forRootAsync(options));
  }
}

function wire(base: DynamicModule): DynamicModule {
  const options: DynamicModule = {
    module: ThrottlingOptionsModule,
    imports: base.imports ?? [],
    providers: [
      ...(base.providers ?? []),
      { provide: THROTTLING_MODULE_OPTIONS, inject: [RAW_THROTTLING_OPTIONS], useFactory: validateThrottlingOptions },
    ],
    exports: [THROTTLING_MODULE_OPTIONS],
  };
  // The same object in both import lists: Nest makes one module of it, so the factory runs once.
  const throttler = ThrottlerModule.forRootAsync({
    imports: [options],
    inject: [THROTTLING_MODULE_OPTIONS],
    useFactory: toThrottlerModuleOptions,
  });
  return { module: base.module, global: base.global, imports: [options, throttler], exports: [options, throttler] };
}
