import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { ObservabilityModuleOptions } from './options.js';

/** Injection token of the validated options ({@link ResolvedObservabilityOptions}). */
export const OBSERVABILITY_OPTIONS = 'BASTION:OBSERVABILITY_OPTIONS';

export const {
  ConfigurableModuleClass: ObservabilityConfigurableModule,
  // The options as given; only the module reads them, to validate them.
  MODULE_OPTIONS_TOKEN: RAW_OBSERVABILITY_OPTIONS,
  OPTIONS_TYPE: OBSERVABILITY_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: OBSERVABILITY_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<ObservabilityModuleOptions>({ moduleName: 'Observability' })
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
