import { AuditTrail } from '@bastion/audit';
import { Client } from 'pg';
import { SecurityEvents } from '../apps/api/src/audit/security-events.service';
import { baseEnv, prepareDatabase, startApi, type Env, type RunningApp } from './support/harness';
import { call, DEMO_PASSWORD, type Reply } from './support/http';
import { PgCluster } from '../scripts/fault-drill-services';

// A real PostgreSQL server of this file's own, stopped (`pg_ctl stop -m immediate`, SIGKILL) and started again
// under a running API: every refusal is a bounded 503 problem with Retry-After, never a 500 or a hang, and the
// API recovers without a restart. Nothing is mocked.
const ADAPTERS = ['fastify', 'express'] as const;
// The limits the API runs with here; a refusal must come within them plus a margin.
const STATEMENT_TIMEOUT_MS = 1500;
const POOL_TIMEOUT_MS = 1500;
const BOUND_MS = 5000;

jest.setTimeout(120_000);

function expectUnavailable(res: Reply, what: string): void {
  expect({ what, status: res.status }).toEqual({ what, status: 503 });
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body.code).toBe('ERR_DATABASE_UNAVAILABLE');
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  // Nothing internal: no driver, host, port, SQLSTATE or library name.
  expect(JSON.stringify(res.body)).not.toMatch(/ECONN|127\.0\.0\.1|:\d{4,5}|57P0|prisma|pg_|postgres|terminat|stack/i);
}

/** Sends a request and measures how long the answer took. */
async function timed(fn: () => Promise<Reply>): Promise<Reply & { ms: number }> {
  const started = Date.now();
  const res = await fn();
  return { ...res, ms: Date.now() - started };
}

async function waitUntil(fn: () => Promise<boolean>, ms: number, what: string): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < ms) {
    if (await fn()) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no ${what} within ${ms} ms`);
}

describe('PostgreSQL outage (e2e, a real server killed and restarted)', () => {
  let cluster: PgCluster;
  let env: Env;

  beforeAll(async () => {
    cluster = await PgCluster.temporary('bastion_database_outage');
    env = {
      ...baseEnv(),
      DATABASE_URL: cluster.url,
      EMBEDDED_DB_DIR: undefined,
      REDIS_URL: undefined,
      DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
      DATABASE_POOL_TIMEOUT_MS: String(POOL_TIMEOUT_MS),
      DATABASE_POOL_SIZE: '4',
    };
    const db = await prepareDatabase(env);
    await db.close();
  });

  afterAll(async () => cluster?.destroy());
  // A test that failed while the server was down leaves it down: the next one starts from a running server.
  afterEach(async () => cluster?.ensureStarted());

  describe.each(ADAPTERS)('on %s', (adapter) => {
    let api: RunningApp;
    let token: string;
    let apiKey: string;
    let refreshToken: string;

    beforeAll(async () => {
      api = await startApi({ ...env, HTTP_ADAPTER: adapter });
      const signedIn = await call(api.url, 'POST', '/v1/auth/login', { body: { email: 'alice@example.com', password: DEMO_PASSWORD } });
      expect(signedIn.status).toBe(200);
      token = signedIn.body.accessToken;
      refreshToken = signedIn.body.refreshToken;
      const key = await call(api.url, 'POST', '/v1/api-keys', { token, body: { name: `outage-${adapter}`, scopes: ['documents:read', 'documents:write'] } });
      expect(key.status).toBe(201);
      apiKey = key.body.key;
    });

    afterAll(async () => {
      await api?.close();
    });

    it('answers 503 problems with Retry-After while the server is down, within the bound, and recovers by itself', async () => {
      expect((await call(api.url, 'GET', '/v1/documents', { token })).status).toBe(200);

      await cluster.kill();

      const checks: [string, () => Promise<Reply>][] = [
        ['document list (read)', () => call(api.url, 'GET', '/v1/documents', { token })],
        ['document create (write)', () => call(api.url, 'POST', '/v1/documents', { token, body: { title: 'during outage', body: 'b' } })],
        ['login', () => call(api.url, 'POST', '/v1/auth/login', { body: { email: 'alice@example.com', password: DEMO_PASSWORD } })],
        ['wrong password login', () => call(api.url, 'POST', '/v1/auth/login', { body: { email: 'bob@example.com', password: 'not-the-password-1!' } })],
        ['refresh', () => call(api.url, 'POST', '/v1/auth/refresh', { body: { refreshToken } })],
        ['api key lookup', () => call(api.url, 'GET', '/v1/documents', { apiKey })],
        ['api key list', () => call(api.url, 'GET', '/v1/api-keys', { token })],
      ];
      for (const [what, send] of checks) {
        const res = await timed(send);
        expectUnavailable(res, what);
        expect({ what, ms: res.ms < BOUND_MS }).toEqual({ what, ms: true });
      }
      // Security events raised while the database is down wait in the audit buffer.
      const trail = api.app.get(AuditTrail);
      for (let i = 0; i < 3; i += 1) api.app.get(SecurityEvents).record({ action: 'test.outage', outcome: 'success', actorType: 'system', details: { i } });
      expect(trail.depth).toBeGreaterThanOrEqual(3);
      const ready = await call(api.url, 'GET', '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.checks.database).toBe('down');
      expect((await call(api.url, 'GET', '/health/live')).status).toBe(200);

      await cluster.start();
      const recoveredIn = await waitUntil(async () => (await call(api.url, 'GET', '/v1/documents', { token })).status === 200, 20_000, 'recovery');
      expect(recoveredIn).toBeLessThan(20_000);
      expect((await call(api.url, 'POST', '/v1/documents', { token, body: { title: 'after outage', body: 'b' } })).status).toBe(201);
      expect((await call(api.url, 'GET', '/v1/documents', { apiKey })).status).toBe(200);
      expect((await call(api.url, 'GET', '/health/ready')).status).toBe(200);

      // What was recorded while the database was down (the refused logins among it) is written once it is back,
      // in order, on an unbroken chain.
      await waitUntil(async () => trail.depth === 0, 15_000, 'audit buffer flushed');
      expect(trail.dropped).toBe(0);
      const verified = await trail.verify();
      expect(verified).toMatchObject({ ok: true });
      const client = new Client({ connectionString: cluster.url });
      await client.connect();
      const { rows } = await client.query(`SELECT details->>'i' AS i FROM audit_events WHERE action = 'test.outage' ORDER BY seq DESC LIMIT 3`);
      await client.end();
      expect(rows.map((r) => r.i)).toEqual(['2', '1', '0']);
    });
  });

  it('a SIGKILLed postmaster (and its backends) is the same bounded 503, then recovery after crash recovery', async () => {
    const api = await startApi(env);
    try {
      const { body } = await call(api.url, 'POST', '/v1/auth/login', { body: { email: 'alice@example.com', password: DEMO_PASSWORD } });
      await cluster.kill9();
      const res = await timed(() => call(api.url, 'GET', '/v1/documents', { token: body.accessToken }));
      expectUnavailable(res, 'read after SIGKILL');
      expect(res.ms).toBeLessThan(BOUND_MS);
      await cluster.start();
      await waitUntil(async () => (await call(api.url, 'GET', '/v1/documents', { token: body.accessToken })).status === 200, 20_000, 'recovery');
    } finally {
      await api.close();
    }
  });

  it('a statement stuck behind a lock ends in a 503 at DATABASE_STATEMENT_TIMEOUT_MS, not a hang', async () => {
    const api = await startApi(env);
    const locker = new Client({ connectionString: cluster.url });
    await locker.connect();
    try {
      const { body } = await call(api.url, 'POST', '/v1/auth/login', { body: { email: 'alice@example.com', password: DEMO_PASSWORD } });
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE documents IN ACCESS EXCLUSIVE MODE');
      const res = await timed(() => call(api.url, 'GET', '/v1/documents', { token: body.accessToken }));
      expectUnavailable(res, 'read behind a lock');
      expect(res.ms).toBeGreaterThanOrEqual(STATEMENT_TIMEOUT_MS - 100);
      expect(res.ms).toBeLessThan(STATEMENT_TIMEOUT_MS + BOUND_MS);
      await locker.query('ROLLBACK');
      expect((await call(api.url, 'GET', '/v1/documents', { token: body.accessToken })).status).toBe(200);
    } finally {
      await locker.end();
      await api.close();
    }
  });

  it('every pooled connection busy: the wait ends at DATABASE_POOL_TIMEOUT_MS in a 503', async () => {
    const api = await startApi({ ...env, DATABASE_POOL_SIZE: '1', DATABASE_STATEMENT_TIMEOUT_MS: '8000' });
    const locker = new Client({ connectionString: cluster.url });
    await locker.connect();
    try {
      const { body } = await call(api.url, 'POST', '/v1/auth/login', { body: { email: 'alice@example.com', password: DEMO_PASSWORD } });
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE documents IN ACCESS EXCLUSIVE MODE');
      // The first request holds the only connection, waiting on the lock; the second waits for the pool.
      const first = call(api.url, 'GET', '/v1/documents', { token: body.accessToken });
      await new Promise((r) => setTimeout(r, 300));
      const second = await timed(() => call(api.url, 'GET', '/v1/api-keys', { token: body.accessToken }));
      expectUnavailable(second, 'pool wait');
      expect(second.ms).toBeLessThan(POOL_TIMEOUT_MS + BOUND_MS);
      await locker.query('ROLLBACK');
      expect((await first).status).toBe(200);
    } finally {
      await locker.end();
      await api.close();
    }
  });
});
