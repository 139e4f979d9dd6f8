export { AuditModule } from './audit.module';
export { AUDIT_MODULE_OPTIONS } from './audit.module-definition';
export { validateAuditOptions } from './audit.options';
export type { AuditModuleOptions, ResolvedAuditOptions, AuditClock } from './audit.options';
export { AuditTrail } from './audit-trail.service';
export { AuditStore, MAX_SEARCH_LIMIT } from './audit-store';
export type { AuditSearchQuery, AuditSearchPage } from './audit-store';
export { SqlAuditStore, DEFAULT_AUDIT_LOCK_KEY } from './sql-audit.store';
export type { AuditSqlSession, AuditSqlQuery, SqlAuditStoreOptions } from './sql-audit.store';
export { MemoryAuditStore } from './memory-audit.store';
export { AUDIT_EVENTS_TABLE_SQL } from './audit-events.sql';
export { AUDIT_OUTCOMES, AUDIT_COLUMN_WIDTHS, normalizeAuditEvent } from './audit-event';
export type { AuditEventInput, AuditEventRecord, AuditOutcome, NormalizedAuditEvent } from './audit-event';
export { verifyAuditChain } from './verify-audit-chain';
export type { AuditVerification, AuditChainProblem, VerifyAuditChainOptions } from './verify-audit-chain';
export {
  GENESIS_HASH,
  MIN_HMAC_KEY_BYTES,
  canonicalJson,
  canonicalAuditEncoding,
  chainAuditEvents,
  createAuditHasher,
} from './audit-chain';
export type { AuditHasher, AuditChainHead } from './audit-chain';
export { redactDetails, REDACTED, TRUNCATED, DETAILS_LIMITS, SECRET_KEY } from './redact';
export type { AuditDetails, AuditJson } from './redact';
export { AuditError } from './errors';
export type { AuditErrorCode } from './errors';
