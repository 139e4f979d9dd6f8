import { Global, Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { AuditBackpressureGuard, AuditModule as AuditLibModule, type AuditSqlSession, SqlAuditStore } from '@bastion/audit';
import { DATABASE_CONNECTION, type DatabaseConnection } from '@bastion/database';
import { observabilityConfig } from '../config';
import { AuthzModule } from '../authz/authz.module';
import { AuditEventsController } from './audit-events.controller';
import { SecurityEvents } from './security-events.service';

/** The audit lib's SQL on the app's database: plain sessions, no migration lock. */
export function auditSessionOf(db: DatabaseConnection): AuditSqlSession {
  return {
    query: (sql, params) => db.session((s) => s.query(sql, params)),
    transaction: (fn) => db.session((s) => s.transaction(fn)),
  };
}

/**
 * The audit trail of the demo: every security event, hash-chained, written
 * in batches off the request's path; `GET /v1/audit-events` for admins.
 * Registered after the database module, so that on shutdown the buffer is
 * written before the database closes.
 */
@Global()
@Module({
  imports: [
    AuditLibModule.forRootAsync({
      inject: [DATABASE_CONNECTION, observabilityConfig.KEY],
      useFactory: (db: DatabaseConnection, cfg: ConfigType<typeof observabilityConfig>) => ({
        store: new SqlAuditStore(auditSessionOf(db)),
        hmacKey: cfg.AUDIT_HMAC_KEY,
      }),
    }),
    AuthzModule,
  ],
  controllers: [AuditEventsController],
  // Writes are refused (503 ERR_AUDIT_BACKLOG) before any security event would be dropped.
  providers: [SecurityEvents, { provide: APP_GUARD, useClass: AuditBackpressureGuard }],
  exports: [SecurityEvents],
})
export class AuditModule {}
