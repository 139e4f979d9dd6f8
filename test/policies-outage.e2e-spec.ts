import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthzService } from '@bastion/authz';
import type { DatabaseConnection } from '@bastion/database';
import { freePort, PgCluster } from '../scripts/fault-drill-services';
import { baseEnv, prepareDatabase, startApi, type Env, type RunningApp } from './support/harness';
import { call, login, type Reply } from './support/http';

// An API instance started while PostgreSQL is down has no authorization
// policies. Until they load it must answer 503 (a temporary condition), never
// 403 (a denial that never happened, written to the audit trail), and never
// allow; readiness must say so; and once the database is back the policies
// must load at once, not at the next poll (5 s). On a real PostgreSQL cluster
// of this file's own, stopped and started (docs/failure-modes.md).

// alice's own public document (prisma/seed.ts): she may read it.
const DOC = '/v1/documents/0b6c3c8e-0000-4000-8000-000000000001';

describe('authorization policies while the database is away (e2e)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bastion-policies-'));
  let cluster: PgCluster;
  let env: Env;
  let db: DatabaseConnection | undefined;
  const apps: RunningApp[] = [];
  const start = async () => {
    const api = await startApi(env);
    apps.push(api);
    return api;
  };

  beforeAll(async () => {
    cluster = new PgCluster(join(dir, 'pg'), await freePort(), 'bastion_policies_outage');
    await cluster.create();
    // This file's own database; Redis (the policy bus, the deny list) is the suite's, if it runs with one.
    env = { ...baseEnv(), DATABASE_URL: cluster.url, EMBEDDED_DB_DIR: undefined, REDIS_URL: process.env.REDIS_URL };
    db = await prepareDatabase(env);
    await db.close();
    db = undefined;
  }, 120_000);

  afterAll(async () => {
    for (const api of apps) await api.close().catch(() => undefined);
    await cluster?.destroy();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  // While the whole database is down, authentication may refuse first when it needs the database too (a revocation
  // list not loaded yet: ERR_AUTH_UNAVAILABLE); either way a 503, never the 403 of a denial.
  function expectUnavailable(res: Reply, codes = ['ERR_AUTHZ_UNAVAILABLE']): void {
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 503 });
    expect(codes).toContain(res.body.code);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(res.body)).not.toMatch(/ECONNREFUSED|prisma|postgres|127\.0\.0\.1|:\d{4,5}\b|stack|does not exist/i);
  }

  // A test that fails while the cluster is stopped must not leave it stopped for the next one.
  let pgDown = false;
  afterEach(async () => {
    if (pgDown) await cluster.start();
    pgDown = false;
  }, 60_000);

  const deniedEvents = () =>
    cluster.withClient(async (c) => Number((await c.query(`SELECT count(*) AS n FROM audit_events WHERE action = 'authz.denied'`)).rows[0].n));

  it('an instance started during the outage answers 503, not 403, is not ready, and serves within ~1 s of the database returning', async () => {
    // 1) An instance with the database up; alice signs in.
    const a = await start();
    const { accessToken } = await login(a.url, 'alice@example.com');
    expect((await call(a.url, 'GET', DOC, { token: accessToken })).status).toBe(200);

    // The first instance is closed before the stop: on this branch a pooled connection that PostgreSQL drops can
    // still crash the process ("Connection terminated unexpectedly", docs/failure-modes.md), a defect of its own.
    // Its part here was to issue alice's token, which the second instance accepts (same signing keys).
    await a.close();
    apps.splice(apps.indexOf(a), 1);

    // 2) PostgreSQL stops. 3) A second instance starts: its policies cannot load.
    await cluster.kill();
    pgDown = true;
    const b = await start();
    const statuses: number[] = [];
    const get = async () => {
      const res = await call(b.url, 'GET', DOC, { token: accessToken });
      statuses.push(res.status);
      return res;
    };
    const duringOutage = ['ERR_AUTHZ_UNAVAILABLE', 'ERR_AUTH_UNAVAILABLE'];
    expectUnavailable(await get(), duringOutage);
    const notReady = await call(b.url, 'GET', '/health/ready');
    expect(notReady.status).toBe(503);
    expect(notReady.body.checks).toMatchObject({ database: 'down', policies: 'down' });
    expect(notReady.body.detail).toMatch(/policies/);
    // Still nothing allowed, however often asked.
    for (let i = 0; i < 5; i++) expectUnavailable(await get(), duringOutage);

    // 4) PostgreSQL comes back: readiness answers 200 only with the policies loaded, and that is prompt.
    await cluster.start();
    pgDown = false;
    const back = Date.now();
    let ready: Reply;
    for (;;) {
      ready = await call(b.url, 'GET', '/health/ready');
      if (ready.status === 200 || Date.now() - back > 10_000) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const readyAfter = Date.now() - back;
    expect(ready.status).toBe(200);
    expect(ready.body.info ?? ready.body.details).toMatchObject({ policies: { status: 'up' } });
    // Well before the 5 s poll would have loaded them.
    expect(readyAfter).toBeLessThan(2000);

    // 5) alice's read is allowed on the second instance, within 2 s of the database returning; meanwhile nothing but
    // 503s (authentication, where it reads revocations from the database, may still be loading them for a poll).
    let read: Reply;
    for (;;) {
      read = await get();
      if (read.status !== 503 || Date.now() - back > 10_000) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(read.status).toBe(200);
    expect(Date.now() - back).toBeLessThan(2000);
    expect(statuses).not.toContain(403);

    // No denial happened, so none is in the audit trail (an instance writes its buffer on close).
    await b.close();
    apps.length = 0;
    expect(await deniedEvents()).toBe(0);
    const logins = await cluster.withClient(async (c) => Number((await c.query(`SELECT count(*) AS n FROM audit_events WHERE action LIKE 'auth.login%'`)).rows[0].n));
    expect(logins).toBeGreaterThan(0);
  }, 90_000);

  it('with the database up but the policies unreadable: not ready naming only them, 503 to requests, 200 within ~1 s once readable; a running instance keeps its last good set', async () => {
    const a = await start();
    const { accessToken } = await login(a.url, 'alice@example.com');
    expect((await call(a.url, 'GET', DOC, { token: accessToken })).status).toBe(200);
    // The policies table goes away (as a lost grant or a bad migration would make it): the database still answers.
    await cluster.withClient((c) => c.query('ALTER TABLE policies RENAME TO policies_away'));
    try {
      const b = await start();
      const ready = await call(b.url, 'GET', '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.checks).toMatchObject({ database: 'up', policies: 'down' });
      expect(ready.body.detail).toBe('Not ready: policies did not answer');
      const res = await call(b.url, 'GET', DOC, { token: accessToken });
      expectUnavailable(res);
      // The instance that had them goes on deciding with them (its reloads fail).
      await a.app.get(AuthzService).reload().catch(() => undefined);
      expect((await call(a.url, 'GET', DOC, { token: accessToken })).status).toBe(200);

      await cluster.withClient((c) => c.query('ALTER TABLE policies_away RENAME TO policies'));
      const back = Date.now();
      let status = 0;
      while (Date.now() - back < 10_000) {
        status = (await call(b.url, 'GET', DOC, { token: accessToken })).status;
        if (status !== 503) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(status).toBe(200);
      expect(Date.now() - back).toBeLessThan(1500);
      expect((await call(b.url, 'GET', '/health/ready')).status).toBe(200);
    } finally {
      await cluster.withClient((c) => c.query('ALTER TABLE IF EXISTS policies_away RENAME TO policies'));
    }
    for (const api of apps) await api.close();
    apps.length = 0;
    expect(await deniedEvents()).toBe(0);
  }, 90_000);
});
