import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { MailModuleOptions } from './options.js';

/** Injection token of the validated options ({@link ResolvedMailOptions}). */
export const MAIL_MODULE_OPTIONS = 'BASTION:MAIL_OPTIONS';

export const {
  ConfigurableModuleClass: MailConfigurableModule,
  // The options as given; only the module reads them, to validate them.
  MODULE_OPTIONS_TOKEN: RAW_MAIL_OPTIONS,
  OPTIONS_TYPE: MAIL_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: MAIL_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<MailModuleOptions>({ moduleName: 'Mail' })
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
