// SqlAuditStore against a real PostgreSQL when AUDIT_PG_URL is set (e.g.
// AUDIT_PG_URL=postgresql://postgres@127.0.0.1:5432/test): several pools, as several app instances would have, write
// batches at the same time. The spec works in a schema of its own and drops it. This file lives outside src/ because
// it reads the environment, which lib code never does (scripts/check-lib-imports.js).
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { AUDIT_EVENTS_TABLE_SQL } from '../src/audit-events.sql';
import { createAuditHasher } from '../src/audit-chain';
import type { AuditEventInput } from '../src/audit-event';
import { SqlAuditStore, type AuditSqlSession } from '../src/sql-audit.store';
import { verifyAuditChain } from '../src/verify-audit-chain';

const url = process.env.AUDIT_PG_URL;
const schema = `audit_spec_${randomBytes(6).toString('hex')}`;

/** The adapter an app without @bastion/database would write for a pg Pool. */
function poolSession(pool: Pool): AuditSqlSession {
  return {
    query: async (sql, params) => (await pool.query(sql, params)).rows,
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await fn({ query: async (sql, params) => (await client.query(sql, params)).rows });
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
  };
}

const events = (n: number, tag: string): AuditEventInput[] =>
  Array.from({ length: n }, (_, i) => ({ action: 'load.test', outcome: 'success', actorType: 'system', actorId: tag, details: { i } }));

(url ? describe : describe.skip)('SqlAuditStore on PostgreSQL', () => {
  const pools: Pool[] = [];
  let admin: Pool;

  beforeAll(async () => {
    admin = new Pool({ connectionString: url, max: 1 });
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.query(`SET search_path TO ${schema}`);
    await admin.query(AUDIT_EVENTS_TABLE_SQL);
    for (let i = 0; i < 4; i += 1) pools.push(new Pool({ connectionString: url, max: 4, options: `-c search_path=${schema}` }));
  });

  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()));
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  });

  const key = randomBytes(32);

  it('keeps one unbroken chain when four instances append 40 batches at once', async () => {
    const hasher = createAuditHasher(key);
    const stores = pools.map((pool) => new SqlAuditStore(poolSession(pool)));
    await Promise.all(Array.from({ length: 40 }, (_, i) => stores[i % 4]!.appendBatch(events(25, `instance-${i % 4}`), hasher)));
    await expect(verifyAuditChain(stores[0]!, { hmacKey: key, pageSize: 250 })).resolves.toMatchObject({ ok: true, count: 1000 });
    const page = await stores[1]!.search({ limit: 200, actorId: 'instance-2' });
    expect(page.items).toHaveLength(200);
    expect(page.items.every((r) => r.actorId === 'instance-2')).toBe(true);
  });

  it('finds a row edited in SQL', async () => {
    await admin.query(`UPDATE ${schema}.audit_events SET details = '{"i": -1}' WHERE seq = 500`);
    await expect(verifyAuditChain(new SqlAuditStore(poolSession(pools[0]!)), { hmacKey: key })).resolves.toEqual({
      ok: false,
      seq: 500,
      problem: 'altered',
    });
  });
});
