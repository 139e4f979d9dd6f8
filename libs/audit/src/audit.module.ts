import { Module } from '@nestjs/common';
import { AuditStore } from './audit-store.js';
import { AuditTrail } from './audit-trail.service.js';
import { AUDIT_MODULE_OPTIONS, AuditConfigurableModule, RAW_AUDIT_OPTIONS } from './audit.module-definition.js';
import { validateAuditOptions, type ResolvedAuditOptions } from './audit.options.js';

/**
 * The security audit trail: provides {@link AuditTrail} (record events), the {@link AuditStore} it writes to (for the
 * admin endpoint's search and for verification) and the validated options. Options are validated when the module is
 * built. Global unless `isGlobal: false`.
 *
 * Register it after the module that owns the database connection: Nest destroys modules in the reverse order and
 * `AuditTrail` writes its buffer in `onModuleDestroy`, which must run while the connection is open.
 *
 * @example
 * AuditModule.forRootAsync({
 *   inject: [DATABASE_CONNECTION, ConfigService],
 *   useFactory: (db: DatabaseConnection, config: ConfigService) => ({
 *     store: new SqlAuditStore(auditSessionOf(db)),
 *     hmacKey: config.get('AUDIT_HMAC_KEY'),
 *   }),
 * })
 */
@Module({
  providers: [
    { provide: AUDIT_MODULE_OPTIONS, inject: [RAW_AUDIT_OPTIONS], useFactory: validateAuditOptions },
    { provide: AuditStore, inject: [AUDIT_MODULE_OPTIONS], useFactory: (options: ResolvedAuditOptions) => options.store },
    AuditTrail,
  ],
  exports: [AuditTrail, AuditStore, AUDIT_MODULE_OPTIONS],
})
export class AuditModule extends AuditConfigurableModule {}
