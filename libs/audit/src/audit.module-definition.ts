import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { AuditModuleOptions } from './audit.options.js';

/** Injection token of the validated options ({@link ResolvedAuditOptions}). */
export const AUDIT_MODULE_OPTIONS = 'BASTION:AUDIT_OPTIONS';

export const {
  ConfigurableModuleClass: AuditConfigurableModule,
  // The options as given; only the module reads them, to validate them.
  MODULE_OPTIONS_TOKEN: RAW_AUDIT_OPTIONS,
  OPTIONS_TYPE: AUDIT_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: AUDIT_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AuditModuleOptions>({ moduleName: 'Audit' })
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
