import { blindIndex, decryptField, encryptField, kidOf, parseCiphertext } from './cipher.js';
import { FieldEncryptionError } from './errors.js';
import type { FieldKeyRing } from './key-ring.js';
import type { ResolvedField } from './options.js';

/** Runs one SQL statement with `$1`… parameters and returns its rows (e.g. pg's `client.query(...).rows`). */
export type SqlQuery = (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>;

/** A stored value and its row. */
export interface StoredValue {
  id: string;
  value: string;
}

/** Reads and swaps stored values of one encrypted column; what rotation and the key check need. */
export interface FieldRowStore {
  /** Up to `limit` non-null values not under key `kid`, with ids after `after`, in id order. */
  pending(f: ResolvedField, kid: string, after: string | undefined, limit: number): Promise<StoredValue[]>;
  /** Writes `next` (and the blind index) only if the row still holds `previous`: a concurrent write wins. */
  replace(f: ResolvedField, id: string, previous: string, next: string, index?: string): Promise<boolean>;
  /** Rows per key id (a value that is not a ciphertext counts under its second dot-separated part, usually ""). */
  countByKid(f: ResolvedField): Promise<Map<string, number>>;
  /** Up to `perKid` rows per key id. */
  samplePerKid(f: ResolvedField, perKid: number): Promise<StoredValue[]>;
}

const q = (identifier: string) => `"${identifier}"`;

/**
 * {@link FieldRowStore} in PostgreSQL (or PGlite). Identifiers come from the
 * checked field map (plain identifiers only) and are quoted; values are
 * parameters. Rows are walked in primary-key order, so a batch is an index range.
 */
export class SqlFieldStore implements FieldRowStore {
  constructor(private readonly query: SqlQuery) {}

  async pending(f: ResolvedField, kid: string, after: string | undefined, limit: number): Promise<StoredValue[]> {
    const rows = await this.query(
      `SELECT ${q(f.idColumn)}::text AS id, ${q(f.column)} AS value FROM ${q(f.table)}
       WHERE ${q(f.column)} IS NOT NULL AND split_part(${q(f.column)}, '.', 2) <> $1 ${after === undefined ? '' : `AND ${q(f.idColumn)} > $3`}
       ORDER BY ${q(f.idColumn)} LIMIT $2`,
      after === undefined ? [kid, limit] : [kid, limit, after],
    );
    return rows.map((r) => ({ id: String(r.id), value: String(r.value) }));
  }

  async replace(f: ResolvedField, id: string, previous: string, next: string, index?: string): Promise<boolean> {
    const setIndex = f.blindIndex && index !== undefined ? `, ${q(f.blindIndex.column)} = $4` : '';
    const rows = await this.query(
      `UPDATE ${q(f.table)} SET ${q(f.column)} = $1${setIndex} WHERE ${q(f.idColumn)} = $2 AND ${q(f.column)} = $3 RETURNING ${q(f.idColumn)}::text AS id`,
      setIndex ? [next, id, previous, index] : [next, id, previous],
    );
    return rows.length === 1;
  }

  async countByKid(f: ResolvedField): Promise<Map<string, number>> {
    const rows = await this.query(
      `SELECT split_part(${q(f.column)}, '.', 2) AS kid, count(*)::int AS n FROM ${q(f.table)} WHERE ${q(f.column)} IS NOT NULL GROUP BY 1`,
      [],
    );
    return new Map(rows.map((r) => [String(r.kid), Number(r.n)]));
  }

  async samplePerKid(f: ResolvedField, perKid: number): Promise<StoredValue[]> {
    const rows = await this.query(
      `SELECT id, value FROM (
         SELECT ${q(f.idColumn)}::text AS id, ${q(f.column)} AS value,
                row_number() OVER (PARTITION BY split_part(${q(f.column)}, '.', 2) ORDER BY ${q(f.idColumn)}) AS rn
         FROM ${q(f.table)} WHERE ${q(f.column)} IS NOT NULL) s
       WHERE rn <= $1`,
      [perKid],
    );
    return rows.map((r) => ({ id: String(r.id), value: String(r.value) }));
  }
}

/** Options of {@link reencryptFields}. */
export interface ReencryptOptions {
  store: FieldRowStore;
  ring: FieldKeyRing;
  fields: ResolvedField[];
  /** Rows per batch. Default 500. */
  batchSize?: number;
  /** Encrypt values that are not ciphertexts (a column that held plaintext before encryption was turned on). Default false. */
  adoptPlaintext?: boolean;
  /** Called after each batch. */
  onBatch?: (progress: { model: string; field: string; done: number }) => void;
}

/** What {@link reencryptFields} did. */
export interface ReencryptReport {
  /** Values now under the active key. */
  reencrypted: number;
  /** Plaintext values encrypted (adoptPlaintext). */
  adopted: number;
  /** Values that could not be decrypted: left as they are (never their content). */
  failed: { model: string; field: string; id: string; code: string }[];
  /** Rows per key id per column after the run: `Model.field` → kid → count. */
  remaining: Record<string, Record<string, number>>;
}

/**
 * Re-encrypts every value of `fields` that is not under the ring's active key,
 * in batches of `batchSize` in primary-key order. Resumable and idempotent:
 * progress is the data itself (a row under the active key is skipped), so a
 * run that stops halfway continues where it left off and a second run finds
 * nothing to do. Each write is a compare-and-set, so a concurrent write by
 * the application wins and is picked up by the next pass; reads keep working
 * throughout because every key stays in the ring until no row uses it.
 */
export async function reencryptFields(options: ReencryptOptions): Promise<ReencryptReport> {
  const { store, ring, fields } = options;
  const batchSize = options.batchSize ?? 500;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) throw new FieldEncryptionError('ERR_FIELD_OPTIONS', 'rotation option "batchSize" must be 1-100000');
  const report: ReencryptReport = { reencrypted: 0, adopted: 0, failed: [], remaining: {} };
  const failedIds = new Set<string>();
  // A pass that lost races to the application runs again; a few passes settle any realistic write rate.
  for (let pass = 0; pass < 5; pass += 1) {
    let lost = 0;
    for (const f of fields) {
      const active = ring.active.kid;
      let after: string | undefined;
      let done = 0;
      for (;;) {
        const rows = await store.pending(f, active, after, batchSize);
        if (!rows.length) break;
        for (const row of rows) {
          after = row.id;
          const ctx = { model: f.model, field: f.field, id: row.id };
          let plain: string;
          let adopted = false;
          try {
            if (!parseCiphertext(row.value) && options.adoptPlaintext) {
              plain = row.value;
              adopted = true;
            } else {
              plain = decryptField(ring, row.value, ctx);
            }
          } catch (error) {
            const key = `${f.model}.${f.field}:${row.id}`;
            if (!failedIds.has(key)) report.failed.push({ ...ctx, code: (error as FieldEncryptionError).code ?? 'ERR_FIELD_INTEGRITY' });
            failedIds.add(key);
            continue;
          }
          const next = encryptField(ring, plain, ctx);
          const index = f.blindIndex ? blindIndex(ring, f.model, f.field, f.blindIndex.normalize(plain)) : undefined;
          if (await store.replace(f, row.id, row.value, next, adopted ? index : undefined)) {
            if (adopted) report.adopted += 1;
            else report.reencrypted += 1;
            done += 1;
          } else {
            lost += 1;
          }
        }
        options.onBatch?.({ model: f.model, field: f.field, done });
      }
    }
    if (!lost) break;
  }
  for (const f of fields) report.remaining[`${f.model}.${f.field}`] = Object.fromEntries(await store.countByKid(f));
  return report;
}

/** Key ids still used by some row of `report` (besides `activeKid`). */
export function keysInUse(report: ReencryptReport, activeKid: string): string[] {
  const used = new Set<string>();
  for (const byKid of Object.values(report.remaining)) for (const [kid, n] of Object.entries(byKid)) if (n > 0 && kid !== activeKid) used.add(kid);
  return [...used];
}

/**
 * Start-up check: for each key id found in each encrypted column, a few
 * stored values must decrypt with the ring. A key id the ring lacks, or a
 * key that decrypts none of its samples (a wrong key under the right id),
 * stops start-up with one message per problem, instead of failing request
 * after request later. One bad row among good ones is not a key problem:
 * that row answers with an integrity error when read.
 */
export async function verifyFieldKeys(store: FieldRowStore, ring: FieldKeyRing, fields: ResolvedField[], perKid = 3): Promise<void> {
  const problems: string[] = [];
  for (const f of fields) {
    const byKid = new Map<string, StoredValue[]>();
    for (const row of await store.samplePerKid(f, perKid)) {
      const kid = kidOf(row.value) ?? '';
      byKid.set(kid, [...(byKid.get(kid) ?? []), row]);
    }
    for (const [kid, rows] of byKid) {
      const where = `${f.model}.${f.field}`;
      if (!kid) {
        problems.push(`${where} holds values that are not encrypted (encrypt them with the rotation command's --encrypt-plaintext)`);
      } else if (!ring.key(kid)) {
        problems.push(`${where} has rows encrypted with key ${kid}, which is not in the key ring`);
      } else if (!rows.some((row) => succeeds(() => decryptField(ring, row.value, { model: f.model, field: f.field, id: row.id })))) {
        problems.push(`${where}: key ${kid} decrypts none of the rows it encrypted (a wrong key under that id?)`);
      }
    }
  }
  if (problems.length) throw new FieldEncryptionError('ERR_FIELD_KEYS', problems.join('; '));
}

function succeeds(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
}
