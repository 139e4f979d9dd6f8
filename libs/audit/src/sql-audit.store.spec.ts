import type { PGlite } from '@electric-sql/pglite';
import { createHash, randomBytes } from 'node:crypto';
import { countRows, openAuditDatabase, pgliteSession } from '../test/pglite-session.js';
import { GENESIS_HASH, canonicalAuditEncoding, createAuditHasher } from './audit-chain.js';
import type { AuditEventInput, AuditEventRecord } from './audit-event.js';
import type { AuditStore } from './audit-store.js';
import { AuditTrail } from './audit-trail.service.js';
import { validateAuditOptions } from './audit.options.js';
import { AuditError } from './errors.js';
import { MemoryAuditStore } from './memory-audit.store.js';
import { SqlAuditStore, type AuditSqlSession } from './sql-audit.store.js';
import { verifyAuditChain } from './verify-audit-chain.js';

const KEY = randomBytes(32);

function events(n: number, from = 0): AuditEventInput[] {
  return Array.from({ length: n }, (_, i) => ({
    action: i % 2 ? 'auth.login' : 'doc.read',
    outcome: i % 3 === 0 ? 'denied' : 'success',
    actorType: 'user',
    actorId: `user-${(from + i) % 4}`,
    tenantId: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    targetType: 'document',
    targetId: `doc-${from + i}`,
    clientAddress: '203.0.113.7',
    userAgent: 'jest',
    requestId: `req-${from + i}`,
    details: { n: from + i },
    occurredAt: new Date(Date.UTC(2025, 0, 1, 0, 0, from + i)),
  }));
}

// What someone with write access to the table but without the key can do: recompute a row's hash with plain SHA-256.
function sha256Of(record: Omit<AuditEventRecord, 'hash'>): string {
  return createHash('sha256').update(canonicalAuditEncoding(record), 'utf8').digest('hex');
}

// Inserts a row as the attacker wrote it, every column given.
async function insertRow(db: PGlite, r: AuditEventRecord): Promise<void> {
  await db.query(
    `INSERT INTO audit_events (seq, occurred_at, action, outcome, actor_type, actor_id, tenant_id, target_type, target_id,
       client_address, user_agent, request_id, details, prev_hash, hash)
     VALUES ($1, $2::timestamptz, $3, $4, $5, $6, $7::uuid, $8, $9, $10, $11, $12, $13::jsonb, $14, $15)`,
    [r.seq, r.occurredAt, r.action, r.outcome, r.actorType, r.actorId, r.tenantId, r.targetType, r.targetId, r.clientAddress,
      r.userAgent, r.requestId, JSON.stringify(r.details), r.prevHash, r.hash],
  );
}

async function rehashFrom(db: PGlite, store: SqlAuditStore, seq: number): Promise<void> {
  for (const record of await store.readChain(seq - 1, 10_000)) {
    await db.query('UPDATE audit_events SET hash = $1 WHERE seq = $2', [sha256Of(record), record.seq]);
  }
}

describe('SqlAuditStore on PGlite', () => {
  let db: PGlite;
  let store: SqlAuditStore;

  beforeAll(async () => {
    db = await openAuditDatabase();
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(async () => {
    await db.exec('TRUNCATE audit_events');
    store = new SqlAuditStore(pgliteSession(db));
  });

  it('chains several batches into one chain that verifies', async () => {
    await store.appendBatch(events(3));
    await store.appendBatch(events(5, 3));
    await store.appendBatch(events(2, 8));
    const chain = await store.readChain(0, 100);
    expect(chain.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(chain[0]!.prevHash).toBe(GENESIS_HASH);
    expect(chain[0]).toMatchObject({ action: 'doc.read', occurredAt: '2025-01-01T00:00:00.000Z', details: { n: 0 }, targetId: 'doc-0' });
    await expect(verifyAuditChain(store)).resolves.toEqual({ ok: true, count: 10, last: { seq: 10, hash: chain[9]!.hash } });
    await expect(verifyAuditChain(store, { pageSize: 3 })).resolves.toMatchObject({ ok: true, count: 10 });
  });

  it('verifies an empty chain', async () => {
    await expect(verifyAuditChain(store)).resolves.toEqual({ ok: true, count: 0, last: null });
  });

  it('reads back exactly what it hashed, odd values included', async () => {
    await store.appendBatch([
      {
        action: 'odd.values',
        outcome: 'failure',
        actorType: 'anonymous',
        tenantId: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
        userAgent: 'Mozilla/5.0 \u0000 ☃ 😀 \uD800',
        occurredAt: new Date('2025-06-30T23:59:59.999Z'),
        details: {
          float: 0.1 + 0.2,
          tiny: 5e-324,
          huge: 1e300,
          int: 2 ** 60,
          neg: -0,
          text: 'é\n"quoted"\t\\ 😀',
          nested: { z: 1, a: [true, null, { b: 'c' }] },
          keyOrder: { bb: 1, a: 2, ccc: 3 },
        },
      },
      { action: 'bare', outcome: 'success', actorType: 'system' },
    ]);
    await expect(verifyAuditChain(store)).resolves.toMatchObject({ ok: true, count: 2 });
    const [odd] = await store.readChain(0, 1);
    expect(odd).toMatchObject({ tenantId: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', userAgent: 'Mozilla/5.0  ☃ 😀 \uFFFD' });
  });

  it('takes the advisory transaction lock before reading the head, inside the transaction', async () => {
    const log: string[] = [];
    const inner = pgliteSession(db);
    const spy: AuditSqlSession = {
      query: (sql, params) => inner.query(sql, params),
      transaction: (fn) =>
        inner.transaction((tx) => {
          log.push('BEGIN');
          return fn({ query: (sql, params) => (log.push(sql.replace(/\s+/g, ' ').slice(0, 80)), tx.query(sql, params)) });
        }),
    };
    await new SqlAuditStore(spy, { lockKey: 42 }).appendBatch(events(2));
    expect(log).toEqual([
      'BEGIN',
      'SELECT 1 AS locked FROM pg_advisory_xact_lock($1::bigint)',
      expect.stringMatching(/^SELECT seq::text AS seq, hash FROM audit_events ORDER/),
      expect.stringMatching(/^INSERT INTO audit_events/),
    ]);
  });

  it('writes all of a batch or none of it', async () => {
    await store.appendBatch(events(2));
    const inner = pgliteSession(db);
    const failing: AuditSqlSession = {
      query: inner.query,
      transaction: (fn) =>
        inner.transaction((tx) =>
          fn({
            query: async (sql, params) => {
              const rows = await tx.query(sql, params);
              if (sql.startsWith('INSERT')) throw new Error('connection lost after the insert');
              return rows;
            },
          }),
        ),
    };
    await expect(new SqlAuditStore(failing).appendBatch(events(3, 2))).rejects.toThrow('connection lost');
    expect(await countRows(db)).toBe(2);
    await store.appendBatch(events(1, 5));
    await expect(verifyAuditChain(store)).resolves.toMatchObject({ ok: true, count: 3 });
  });

  it('refuses a wrong event before taking the lock', async () => {
    await expect(store.appendBatch([{ ...events(1)[0]!, outcome: 'maybe' as never }])).rejects.toMatchObject({ code: 'ERR_AUDIT_EVENT' });
    expect(await countRows(db)).toBe(0);
  });

  describe('finds tampering', () => {
    beforeEach(async () => {
      await store.appendBatch(events(4));
      await store.appendBatch(events(6, 4));
    });

    it('a row whose details were edited in SQL: altered at that seq', async () => {
      await db.query(`UPDATE audit_events SET details = '{"n": 999}' WHERE seq = 4`);
      await expect(verifyAuditChain(store)).resolves.toEqual({ ok: false, seq: 4, problem: 'altered' });
    });

    it('a row whose outcome, actor or time was edited: altered', async () => {
      await db.query(`UPDATE audit_events SET outcome = CASE outcome WHEN 'success' THEN 'failure' ELSE 'success' END WHERE seq = 7`);
      await expect(verifyAuditChain(store)).resolves.toEqual({ ok: false, seq: 7, problem: 'altered' });
      await db.exec('TRUNCATE audit_events');
      await store.appendBatch(events(3));
      await db.query(`UPDATE audit_events SET actor_id = 'someone-else' WHERE seq = 3`);
      await expect(verifyAuditChain(store)).resolves.toEqual({ ok: false, seq: 3, problem: 'altered' });
      await db.exec('TRUNCATE audit_events');
      await store.appendBatch(events(3));
      await db.query(`UPDATE audit_events SET occurred_at = occurred_at + interval '1 millisecond' WHERE seq = 2`);
      await expect(verifyAuditChain(store)).resolves.toEqual({ ok: false, seq: 2, problem: 'altered' });
    });

    it('a deleted middle row: gap at the next seq', async () => {
      await db.query('DELETE FROM audit_events WHERE seq = 5');
      await expect(verifyAuditChain(store)).resolves.toEqual({ ok: false, seq: 6, problem: 'gap' });
    });

    it('a deleted first row: gap at seq 2', async () => {
      await db.query('DELETE FROM audit_events WHERE seq = 1');
      await expect(verifyAuditChain(store)).resolves.toEqual({ ok: false, seq: 2, problem: 'gap' });
    });

    it('a deleted row with the rest renumbered: altered, or broken-link once the hashes are recomputed', async () => {
      await db.query('DELETE FROM audit_events WHERE seq = 5');
      await db.query('UPDATE audit_events SET seq = seq + 1000 WHERE seq > 5');
      await db.query('UPDATE audit_events SET seq = seq - 1001 WHERE seq > 1000');
      await expect(verifyAuditChain(store)).resolves.toEqual({ ok: false, seq: 5, problem: 'altered' });
      await rehashFrom(db, store, 5);
      await expect(verifyAuditChain(store)).resolves.toEqual({ ok: false, seq: 5, problem: 'broken-link' });
    });

    it('the first rows deleted, the rest renumbered and rehashed: first-link', async () => {
      await db.query('DELETE FROM audit_events WHERE seq <= 3');
      await db.query('UPDATE audit_events SET seq = seq - 3');
      await rehashFrom(db, store, 1);
      await expect(verifyAuditChain(store)).resolves.toEqual({ ok: false, seq: 1, problem: 'first-link' });
    });

    it('a forged row appended with a made-up hash: altered', async () => {
      const [last] = await store.readChain(9, 1);
      await db.query(
        `INSERT INTO audit_events (seq, occurred_at, action, outcome, actor_type, prev_hash, hash)
         VALUES (11, now(), 'auth.login', 'success', 'user', $1, $2)`,
        [last!.hash, 'f'.repeat(64)],
      );
      await expect(verifyAuditChain(store)).resolves.toEqual({ ok: false, seq: 11, problem: 'altered' });
    });

    it('a forged row inserted in the middle, rows after it shifted: detected at the first row after it', async () => {
      await db.query('UPDATE audit_events SET seq = seq + 1000 WHERE seq >= 4');
      await db.query('UPDATE audit_events SET seq = seq - 999 WHERE seq >= 1000');
      const [before] = await store.readChain(2, 1);
      const forged: Omit<AuditEventRecord, 'hash'> = {
        ...before!,
        seq: 4,
        action: 'policy.update',
        details: { granted: 'admin' },
        prevHash: before!.hash,
      };
      await insertRow(db, { ...forged, hash: sha256Of(forged) });
      // Without a key the forged row's own hash is right; the row after it still names seq 4 in its hash.
      await expect(verifyAuditChain(store)).resolves.toEqual({ ok: false, seq: 5, problem: 'altered' });
    });
  });

  describe('with an HMAC key', () => {
    const hasher = createAuditHasher(KEY);

    beforeEach(async () => {
      await store.appendBatch(events(5), hasher);
    });

    it('verifies with the key only', async () => {
      await expect(verifyAuditChain(store, { hmacKey: KEY })).resolves.toMatchObject({ ok: true, count: 5 });
      await expect(verifyAuditChain(store, { hmacKey: randomBytes(32) })).resolves.toEqual({ ok: false, seq: 1, problem: 'altered' });
      await expect(verifyAuditChain(store)).resolves.toEqual({ ok: false, seq: 1, problem: 'altered' });
    });

    it('an edit with the hash recomputed without the key: altered', async () => {
      await db.query(`UPDATE audit_events SET outcome = 'success' WHERE seq = 1`);
      await rehashFrom(db, store, 1);
      await expect(verifyAuditChain(store, { hmacKey: KEY })).resolves.toEqual({ ok: false, seq: 1, problem: 'altered' });
    });

    it('a forged row appended with a correct link and a SHA-256 hash: altered', async () => {
      const [last] = await store.readChain(4, 1);
      const forged: Omit<AuditEventRecord, 'hash'> = { ...last!, seq: 6, prevHash: last!.hash, action: 'auth.login' };
      await insertRow(db, { ...forged, hash: sha256Of(forged) });
      await expect(verifyAuditChain(store, { hmacKey: KEY })).resolves.toEqual({ ok: false, seq: 6, problem: 'altered' });
    });
  });

  it('keeps one unbroken chain when two AuditTrail instances write to the same database at once', async () => {
    const trail = () =>
      new AuditTrail(
        validateAuditOptions({ store: new SqlAuditStore(pgliteSession(db)), hmacKey: KEY, batchSize: 7, flushIntervalMs: 60_000 }),
      );
    const [a, b] = [trail(), trail()];
    for (const [i, event] of events(200).entries()) (i % 2 ? a : b).record(event);
    // Explicit flushes race with the background writes that full batches started.
    await Promise.all([a.flush(), b.flush(), a.flush(), b.flush()]);
    expect(a.depth + b.depth).toBe(0);
    expect(await countRows(db)).toBe(200);
    await expect(verifyAuditChain(store, { hmacKey: KEY })).resolves.toMatchObject({ ok: true, count: 200 });
    await Promise.all([a.onApplicationShutdown(), b.onApplicationShutdown()]);
  });

  it('keeps one chain when one store gets many batches at once', async () => {
    const other = new SqlAuditStore(pgliteSession(db));
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? store : other).appendBatch(events(5, i * 5))));
    await expect(verifyAuditChain(store)).resolves.toMatchObject({ ok: true, count: 100 });
  });

  it('refuses bad options, naming them', () => {
    expect(() => new SqlAuditStore(pgliteSession(db), { lockKey: 1.5 })).toThrow('audit option "lockKey" must be a safe integer');
    expect(() => new SqlAuditStore({} as AuditSqlSession)).toThrow(AuditError);
  });
});

interface SearchableStore {
  store: AuditStore & Pick<SqlAuditStore, 'search'>;
  close(): Promise<void>;
}

describe.each<[string, () => Promise<SearchableStore>]>([
  [
    'SqlAuditStore',
    async () => {
      const db = await openAuditDatabase();
      return { store: new SqlAuditStore(pgliteSession(db)), close: () => db.close() };
    },
  ],
  ['MemoryAuditStore', async () => ({ store: new MemoryAuditStore(), close: async () => undefined })],
])('%s.search', (_name, open) => {
  let opened: SearchableStore;
  let store: SearchableStore['store'];

  beforeAll(async () => {
    opened = await open();
    store = opened.store;
    await store.appendBatch(events(30));
  });
  afterAll(() => opened.close());

  it('pages newest first with a cursor until the end', async () => {
    const seen: number[] = [];
    let cursor: number | undefined;
    for (;;) {
      const page = await store.search({ limit: 8, ...(cursor === undefined ? {} : { cursor }) });
      seen.push(...page.items.map((r) => r.seq));
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => 30 - i));
  });

  it('filters by action, outcome, actor and time', async () => {
    const page = await store.search({
      action: 'auth.login',
      outcome: 'denied',
      actorId: 'user-3',
      from: new Date(Date.UTC(2025, 0, 1, 0, 0, 3)),
      to: new Date(Date.UTC(2025, 0, 1, 0, 0, 27)),
      limit: 200,
    });
    // Odd i (auth.login), i % 3 == 0 (denied), i % 4 == 3 (user-3), 3 <= i < 27: i = 3, 15.
    expect(page).toEqual({ items: [expect.objectContaining({ seq: 16 }), expect.objectContaining({ seq: 4 })], nextCursor: null });
    expect(page.items[0]).toMatchObject({ action: 'auth.login', outcome: 'denied', actorId: 'user-3', targetId: 'doc-15' });
  });

  it.each([
    [{ limit: 0 }, 'limit'],
    [{ limit: 201 }, 'limit'],
    [{ limit: 10, cursor: 0 }, 'cursor'],
    [{ limit: 10, outcome: 'ok' }, 'outcome'],
    [{ limit: 10, from: new Date('x') }, 'from'],
  ])('refuses %j with ERR_AUDIT_QUERY naming "%s"', async (query, field) => {
    await expect(store.search(query as never)).rejects.toMatchObject({ code: 'ERR_AUDIT_QUERY', message: expect.stringContaining(`"${field}"`) });
  });

  // Last: it appends events of another tenant and without one (seq 31 to 36).
  it('filters by tenant in the query: full pages, cursors that skip no event of the tenant, nothing of another', async () => {
    const other = 'b1eebc99-9c0b-4ef8-bb6d-6bb9bd380a22';
    await store.appendBatch(events(6, 30).map((e, i) => ({ ...e, tenantId: i % 2 ? other : null })));
    const first = await store.search({ tenantId: other, limit: 2 });
    expect(first.items.map((r) => r.seq)).toEqual([36, 34]);
    const second = await store.search({ tenantId: other, limit: 2, cursor: first.nextCursor as number });
    expect([second.items.map((r) => r.seq), second.nextCursor]).toEqual([[32], null]);
    // Any case; a full page of the first tenant's events although the six newest are not theirs.
    const own = await store.search({ tenantId: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', limit: 5 });
    expect(own.items.map((r) => r.seq)).toEqual([30, 29, 28, 27, 26]);
    await expect(store.search({ tenantId: "' OR 1=1 --", limit: 5 })).rejects.toMatchObject({ code: 'ERR_AUDIT_QUERY', message: expect.stringContaining('"tenantId"') });
  });
});
