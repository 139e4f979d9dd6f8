export { AuditModule } from './audit.module.js';
export { AUDIT_MODULE_OPTIONS } from './audit.module-definition.js';
export { validateAuditOptions } from './audit.options.js';
export type { AuditModuleOptions, ResolvedAuditOptions, AuditClock } from './audit.options.js';
export { AuditTrail } from './audit-trail.service.js';
export { AuditBackpressureGuard, AUDIT_BACKLOG_RETRY_AFTER_SECONDS } from './audit-backpressure.guard.js';
export { AuditStore, MAX_SEARCH_LIMIT } from './audit-store.js';
export type { AuditSearchQuery, AuditSearchPage } from './audit-store.js';
export { SqlAuditStore, DEFAULT_AUDIT_LOCK_KEY } from './sql-audit.store.js';
export type { AuditSqlSession, AuditSqlQuery, SqlAuditStoreOptions } from './sql-audit.store.js';
export { MemoryAuditStore } from './memory-audit.store.js';
export { AUDIT_EVENTS_TABLE_SQL } from './audit-events.sql.js';
export { AUDIT_OUTCOMES, AUDIT_COLUMN_WIDTHS, normalizeAuditEvent } from './audit-event.js';
export type { AuditEventInput, AuditEventRecord, AuditOutcome, NormalizedAuditEvent } from './audit-event.js';
export { verifyAuditChain } from './verify-audit-chain.js';
export type { AuditVerification, AuditChainProblem, VerifyAuditChainOptions } from './verify-audit-chain.js';
export {
  GENESIS_HASH,
  MIN_HMAC_KEY_BYTES,
  canonicalJson,
  canonicalAuditEncoding,
  chainAuditEvents,
  createAuditHasher,
} from './audit-chain.js';
export type { AuditHasher, AuditChainHead } from './audit-chain.js';
export { redactDetails, REDACTED, TRUNCATED, DETAILS_LIMITS, SECRET_KEY } from './redact.js';
export type { AuditDetails, AuditJson } from './redact.js';
export { AuditError } from './errors.js';
export type { AuditErrorCode } from './errors.js';
