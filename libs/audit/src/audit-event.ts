import { AuditError } from './errors.js';
import { redactDetails, type AuditDetails } from './redact.js';
import { storableText, truncateText } from './text.js';

/** How an attempt ended. `denied`: refused by a policy (authorization, rate limit, network rule). */
export type AuditOutcome = 'success' | 'failure' | 'denied';

/** Every {@link AuditOutcome}, the allowlist `record()` checks against. */
export const AUDIT_OUTCOMES: readonly AuditOutcome[] = Object.freeze(['success', 'failure', 'denied'] as const);

/**
 * One security event as the app reports it to `AuditTrail.record()` (or a store's `appendBatch`).
 *
 * Fields a program chooses (`action`, `outcome`, `actorType`, `targetType`, `tenantId`) are checked and a wrong one
 * throws `AuditError` (`ERR_AUDIT_EVENT`), so that a typo fails in tests, not silently in production. Fields that may
 * come from a client (ids, address, user agent, request id) are never refused: they are cut to their column's width.
 */
export interface AuditEventInput {
  /** What was attempted, e.g. `auth.login`, `policy.update`: 1–64 letters, digits, `.`, `_`, `:`, `-`. */
  action: string;
  outcome: AuditOutcome;
  /** Who acted, e.g. `user`, `api-key`, `client`, `system`, `anonymous`: 1–32 characters like `action`. */
  actorType: string;
  /** The actor's id (cut at 64 characters). */
  actorId?: string | null;
  /** The tenant the event belongs to: a UUID (stored lower-case). */
  tenantId?: string | null;
  /** What was acted on, e.g. `document`, `policy`: 1–32 characters like `action`. */
  targetType?: string | null;
  /** Its id (cut at 64 characters). */
  targetId?: string | null;
  /** The client's address as the HTTP adapter computed it (cut at 64). */
  clientAddress?: string | null;
  /** The `User-Agent` header (cut at 512). */
  userAgent?: string | null;
  /** The request id that also appears in the log lines of the request (cut at 128). */
  requestId?: string | null;
  /** Anything else an investigator needs; passed through {@link redactDetails} before it is buffered. */
  details?: Record<string, unknown>;
  /** When it happened (millisecond precision). Default: when `record()` is called. */
  occurredAt?: Date;
}

/** One stored event, as `readChain` and `search` return it: the columns of `audit_events`. */
export interface AuditEventRecord {
  /** 1, 2, 3…: consecutive, with no gap, in the order the events were chained. */
  seq: number;
  /** UTC, ISO 8601 with milliseconds: `2025-01-31T09:15:00.123Z`. */
  occurredAt: string;
  action: string;
  /** As stored; an edited row may hold anything, which verification reports. */
  outcome: AuditOutcome;
  actorType: string;
  actorId: string | null;
  tenantId: string | null;
  targetType: string | null;
  targetId: string | null;
  clientAddress: string | null;
  userAgent: string | null;
  requestId: string | null;
  details: AuditDetails;
  /** The `hash` of the event before, or 64 zeros for the first. */
  prevHash: string;
  /** SHA-256 (or HMAC-SHA-256) of the canonical encoding of every other column, lower-case hex. */
  hash: string;
}

/** An event after {@link normalizeAuditEvent}: every field present, nothing that cannot be stored as it is. */
export type NormalizedAuditEvent = Required<Omit<AuditEventInput, 'details'>> & { details: AuditDetails };

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
/** A UUID, any case (tenant ids). */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Column widths of `audit_events`, in characters. */
export const AUDIT_COLUMN_WIDTHS = Object.freeze({
  action: 64,
  actorType: 32,
  actorId: 64,
  targetType: 32,
  targetId: 64,
  clientAddress: 64,
  userAgent: 512,
  requestId: 128,
});

function eventError(field: string, problem: string): AuditError {
  return new AuditError('ERR_AUDIT_EVENT', `audit event "${field}" ${problem}`);
}

function name(event: AuditEventInput, field: 'action' | 'actorType', max: number): string {
  const value: unknown = event[field];
  if (typeof value !== 'string' || value.length > max || !NAME.test(value)) {
    throw eventError(field, `must be 1-${max} letters, digits, ".", "_", ":" or "-", starting with a letter or digit`);
  }
  return value;
}

function optionalText(event: AuditEventInput, field: keyof typeof AUDIT_COLUMN_WIDTHS): string | null {
  const value: unknown = event[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw eventError(field, 'must be a string or null');
  return storableText(truncateText(value, AUDIT_COLUMN_WIDTHS[field]));
}

/**
 * Checks an event and brings it to the form that is stored: defaults filled in, client-supplied text cut to its
 * column, `tenantId` lower-cased, `details` redacted. Idempotent, so a store may apply it again.
 *
 * @throws {AuditError} `ERR_AUDIT_EVENT`, naming the field, for a wrong `action`, `outcome`, `actorType`,
 *   `targetType`, `tenantId` or `occurredAt`, or a field of the wrong type.
 */
export function normalizeAuditEvent(event: AuditEventInput, now: () => number = Date.now): NormalizedAuditEvent {
  if (typeof event !== 'object' || event === null) throw eventError('event', 'must be an object');
  const action = name(event, 'action', AUDIT_COLUMN_WIDTHS.action);
  if (!AUDIT_OUTCOMES.includes(event.outcome)) throw eventError('outcome', `must be one of ${AUDIT_OUTCOMES.join(', ')}`);
  const actorType = name(event, 'actorType', AUDIT_COLUMN_WIDTHS.actorType);

  let targetType: string | null = null;
  if (event.targetType !== undefined && event.targetType !== null) {
    if (typeof event.targetType !== 'string' || event.targetType.length > AUDIT_COLUMN_WIDTHS.targetType || !NAME.test(event.targetType)) {
      throw eventError('targetType', 'must be null or 1-32 letters, digits, ".", "_", ":" or "-", starting with a letter or digit');
    }
    targetType = event.targetType;
  }

  let tenantId: string | null = null;
  if (event.tenantId !== undefined && event.tenantId !== null) {
    // The column is a uuid, which PostgreSQL prints lower-case: the hash must cover what reads back.
    if (typeof event.tenantId !== 'string' || !UUID.test(event.tenantId)) throw eventError('tenantId', 'must be null or a UUID');
    tenantId = event.tenantId.toLowerCase();
  }

  const occurredAt = event.occurredAt ?? new Date(now());
  if (!(occurredAt instanceof Date) || !(occurredAt.getTime() >= 0) || !ISO_MS.test(occurredAt.toISOString())) {
    throw eventError('occurredAt', 'must be a valid Date from 1970 to 9999');
  }

  if (event.details !== undefined && (typeof event.details !== 'object' || event.details === null)) {
    throw eventError('details', 'must be an object');
  }

  return {
    action,
    outcome: event.outcome,
    actorType,
    actorId: optionalText(event, 'actorId'),
    tenantId,
    targetType,
    targetId: optionalText(event, 'targetId'),
    clientAddress: optionalText(event, 'clientAddress'),
    userAgent: optionalText(event, 'userAgent'),
    requestId: optionalText(event, 'requestId'),
    details: redactDetails(event.details),
    occurredAt: new Date(occurredAt.getTime()),
  };
}
