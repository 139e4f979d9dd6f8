import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { normalizeAuditEvent, type AuditEventInput, type AuditEventRecord } from './audit-event.js';
import { optionsError } from './errors.js';

/** The `prev_hash` of the first event: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/** Shortest HMAC key accepted: 256 bits, the output size of SHA-256 (NIST SP 800-107 §5.3.4). */
export const MIN_HMAC_KEY_BYTES = 32;

/** The last event of a chain, which the next one links to. */
export interface AuditChainHead {
  seq: number;
  hash: string;
}

/** Hashes a canonical encoding; made by {@link createAuditHasher}. The key, if any, stays inside. */
export interface AuditHasher {
  readonly algorithm: 'sha256' | 'hmac-sha256';
  /** Lower-case hex of SHA-256 (or HMAC-SHA-256) over the UTF-8 bytes of `canonical`. */
  digest(canonical: string): string;
}

/**
 * A hasher for the chain: HMAC-SHA-256 with `hmacKey`, or plain SHA-256 without one.
 *
 * Without a key the chain shows edits made by someone who does not recompute the hashes; anyone who can write the
 * table can also recompute them. With a key kept out of the database, a forged or edited row cannot get a valid hash.
 *
 * @throws {AuditError} `ERR_AUDIT_OPTIONS` when the key is shorter than 32 bytes or not a string or bytes.
 */
export function createAuditHasher(hmacKey?: string | Uint8Array): AuditHasher {
  if (hmacKey === undefined) {
    return { algorithm: 'sha256', digest: (canonical) => createHash('sha256').update(canonical, 'utf8').digest('hex') };
  }
  let key: Buffer;
  if (typeof hmacKey === 'string') key = Buffer.from(hmacKey, 'utf8');
  else if (hmacKey instanceof Uint8Array) key = Buffer.from(hmacKey);
  else throw optionsError('hmacKey', 'must be a string or a Uint8Array');
  if (key.length < MIN_HMAC_KEY_BYTES) throw optionsError('hmacKey', `must be at least ${MIN_HMAC_KEY_BYTES} bytes`);
  return { algorithm: 'hmac-sha256', digest: (canonical) => createHmac('sha256', key).update(canonical, 'utf8').digest('hex') };
}

/**
 * Deterministic JSON: object keys sorted by UTF-16 code units, no whitespace, strings and numbers as
 * `JSON.stringify` writes them (the same as RFC 8785 for the values `details` can hold).
 *
 * @see https://www.rfc-editor.org/rfc/rfc8785
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  const object = value as Record<string, unknown>;
  const members = Object.keys(object)
    .filter((key) => object[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key])}`);
  return `{${members.join(',')}}`;
}

/**
 * What an event's hash covers: {@link canonicalJson} of every column but `hash`, under the column names.
 *
 * @example
 * canonicalAuditEncoding(record)
 * // {"action":"auth.login","actor_id":"u1","actor_type":"user","client_address":null,"details":{},
 * //  "occurred_at":"2025-01-31T09:15:00.123Z","outcome":"failure","prev_hash":"000…0","request_id":null,
 * //  "seq":1,"target_id":null,"target_type":null,"tenant_id":null,"user_agent":null}
 */
export function canonicalAuditEncoding(record: Omit<AuditEventRecord, 'hash'>): string {
  return canonicalJson({
    seq: record.seq,
    occurred_at: record.occurredAt,
    action: record.action,
    outcome: record.outcome,
    actor_type: record.actorType,
    actor_id: record.actorId,
    tenant_id: record.tenantId,
    target_type: record.targetType,
    target_id: record.targetId,
    client_address: record.clientAddress,
    user_agent: record.userAgent,
    request_id: record.requestId,
    details: record.details,
    prev_hash: record.prevHash,
  });
}

/**
 * Links `events` after `head` (null: the chain is empty): seq `head.seq + 1`, `+ 2`…, each `prevHash` the hash of the
 * one before. A store calls it inside its lock, with the head it has just read, and inserts the result as is.
 * Events are normalized again (idempotent), so a store never writes a secret or a value that would read back different.
 *
 * @throws {AuditError} `ERR_AUDIT_EVENT` for an event `normalizeAuditEvent` refuses.
 */
export function chainAuditEvents(
  head: AuditChainHead | null,
  events: readonly AuditEventInput[],
  hasher: AuditHasher = createAuditHasher(),
  now: () => number = Date.now,
): AuditEventRecord[] {
  let seq = head?.seq ?? 0;
  let prevHash = head?.hash ?? GENESIS_HASH;
  return events.map((event) => {
    const normalized = normalizeAuditEvent(event, now);
    seq += 1;
    const unhashed: Omit<AuditEventRecord, 'hash'> = { ...normalized, seq, occurredAt: normalized.occurredAt.toISOString(), prevHash };
    const hash = hasher.digest(canonicalAuditEncoding(unhashed));
    prevHash = hash;
    return { ...unhashed, hash };
  });
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Whether `record.hash` is the hash of the rest of `record`, compared in constant time. */
export function auditHashMatches(record: AuditEventRecord, hasher: AuditHasher): boolean {
  if (typeof record.hash !== 'string' || !HEX64.test(record.hash)) return false;
  const { hash, ...rest } = record;
  const expected = hasher.digest(canonicalAuditEncoding(rest));
  return timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(hash, 'hex'));
}
