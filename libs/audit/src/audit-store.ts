import type { AuditHasher } from './audit-chain.js';
import { AUDIT_OUTCOMES, UUID, type AuditEventInput, type AuditEventRecord, type AuditOutcome } from './audit-event.js';
import { AuditError } from './errors.js';

/**
 * Where events are chained and kept. `SqlAuditStore` (PostgreSQL or PGlite) and `MemoryAuditStore` (tests) implement
 * it; for another database, implement the two methods with `chainAuditEvents`.
 *
 * @example
 * constructor(@Inject(AuditStore) private readonly store: AuditStore) {}
 */
export interface AuditStore {
  /**
   * Appends `events`, in order, after the last stored event, as one atomic step: take a lock that every writer of
   * the same table takes (several instances may write), read the last `seq` and `hash`, link the batch with
   * `chainAuditEvents(head, events, hasher)` and insert it, then release the lock. All or none are stored.
   *
   * @param hasher How to hash; `AuditTrail` passes the one its `hmacKey` makes. Default: plain SHA-256.
   */
  appendBatch(events: readonly AuditEventInput[], hasher?: AuditHasher): Promise<void>;
  /** Up to `limit` events with `seq > afterSeq`, in ascending `seq` order, exactly as stored. For the verifier. */
  readChain(afterSeq: number, limit: number): Promise<AuditEventRecord[]>;
}

/** Injection token of the {@link AuditStore} given to `AuditModule` (the interface and the token share the name). */
export const AuditStore = 'BASTION:AUDIT_STORE';

/** A page query of the admin endpoint; every filter is optional. */
export interface AuditSearchQuery {
  action?: string;
  outcome?: AuditOutcome;
  actorId?: string;
  /**
   * Only the events of this tenant (a UUID); events without a tenant are left out too. For an admin who may see
   * only their own tenant's trail: the filter is in the query, so every page is full and no cursor skips over
   * another tenant's events.
   */
  tenantId?: string;
  /** Events at or after this time. */
  from?: Date;
  /** Events before this time. */
  to?: Date;
  /** Page size, 1 to 200. */
  limit: number;
  /** The `nextCursor` of the previous page: events with a smaller `seq`. */
  cursor?: number;
}

/** One page, newest first. `nextCursor` is null on the last page. */
export interface AuditSearchPage {
  items: AuditEventRecord[];
  nextCursor: number | null;
}

/** Largest page {@link AuditSearchQuery.limit} allows. */
export const MAX_SEARCH_LIMIT = 200;

function queryError(field: string, problem: string): AuditError {
  return new AuditError('ERR_AUDIT_QUERY', `audit query "${field}" ${problem}`);
}

function validDate(value: unknown): value is Date {
  return value instanceof Date && Number.isFinite(value.getTime());
}

/**
 * Checks a search query (a controller should have validated its DTO already; this is the last line).
 *
 * @throws {AuditError} `ERR_AUDIT_QUERY`, naming the field.
 */
export function validateSearchQuery(query: AuditSearchQuery): AuditSearchQuery {
  if (typeof query !== 'object' || query === null) throw queryError('query', 'must be an object');
  if (!Number.isSafeInteger(query.limit) || query.limit < 1 || query.limit > MAX_SEARCH_LIMIT) {
    throw queryError('limit', `must be an integer from 1 to ${MAX_SEARCH_LIMIT}`);
  }
  if (query.cursor !== undefined && (!Number.isSafeInteger(query.cursor) || query.cursor < 1)) {
    throw queryError('cursor', 'must be a positive integer');
  }
  if (query.action !== undefined && (typeof query.action !== 'string' || query.action.length > 64)) {
    throw queryError('action', 'must be a string of at most 64 characters');
  }
  if (query.actorId !== undefined && (typeof query.actorId !== 'string' || query.actorId.length > 64)) {
    throw queryError('actorId', 'must be a string of at most 64 characters');
  }
  if (query.tenantId !== undefined && (typeof query.tenantId !== 'string' || !UUID.test(query.tenantId))) {
    throw queryError('tenantId', 'must be a UUID');
  }
  if (query.outcome !== undefined && !AUDIT_OUTCOMES.includes(query.outcome)) {
    throw queryError('outcome', `must be one of ${AUDIT_OUTCOMES.join(', ')}`);
  }
  if (query.from !== undefined && !validDate(query.from)) throw queryError('from', 'must be a valid Date');
  if (query.to !== undefined && !validDate(query.to)) throw queryError('to', 'must be a valid Date');
  return query;
}

/** Checks `readChain`'s arguments, which come from the verifier or a custom caller. */
export function validateChainRange(afterSeq: number, limit: number): void {
  if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) throw queryError('afterSeq', 'must be a non-negative integer');
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 10_000) throw queryError('limit', 'must be an integer from 1 to 10000');
}
