import { chainAuditEvents, createAuditHasher, type AuditHasher } from './audit-chain.js';
import { normalizeAuditEvent, type AuditEventInput, type AuditEventRecord, type AuditOutcome } from './audit-event.js';
import { validateChainRange, validateSearchQuery, type AuditSearchPage, type AuditSearchQuery, type AuditStore } from './audit-store.js';
import { AuditError, optionsError } from './errors.js';
import type { AuditDetails } from './redact.js';

/** Runs one SQL statement with `$1`… parameters and returns its rows. */
export interface AuditSqlQuery {
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
}

/**
 * The SQL access {@link SqlAuditStore} needs, on PostgreSQL or PGlite. `@bastion/database`'s `SqlSession` already
 * has this shape; a Prisma client or a `pg` pool takes a few lines (see the README).
 */
export interface AuditSqlSession extends AuditSqlQuery {
  /**
   * Runs `fn` in one transaction on one connection: committed if it resolves, rolled back if it throws. `fn` runs
   * every statement through `tx`.
   */
  transaction(fn: (tx: AuditSqlQuery) => Promise<void>): Promise<void>;
}

/** Options of {@link SqlAuditStore}. */
export interface SqlAuditStoreOptions {
  /**
   * Key of the PostgreSQL advisory lock that serialises writers of the chain. Default {@link DEFAULT_AUDIT_LOCK_KEY}.
   * Change it only if the app already uses that number for another lock.
   */
  lockKey?: number;
  /** Time source of `occurredAt` for events that come without one (tests). Default `Date.now`. */
  clock?: { now(): number };
}

/** Default advisory lock key: the ASCII bytes of "AUDIT". */
export const DEFAULT_AUDIT_LOCK_KEY = 0x4155444954;

const COLUMNS = [
  'seq',
  'occurred_at',
  'action',
  'outcome',
  'actor_type',
  'actor_id',
  'tenant_id',
  'target_type',
  'target_id',
  'client_address',
  'user_agent',
  'request_id',
  'details',
  'prev_hash',
  'hash',
] as const;
// Casts where PostgreSQL cannot infer the type of a text parameter; the others are assigned to varchar/char columns.
const CASTS: Partial<Record<(typeof COLUMNS)[number], string>> = {
  seq: '::bigint',
  occurred_at: '::timestamptz',
  tenant_id: '::uuid',
  details: '::jsonb',
};
// 15 parameters a row: 1000 rows stay far below PostgreSQL's 65535 parameters per statement.
const ROWS_PER_INSERT = 1000;

// Every value leaves as text that means the same to pg, PGlite and Prisma's drivers, so the hash computed from a
// read matches the one computed before the write whatever the driver's type parsers do. ORDER BY names the table's
// column: a bare "seq" would be the text alias, which sorts "10" before "9".
const SELECT = `SELECT seq::text AS seq,
  to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS occurred_at,
  action, outcome, actor_type, actor_id, tenant_id::text AS tenant_id, target_type, target_id,
  client_address, user_agent, request_id, details::text AS details, prev_hash, hash
FROM audit_events`;

/**
 * The {@link AuditStore} on the `audit_events` table ({@link AUDIT_EVENTS_TABLE_SQL}), for PostgreSQL and PGlite.
 * Each batch is one transaction that takes `pg_advisory_xact_lock(lockKey)`, reads the last event and inserts the
 * batch linked to it, so instances writing to one database keep one unbroken chain.
 *
 * @example
 * new SqlAuditStore({ query: (sql, params) => …, transaction: (fn) => … })
 */
export class SqlAuditStore implements AuditStore {
  private readonly lockKey: number;
  private readonly now: () => number;

  constructor(
    private readonly session: AuditSqlSession,
    options: SqlAuditStoreOptions = {},
  ) {
    if (typeof session?.query !== 'function' || typeof session.transaction !== 'function') {
      throw optionsError('session', 'must have query(sql, params) and transaction(fn)');
    }
    const lockKey = options.lockKey ?? DEFAULT_AUDIT_LOCK_KEY;
    if (!Number.isSafeInteger(lockKey)) throw optionsError('lockKey', 'must be a safe integer');
    this.lockKey = lockKey;
    const clock = options.clock;
    this.now = clock ? () => clock.now() : Date.now;
  }

  async appendBatch(events: readonly AuditEventInput[], hasher: AuditHasher = createAuditHasher()): Promise<void> {
    if (events.length === 0) return;
    // Checked before the lock is taken, so a wrong event fails without making other writers wait.
    const normalized = events.map((event) => normalizeAuditEvent(event, this.now));
    await this.session.transaction(async (tx) => {
      // Held until commit or rollback: the next writer reads the head only after this batch is visible. The lock
      // function returns void, which some drivers (Prisma's raw queries) cannot read: select a constant instead.
      await tx.query('SELECT 1 AS locked FROM pg_advisory_xact_lock($1::bigint)', [String(this.lockKey)]);
      const [last] = await tx.query('SELECT seq::text AS seq, hash FROM audit_events ORDER BY audit_events.seq DESC LIMIT 1');
      const head = last ? { seq: toSeq(last.seq), hash: String(last.hash) } : null;
      const records = chainAuditEvents(head, normalized, hasher, this.now);
      for (let i = 0; i < records.length; i += ROWS_PER_INSERT) {
        const rows = records.slice(i, i + ROWS_PER_INSERT);
        await tx.query(insertSql(rows.length), rows.flatMap(toParams));
      }
    });
  }

  async readChain(afterSeq: number, limit: number): Promise<AuditEventRecord[]> {
    validateChainRange(afterSeq, limit);
    const rows = await this.session.query(`${SELECT} WHERE seq > $1::bigint ORDER BY audit_events.seq ASC LIMIT $2::int`, [String(afterSeq), limit]);
    return rows.map(toRecord);
  }

  /**
   * A page of events for the admin endpoint, newest (highest `seq`) first, filtered by every given field. `from` is
   * inclusive and `to` exclusive. Pass `nextCursor` back as `cursor` for the next page.
   *
   * @throws {AuditError} `ERR_AUDIT_QUERY`, naming the field, for a limit outside 1..200 or another bad field.
   */
  async search(query: AuditSearchQuery): Promise<AuditSearchPage> {
    const q = validateSearchQuery(query);
    const where: string[] = [];
    const params: unknown[] = [];
    const filter = (clause: (param: string) => string, value: unknown) => {
      params.push(value);
      where.push(clause(`$${params.length}`));
    };
    if (q.action !== undefined) filter((p) => `action = ${p}`, q.action);
    if (q.outcome !== undefined) filter((p) => `outcome = ${p}`, q.outcome);
    if (q.actorId !== undefined) filter((p) => `actor_id = ${p}`, q.actorId);
    if (q.tenantId !== undefined) filter((p) => `tenant_id = ${p}::uuid`, q.tenantId.toLowerCase());
    if (q.from !== undefined) filter((p) => `occurred_at >= ${p}::timestamptz`, q.from.toISOString());
    if (q.to !== undefined) filter((p) => `occurred_at < ${p}::timestamptz`, q.to.toISOString());
    if (q.cursor !== undefined) filter((p) => `seq < ${p}::bigint`, String(q.cursor));
    params.push(q.limit + 1);
    const sql = `${SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY audit_events.seq DESC LIMIT $${params.length}::int`;
    const items = (await this.session.query(sql, params)).map(toRecord);
    // One row more than asked says whether another page exists without a count.
    const more = items.length > q.limit;
    if (more) items.length = q.limit;
    return { items, nextCursor: more ? (items[items.length - 1]?.seq ?? null) : null };
  }
}

function insertSql(rows: number): string {
  const values: string[] = [];
  for (let r = 0; r < rows; r += 1) {
    values.push(`(${COLUMNS.map((column, c) => `$${r * COLUMNS.length + c + 1}${CASTS[column] ?? ''}`).join(', ')})`);
  }
  return `INSERT INTO audit_events (${COLUMNS.join(', ')}) VALUES ${values.join(', ')}`;
}

function toParams(r: AuditEventRecord): unknown[] {
  return [
    String(r.seq),
    r.occurredAt,
    r.action,
    r.outcome,
    r.actorType,
    r.actorId,
    r.tenantId,
    r.targetType,
    r.targetId,
    r.clientAddress,
    r.userAgent,
    r.requestId,
    JSON.stringify(r.details),
    r.prevHash,
    r.hash,
  ];
}

function storeError(problem: string): AuditError {
  return new AuditError('ERR_AUDIT_STORE', `audit_events row ${problem}`);
}

function toSeq(value: unknown): number {
  const seq = typeof value === 'bigint' ? Number(value) : typeof value === 'string' ? Number(value) : value;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) throw storeError('has a seq that is not a positive integer');
  return seq;
}

function text(row: Record<string, unknown>, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw storeError(`has no text in "${column}"`);
  return value;
}

function nullableText(row: Record<string, unknown>, column: string): string | null {
  const value = row[column];
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw storeError(`has no text in "${column}"`);
  return value;
}

// Exactly what is stored, wrong values included: the verifier judges them, this only reads.
function toRecord(row: Record<string, unknown>): AuditEventRecord {
  let details: unknown;
  try {
    details = JSON.parse(text(row, 'details'));
  } catch (cause) {
    throw new AuditError('ERR_AUDIT_STORE', 'audit_events row has details that are not JSON', { cause });
  }
  return {
    seq: toSeq(row.seq),
    occurredAt: text(row, 'occurred_at'),
    action: text(row, 'action'),
    outcome: text(row, 'outcome') as AuditOutcome,
    actorType: text(row, 'actor_type'),
    actorId: nullableText(row, 'actor_id'),
    tenantId: nullableText(row, 'tenant_id'),
    targetType: nullableText(row, 'target_type'),
    targetId: nullableText(row, 'target_id'),
    clientAddress: nullableText(row, 'client_address'),
    userAgent: nullableText(row, 'user_agent'),
    requestId: nullableText(row, 'request_id'),
    details: details as AuditDetails,
    prevHash: text(row, 'prev_hash'),
    hash: text(row, 'hash'),
  };
}
