import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { ThrottlingModuleOptions } from './options.js';

/** Injection token of the validated options ({@link ResolvedThrottlingOptions}). */
export const THROTTLING_MODULE_OPTIONS = 'BASTION:THROTTLING_OPTIONS';

export const {
  ConfigurableModuleClass: ThrottlingConfigurableModule,
  // The options as given; only the module reads them, to validate them.
  MODULE_OPTIONS_TOKEN: RAW_THROTTLING_OPTIONS,
  OPTIONS_TYPE: THROTTLING_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: THROTTLING_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<ThrottlingModuleOptions>({ moduleName: 'Throttling' })
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
