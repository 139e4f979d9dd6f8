// The AuditSqlSession of the specs: a real embedded PostgreSQL (PGlite, in memory) behind the two methods the store
// needs, as an app adapts its own connection.
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { AUDIT_EVENTS_TABLE_SQL } from '../src/audit-events.sql.js';
import type { AuditSqlQuery, AuditSqlSession } from '../src/sql-audit.store.js';

function over(q: PGlite | Transaction): AuditSqlQuery {
  return { query: async (sql, params) => (await q.query<Record<string, unknown>>(sql, params)).rows };
}

export function pgliteSession(db: PGlite): AuditSqlSession {
  return {
    ...over(db),
    async transaction(fn) {
      await db.transaction((tx) => fn(over(tx)));
    },
  };
}

/** An in-memory database with the `audit_events` table. */
export async function openAuditDatabase(): Promise<PGlite> {
  const db = new PGlite();
  await db.exec(AUDIT_EVENTS_TABLE_SQL);
  return db;
}

export async function countRows(db: PGlite): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_events');
  return rows[0]?.n ?? 0;
}
