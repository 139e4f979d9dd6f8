// SqlAuditStore with several writers appending at once, as several app
// instances would: on the embedded PGlite always (four stores on one
// connection), and on real PostgreSQL with four pools when the suite runs
// against one (npm run test:services sets DATABASE_URL). Each backend works in
// a schema of its own and drops it.
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { AUDIT_EVENTS_TABLE_SQL, type AuditEventInput, type AuditSqlSession, createAuditHasher, SqlAuditStore, verifyAuditChain } from '@bastion/audit';

interface Backend {
  name: string;
  setup(): Promise<{ sessions: AuditSqlSession[]; exec(sql: string): Promise<void>; close(): Promise<void> }>;
}
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

const pglite: Backend = {
  name: 'PGlite (embedded)',
  async setup() {
    const db = new PGlite();
    await db.exec(`CREATE SCHEMA ${schema}; SET search_path TO ${schema};`);
    await db.exec(AUDIT_EVENTS_TABLE_SQL);
    const session: AuditSqlSession = {
      query: async (sql, params) => (await db.query<Record<string, unknown>>(sql, params)).rows,
      transaction: (fn) => db.transaction(async (tx) => fn({ query: async (sql, params) => (await tx.query<Record<string, unknown>>(sql, params)).rows })),
    };
    return { sessions: [session, session, session, session], exec: async (sql) => void (await db.exec(sql)), close: () => db.close() };
  },
};

const postgres = (url: string): Backend => ({
  name: 'PostgreSQL (four pools)',
  async setup() {
    const admin = new Pool({ connectionString: url, max: 1 });
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.query(`SET search_path TO ${schema}`);
    await admin.query(AUDIT_EVENTS_TABLE_SQL);
    const pools = Array.from({ length: 4 }, () => new Pool({ connectionString: url, max: 4, options: `-c search_path=${schema}` }));
    return {
      sessions: pools.map(poolSession),
      exec: async (sql) => void (await admin.query(sql)),
      async close() {
        await Promise.all(pools.map((p) => p.end()));
        await admin.query(`DROP SCHEMA ${schema} CASCADE`);
        await admin.end();
      },
    };
  },
});

const backends: Backend[] = [pglite, ...(process.env.DATABASE_URL ? [postgres(process.env.DATABASE_URL)] : [])];

describe.each(backends)('SqlAuditStore with concurrent writers on $name', (backend) => {
  let env: Awaited<ReturnType<Backend['setup']>>;

  beforeAll(async () => {
    env = await backend.setup();
  });

  afterAll(async () => {
    await env?.close();
  });

  const key = randomBytes(32);

  it('keeps one unbroken chain when four instances append 40 batches at once', async () => {
    const hasher = createAuditHasher(key);
    const stores = env.sessions.map((session) => new SqlAuditStore(session));
    await Promise.all(Array.from({ length: 40 }, (_, i) => stores[i % 4]!.appendBatch(events(25, `instance-${i % 4}`), hasher)));
    await expect(verifyAuditChain(stores[0]!, { hmacKey: key, pageSize: 250 })).resolves.toMatchObject({ ok: true, count: 1000 });
    const page = await stores[1]!.search({ limit: 200, actorId: 'instance-2' });
    expect(page.items).toHaveLength(200);
    expect(page.items.every((r) => r.actorId === 'instance-2')).toBe(true);
  });

  it('finds a row edited in SQL', async () => {
    await env.exec(`UPDATE ${schema}.audit_events SET details = '{"i": -1}' WHERE seq = 500`);
    await expect(verifyAuditChain(new SqlAuditStore(env.sessions[0]!), { hmacKey: key })).resolves.toEqual({
      ok: false,
      seq: 500,
      problem: 'altered',
    });
  });
});
