import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileKeyRing, systemClock } from '@bastion/auth';
import { DEMO_PASSWORD } from '../prisma/seed';
import { type DrillWindow, type Finding, groupFindings, judge, judgeDrill, LIMITS, maxRefusalMs, statusesSeen } from './fault-drill-checks';
import { ApiInstance, freePort, missingPrerequisites, PgCluster, RedisServer, sleep } from './fault-drill-services';
import { type Outcome, send, Traffic } from './fault-drill-traffic';

// `npm run test:faults`: the fault drill (issue 20, docs/failure-modes.md#fault-drill).
//
// Its own PostgreSQL cluster and redis-server on free loopback ports, two API
// instances (dist/apps/api/src/main.js) on them, and steady traffic (JWT
// reads, document writes, logins, signed-out tokens). Then, one after another:
// PostgreSQL killed (pg_ctl stop -m immediate) and started again; PostgreSQL
// frozen (SIGSTOP) and resumed; Redis
// killed with SIGKILL and started again empty; Redis flushed; one API killed
// with SIGKILL during concurrent writes and started again; one API stopped
// with SIGTERM under traffic. It asserts no 500 and no dropped connection
// from an instance that is up, every refusal a 503 problem+json with
// Retry-After within LIMITS.refusalMs, signed-out tokens refused throughout,
// recovery within LIMITS.recoveryMs without a restart, no acknowledged write
// and no security event lost, and the audit chain intact. Prints a table;
// exits 1 on any finding.
//
// FAULT_DRILL_KEEP=1 keeps the temporary folder (data, logs); the API,
// PostgreSQL and Redis logs are copied to reports/fault-drill/ either way.
// FAULT_DRILL_ONLY picks drills; FAULT_DRILL_TIMEOUT_MS bounds the run.

const ROOT = join(__dirname, '..', '..');
const OUTAGE_MS = 5_000;
const SETTLE_MS = 2_000;
const REFRESH_LIMIT = 5;
/** FAULT_DRILL_ONLY=postgres,redis-kill,… runs only those drills (and the baseline); CI runs them all. */
const DRILLS = ['postgres', 'postgres-freeze', 'redis-kill', 'redis-flush', 'api-kill', 'api-term'] as const;
const ONLY = process.env.FAULT_DRILL_ONLY?.split(',').map((d) => d.trim()).filter(Boolean);
const selected = (drill: (typeof DRILLS)[number]) => !ONLY || ONLY.includes(drill);
const WATCHDOG_MS = Number(process.env.FAULT_DRILL_TIMEOUT_MS ?? 360_000);
// A readable document of alice's tenant (prisma/seed.ts).
const READABLE_DOC = '0b6c3c8e-0000-4000-8000-000000000001';

interface Row {
  drill: string;
  requests: string;
  statuses: string;
  maxRefusal: string;
  recovery: string;
  findings: Finding[];
  outage?: DrillWindow['outage'];
}

const cleanups: (() => Promise<void>)[] = [];
let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const fn of cleanups.reverse()) await fn().catch((e: unknown) => console.error(`cleanup: ${(e as Error).message}`));
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the drill, cleaning up…`);
    void cleanup().finally(() => process.exit(130));
  });
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const log = (text: string) => console.log(`[${new Date().toISOString().slice(11, 23)}] ${text}`);

function node(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, 'dist', 'scripts', script)], { cwd: ROOT, env, timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}`.trim() });
    });
  });
}

/** The drill's own requests outside the traffic (sign-ins and sign-outs), for the audit check. */
const setupOutcomes: Outcome[] = [];

async function json(api: ApiInstance, method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<Outcome> {
  const o = await send(api, 'setup', method, path, options);
  setupOutcomes.push(o);
  if (o.error) throw new Error(`${method} ${path} on ${api.name}: ${o.error}`);
  return o;
}

/**
 * Probes every route on every instance until all work: the start of that round, or undefined past the limit.
 * The revoked tokens are not part of it: they are refused or not, which the probe loop judges on its own.
 */
async function waitRecovered(traffic: Traffic, apis: ApiInstance[], back: number, token: string): Promise<number | undefined> {
  while (Date.now() - back <= LIMITS.recoveryMs + 1_000) {
    const round = Date.now();
    const results = await Promise.all(
      apis.flatMap((api) => [
        send(api, 'me', 'GET', '/v1/users/me', { token }).then((o) => traffic.record(o).status === 200),
        send(api, 'doc-read', 'GET', `/v1/documents/${READABLE_DOC}`, { token }).then((o) => traffic.record(o).status === 200),
        traffic.write(api).then((o) => o.status === 201),
        send(api, 'login', 'POST', '/v1/auth/login', { body: { email: 'alice@example.com', password: DEMO_PASSWORD } }).then((o) => traffic.record(o).status === 200),
        // Readiness is for load balancers, not a client route: it is not judged, only waited for.
        send(api, 'ready', 'GET', '/health/ready').then((o) => o.status === 200),
      ]),
    );
    if (results.every(Boolean)) return round;
    await sleep(200);
  }
  return undefined;
}

/** The /health/ready check that names each dependency. */
const READINESS_CHECK: Record<string, string> = { PostgreSQL: 'database', Redis: 'redis' };

/** Polls readiness until `until`: the instances that answered 503 with `check` down at least once. */
async function readinessDown(apis: ApiInstance[], check: string, until: number): Promise<Set<string>> {
  const seen = new Set<string>();
  while (Date.now() < until) {
    await Promise.all(
      apis.map(async (api) => {
        const o = await send(api, 'ready', 'GET', '/health/ready');
        const checks = o.body?.checks as Record<string, string> | undefined;
        if (o.status === 503 && checks?.[check] === 'down') seen.add(api.name);
      }),
    );
    await sleep(250);
  }
  return seen;
}

/** Signs alice in on `first` and out on `second`; the token must be refused on every instance at once. */
async function signedOutToken(first: ApiInstance, second: ApiInstance, apis: ApiInstance[]): Promise<string> {
  const login = await json(first, 'POST', '/v1/auth/login', { body: { email: 'alice@example.com', password: DEMO_PASSWORD } });
  if (login.status !== 200) throw new Error(`login on ${first.name} answered ${login.status} ${login.code ?? ''}`);
  const token = login.body?.accessToken as string;
  const logout = await json(second, 'POST', '/v1/auth/logout', { token, body: { refreshToken: login.body?.refreshToken } });
  if (logout.status !== 204) throw new Error(`logout on ${second.name} answered ${logout.status} ${logout.code ?? ''}`);
  for (const api of apis) {
    const check = await json(api, 'GET', '/v1/users/me', { token });
    if (check.status !== 401) throw new Error(`a token signed out on ${second.name} answered ${check.status} on ${api.name} (expected 401)`);
  }
  return token;
}

async function main(): Promise<number> {
  const began = Date.now();
  const unknown = ONLY?.filter((d) => !(DRILLS as readonly string[]).includes(d)) ?? [];
  if (unknown.length) throw new Error(`FAULT_DRILL_ONLY names no drill ${unknown.join(', ')}; the drills are ${DRILLS.join(', ')}`);
  const missing = missingPrerequisites(ROOT);
  if (missing.length) throw new Error(`cannot run the fault drill:\n  ${missing.join('\n  ')}`);
  const watchdog = setTimeout(() => {
    console.error(`\nThe fault drill did not finish within ${WATCHDOG_MS / 1000} s: stopping it.`);
    void cleanup().finally(() => process.exit(1));
  }, WATCHDOG_MS);
  watchdog.unref();

  const work = mkdtempSync(join(tmpdir(), 'bastion-drill-'));
  const reports = join(ROOT, 'reports', 'fault-drill');
  rmSync(reports, { recursive: true, force: true });
  cleanups.push(async () => {
    if (process.env.FAULT_DRILL_KEEP === '1') console.log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  });
  const [pgPort, redisPort, portA, portB] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);

  log(`PostgreSQL cluster on 127.0.0.1:${pgPort}, redis-server on 127.0.0.1:${redisPort} (in ${work})`);
  const pg = new PgCluster(join(work, 'pg'), pgPort);
  cleanups.push(() => pg.destroy());
  const redis = new RedisServer(join(work, 'redis.log'), redisPort);
  cleanups.push(() => redis.kill());
  await Promise.all([pg.create(), redis.start()]);

  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    DATABASE_URL: pg.url,
    REDIS_URL: redis.url,
    JWT_KEYS_FILE: join(work, 'jwt-keys.json'),
    ENCRYPTION_KEYS_FILE: join(work, 'encryption-keys.json'),
    AUDIT_HMAC_KEY: randomBytes(32).toString('hex'),
    // The traffic comes from one address and one user: the drill is about outages, not limits.
    RATE_LIMIT_API: '999999/1m',
    RATE_LIMIT_LOGIN: '999999/15m',
    RATE_LIMIT_LOGIN_ADDRESS: '999999/15m',
    // Low, so that a few refreshes during the PostgreSQL outage meet 429s, each an audit event.
    RATE_LIMIT_REFRESH: `${REFRESH_LIMIT}/1m`,
    // So that the revoked-token probe can speak from addresses of its own (fault-drill-traffic.ts).
    TRUST_PROXY: 'loopback',
    // No external issuer or login provider to reach (the demo's would be another process's port 3001).
    OIDC_ISSUERS: 'http://127.0.0.1:9/.well-known/openid-configuration',
    OIDC_LOGIN_PROVIDERS: '[]',
    API_DOCS: 'off',
  };

  log('migrating and seeding (dist/scripts/db-migrate.js, db-seed.js)');
  for (const script of ['db-migrate.js', 'db-seed.js']) {
    const r = await node(script, env);
    if (r.code !== 0) throw new Error(`${script} exited with ${r.code}:\n${r.out}`);
  }
  // One key ring for both instances, made before either starts (each would make its own).
  await FileKeyRing.open({ path: env.JWT_KEYS_FILE as string, createIfMissing: true }, systemClock);

  const a = new ApiInstance('A', portA, ROOT, env, join(work, 'api-A.log'));
  const b = new ApiInstance('B', portB, ROOT, env, join(work, 'api-B.log'));
  const apis = [a, b];
  cleanups.push(async () => {
    await Promise.all(apis.map((api) => api.destroy()));
  });
  cleanups.push(async () => {
    // Evidence outlives the temporary folder.
    mkdirSync(reports, { recursive: true });
    for (const file of ['api-A.log', 'api-B.log', 'redis.log', 'pg/postgres.log']) {
      if (!existsSync(join(work, file))) continue;
      copyFileSync(join(work, file), join(reports, file.replace('/', '-')));
      chmodSync(join(reports, file.replace('/', '-')), 0o644);
    }
  });
  // A crash is a finding of the drill under way; the instance is started again so that the next drills still run.
  let current = 'start-up';
  const crashes = new Map<string, [string][]>();
  for (const api of apis) {
    api.onCrash = (code, signal) => {
      const message = `API ${api.name} crashed (${code === null ? signal : `exit ${code}`}): ${api.lastError() ?? 'no error in its log'}; started again`;
      log(`  ${message}`);
      crashes.set(current, [...(crashes.get(current) ?? []), [message]]);
      api.start().catch((e: unknown) => log(`  API ${api.name} did not start again: ${(e as Error).message}`));
    };
  }
  const startMs = await Promise.all(apis.map((api) => api.start()));
  log(`API A on :${portA} ready in ${secs(startMs[0] as number)}, API B on :${portB} in ${secs(startMs[1] as number)}`);

  // alice's token for the traffic; a second login of hers, signed in on A and out on B, refused everywhere from now on.
  const signIn = await json(a, 'POST', '/v1/auth/login', { body: { email: 'alice@example.com', password: DEMO_PASSWORD } });
  if (signIn.status !== 200) throw new Error(`login answered ${signIn.status} ${signIn.code ?? ''}`);
  const token = signIn.body?.accessToken as string;
  const revoked = [{ token: await signedOutToken(a, b, apis), note: 'before the drills' }];

  const traffic = new Traffic(apis, { alice: token, revoked, readableDoc: READABLE_DOC, password: DEMO_PASSWORD });
  const windows: DrillWindow[] = [];
  const extra = new Map<string, { problems: [string, Outcome?][]; recovery?: string }>();
  const drill = async (name: string, fn: (w: DrillWindow) => Promise<void>) => {
    traffic.label = name;
    current = name;
    const w: DrillWindow = { name, from: Date.now(), to: 0 };
    log(`drill: ${name}`);
    await fn(w);
    w.to = Date.now();
    windows.push(w);
  };
  const dependencyDrill = (
    name: string,
    dependency: string,
    kill: () => Promise<void>,
    restart: () => Promise<void>,
    expectRefusals: boolean,
    hooks: { duringOutage?: () => Promise<void>; afterBack?: () => Promise<void>; outageMs?: number } = {},
  ) =>
    drill(name, async (w) => {
      // A fresh sign-out just before each fault, on top of the earlier ones: each drill shows its own.
      await Promise.all(apis.map((api) => api.whenStarted()));
      revoked.push({ token: await signedOutToken(b, a, apis), note: `before "${name}"` });
      await sleep(1_000);
      const from = Date.now();
      await kill();
      if (expectRefusals) {
        // Readiness must say which dependency is down, so that a load balancer can act on it.
        const outageMs = hooks.outageMs ?? OUTAGE_MS;
        const [unready] = await Promise.all([readinessDown(apis, READINESS_CHECK[dependency] as string, from + outageMs), hooks.duringOutage?.()]);
        extra.set(name, {
          problems: apis
            .filter((api) => !unready.has(api.name))
            .map((api): [string] => [`readiness of ${api.name} never answered 503 with ${READINESS_CHECK[dependency]} "down" during the ${outageMs / 1000} s outage`]),
        });
      }
      await restart();
      const back = Date.now();
      await hooks.afterBack?.();
      w.outage = { dependency, from, back };
      w.expectRefusals = expectRefusals;
      w.recoveredAt = await waitRecovered(traffic, apis, back, token);
      log(`  ${dependency} back after ${secs(back - from)}; ${w.recoveredAt === undefined ? 'NOT recovered' : `recovered ${secs(w.recoveredAt - back)} later`}`);
      await sleep(SETTLE_MS);
    });

  traffic.start();
  await drill('baseline (no fault)', () => sleep(3_000));
  if (selected('postgres')) await dependencyDrill('PostgreSQL killed (immediate), restarted', 'PostgreSQL', () => pg.kill(), () => pg.start(), true, {
    // Security events raised while the database is down: 429s of the refresh limit (RATE_LIMIT_REFRESH, counted
    // in Redis) each record rate-limit.exceeded; they must be in the trail once the database is back.
    duringOutage: async () => {
      await sleep(1_000);
      // On an instance that is up (one may have crashed).
      const target = apis.find((api) => api.running()) ?? a;
      for (let i = 0; i < REFRESH_LIMIT + 4; i++) {
        traffic.record(await send(target, 'refresh-flood', 'POST', '/v1/auth/refresh', { body: { refreshToken: `bst_rt_${'x'.repeat(43)}` }, forwardedFor: '192.0.2.99' }));
      }
    },
  });
  // Longer than the refusal limit with a margin, so that a request that waits for the database shows.
  if (selected('postgres-freeze')) await dependencyDrill('PostgreSQL frozen (SIGSTOP), resumed', 'PostgreSQL', () => pg.freeze(), () => pg.thaw(), true, { outageMs: 8_000 });
  if (selected('redis-kill')) await dependencyDrill('Redis killed (SIGKILL), back empty', 'Redis', () => redis.kill(), () => redis.start(), true, {
    afterBack: async () => {
      const keys = await redis.command((c) => c.dbsize());
      if (keys !== 0) throw new Error(`redis-server came back with ${keys} keys; the drill needs it empty`);
    },
  });
  if (selected('redis-flush')) await dependencyDrill('Redis FLUSHALL', 'Redis', () => redis.command((c) => c.flushall()).then(() => undefined), async () => undefined, false);

  // SIGKILL of A while 8 writers write through it; B keeps serving the steady traffic.
  const killName = 'API A SIGKILL during 8 writers, restarted';
  let killAt = 0;
  if (selected('api-kill')) await drill(killName, async () => {
    await Promise.all(apis.map((api) => api.whenStarted()));
    let writing = true;
    const writers = Array.from({ length: 8 }, async () => {
      while (writing) await traffic.write(a);
    });
    await sleep(1_500);
    killAt = Date.now();
    a.signal('SIGKILL');
    await sleep(300);
    writing = false;
    await Promise.all(writers);
    const restarted = Date.now();
    await a.start();
    const recovered = await waitRecovered(traffic, apis, restarted, token);
    const problems: [string, Outcome?][] = recovered === undefined ? [[`after the restart, not every route worked within ${LIMITS.recoveryMs / 1000} s`]] : [];
    extra.set(killName, { problems, recovery: recovered === undefined ? 'none' : `${secs(recovered - restarted)} (restart)` });
    await sleep(SETTLE_MS);
  });

  // SIGTERM of B under traffic: requests in flight finish, nothing is reset, the process ends in time.
  const termName = 'API B SIGTERM under traffic';
  let termAt = 0;
  if (selected('api-term')) await drill(termName, async () => {
    await Promise.all(apis.map((api) => api.whenStarted()));
    let writing = true;
    const writers = Array.from({ length: 4 }, async () => {
      while (writing) await traffic.write(b);
    });
    await sleep(1_000);
    // As an orchestrator does: the instance is taken out of rotation as it is told to stop; what it
    // holds at that moment must still be answered.
    traffic.drain(b);
    writing = false;
    // Sign-ins sent just before the signal: argon2id keeps each busy for tens of milliseconds before it
    // writes its refresh token, so they are surely in flight, and need the database after the signal.
    const signIns = Array.from({ length: 4 }, () =>
      send(b, 'login', 'POST', '/v1/auth/login', { body: { email: 'alice@example.com', password: DEMO_PASSWORD } }).then((o) => traffic.record(o)),
    );
    await sleep(20);
    termAt = Date.now();
    b.signal('SIGTERM');
    const ended = await b.exit(LIMITS.shutdownMs);
    await Promise.all([...writers, ...signIns]);
    const problems: [string, Outcome?][] = [];
    // Exit 0, or the signal itself re-raised once the app has closed (what Nest's shutdown hooks do).
    if (!ended) problems.push([`did not exit within ${LIMITS.shutdownMs / 1000} s of SIGTERM`]);
    else if (ended.code !== 0 && ended.signal !== 'SIGTERM') problems.push([`ended with ${ended.code ?? ended.signal} after SIGTERM (expected 0 or SIGTERM)`]);
    extra.set(termName, { problems, recovery: ended ? `exit in ${secs(Date.now() - termAt)}` : 'no exit' });
  });
  await traffic.stop();
  // The instances still running stop too, so that their last audit events are written before the checks.
  const running = apis.filter((api) => api.running());
  for (const api of running) api.signal('SIGTERM');
  const ends = await Promise.all(running.map((api) => api.exit(LIMITS.shutdownMs)));
  const unstopped = running.filter((_, i) => !ends[i]);

  // Judge every drill over the requests that started in it.
  const rows: Row[] = [];
  for (const w of windows) {
    const mine = traffic.outcomes.filter((o) => o.start >= w.from && o.start < w.to);
    const judged: Outcome[] = [];
    const problems = extra.get(w.name)?.problems ?? [];
    for (const o of mine) {
      const api = apis.find((x) => x.name === o.instance) as ApiInstance;
      if (!api.wasDown(o.start, o.end)) judged.push(o);
      else if (w.name === termName && api === b && o.start < termAt) {
        // In flight at SIGTERM: answered as usual, or refused with a 503 problem; never a 500 or a reset.
        const shutdown: DrillWindow = { ...w, outage: { dependency: 'API B shutdown', from: termAt, back: w.to }, recoveredAt: undefined };
        const problem = judge(o, shutdown);
        const tagged = problem?.includes('while the API was up') ? problem.replace('while the API was up', 'in flight at SIGTERM') : problem && `${problem} [in flight at SIGTERM]`;
        if (tagged) problems.push([tagged, o]);
      }
    }
    const findings = [...judgeDrill(w, judged), ...groupFindings(w.name, [...problems, ...(crashes.get(w.name) ?? [])])];
    const recovery = extra.get(w.name)?.recovery ?? (w.outage ? (w.recoveredAt === undefined ? 'none' : secs(w.recoveredAt - w.outage.back)) : '-');
    const refusal = maxRefusalMs(judged);
    rows.push({ drill: w.name, requests: String(mine.length), statuses: statusesSeen(mine), maxRefusal: refusal ? `${refusal} ms` : '-', recovery, findings, outage: w.outage });
  }

  // Every write acknowledged with 201, in any drill, is in the database.
  log(`reading back ${traffic.acked.length} acknowledged writes`);
  const ids = traffic.acked.map((w) => w.id);
  const present = new Map(
    (await pg.withClient((c) => c.query<{ id: string; title: string }>('SELECT id::text AS id, title FROM documents WHERE id = ANY($1::uuid[])', [ids]))).rows.map((r) => [r.id, r.title]),
  );
  const lost = traffic.acked.filter((w) => present.get(w.id) !== w.title);
  const killAcked = traffic.acked.filter((w) => w.title.includes(killName));
  rows.push({
    drill: 'acknowledged writes read back',
    requests: String(traffic.acked.length),
    statuses: `${present.size} present` + (selected('api-kill') ? ` (${killAcked.filter((w) => present.has(w.id)).length}/${killAcked.length} of the SIGKILL drill)` : ''),
    maxRefusal: '-',
    recovery: '-',
    findings: groupFindings('writes', lost.map((w) => [`an acknowledged write is missing: ${w.id} "${w.title}" (201 from ${w.instance} at +${secs(w.at - began)})`])),
  });

  const problems: [string, Outcome?][] = [];
  // A crash outside every drill's window (at start-up, say) is still a finding.
  for (const [when, list] of crashes) if (!windows.some((w) => w.name === when)) problems.push(...list.map(([m]): [string] => [`${m} (${when})`]));
  for (const api of unstopped) problems.push([`API ${api.name} did not exit within ${LIMITS.shutdownMs / 1000} s of SIGTERM`]);
  const verify = await node('audit-verify.js', env);
  const intact = /^Audit chain intact: (\d+) event/m.exec(verify.out);
  if (verify.code !== 0 || !intact) problems.push([`audit-verify exited ${verify.code}: ${verify.out.split('\n').slice(-3).join(' / ')}`]);
  else if (Number(intact[1]) === 0) problems.push(["the audit chain is empty: the drill's logins and logouts were not recorded"]);
  rows.push(await auditedRow(pg, [...setupOutcomes, ...traffic.outcomes], a, killAt, began));
  rows.push({ drill: 'audit chain (audit-verify.js)', requests: '-', statuses: intact ? `intact, ${intact[1]} events` : 'BROKEN', maxRefusal: '-', recovery: '-', findings: groupFindings('audit', problems) });

  return report(rows, began, reports);
}

/**
 * No security event lost: every sign-in answered 200 and every sign-out answered 204 has its audit event, and
 * so has every 429 of the refresh flood sent while PostgreSQL was down (matched by the request id the API
 * answered with). Events of requests answered by A in the 5 s before its SIGKILL may still have been in its
 * write buffer: counted, not required.
 */
async function auditedRow(pg: PgCluster, outcomes: Outcome[], killed: ApiInstance, killAt: number, began: number): Promise<Row> {
  const actionOf = (o: Outcome): string | undefined =>
    o.path === '/v1/auth/login' && o.status === 200
      ? 'auth.login'
      : o.path === '/v1/auth/logout' && o.status === 204
        ? 'auth.logout'
        : o.op === 'refresh-flood' && o.status === 429
          ? 'rate-limit.exceeded'
          : undefined;
  const expected = outcomes.filter((o) => actionOf(o) !== undefined);
  const rows = (await pg.withClient((c) => c.query<{ request_id: string; action: string }>("SELECT request_id, action FROM audit_events WHERE action IN ('auth.login', 'auth.logout', 'rate-limit.exceeded')"))).rows;
  const recorded = new Set(rows.map((r) => `${r.action} ${r.request_id}`));
  const atRisk = (o: Outcome) => o.instance === killed.name && o.end <= killAt && o.end > killAt - 5_000;
  const missing = expected.filter((o) => !o.requestId || !recorded.has(`${actionOf(o)} ${o.requestId}`));
  const risky = expected.filter(atRisk);
  const duringOutage = expected.filter((o) => o.op === 'refresh-flood');
  const problems: [string, Outcome?][] = missing.filter((o) => !atRisk(o)).map((o) => [`${o.method} ${o.path} answered ${o.status} but the audit trail has no ${actionOf(o)} event with its request id`, o]);
  if (selected('postgres') && !duringOutage.length) problems.push(['no 429 came from the refresh flood during the PostgreSQL outage, so no event raised while the database was down could be checked']);
  const first = (f: Finding) => f.examples[0];
  return {
    drill: 'security events audited (login, logout, 429)',
    requests: String(expected.length),
    statuses:
      `${expected.length - missing.length} recorded` +
      (selected('postgres') ? `, ${duringOutage.filter((o) => !missing.includes(o)).length}/${duringOutage.length} of those raised with PostgreSQL down` : '') +
      (risky.length ? `, ${risky.filter((o) => !missing.includes(o)).length}/${risky.length} of ${killed.name}'s in the 5 s before its SIGKILL` : ''),
    maxRefusal: '-',
    recovery: '-',
    findings: groupFindings('audit', problems).map((f) => (first(f) ? { ...f, message: `${f.message} (first at +${secs((first(f) as Outcome).start - began)}, ${(first(f) as Outcome).requestId})` } : f)),
  };
}

function report(rows: Row[], began: number, reports: string): number {
  const header = ['drill', 'requests', 'statuses seen', 'max refusal latency', 'recovery time', 'verdict'];
  const cells = rows.map((r) => [r.drill, r.requests, r.statuses, r.maxRefusal, r.recovery, r.findings.length ? 'FAIL' : 'pass']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i] as number)).join(' | ')} |`;
  console.log(`\nFault drill${ONLY ? ` (FAULT_DRILL_ONLY=${ONLY.join(',')}: a partial run)` : ''} (${secs(Date.now() - began)}; refusal limit ${LIMITS.refusalMs} ms, recovery limit ${LIMITS.recoveryMs / 1000} s)\n`);
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const c of cells) console.log(line(c));
  const findings = rows.flatMap((r) => r.findings.map((f) => ({ ...f, outage: r.outage })));
  for (const f of findings) {
    console.log(`\nFAIL [${f.drill}] ${f.message}${f.count > 1 ? ` (${f.count} times)` : ''}`);
    for (const o of f.examples) {
      // When in the outage: from the kill, and from the dependency's return.
      const when = !f.outage
        ? `+${secs(o.start - began)}`
        : o.start < f.outage.from
          ? `${secs(f.outage.from - o.start)} before the fault`
          : o.start < f.outage.back
            ? `${secs(o.start - f.outage.from)} into the fault`
            : `${secs(o.start - f.outage.back)} after ${f.outage.dependency} was back`;
      console.log(`  e.g. ${when}: ${o.instance} ${o.method} ${o.path}${o.note ? ` [token signed out ${o.note}]` : ''} -> ${o.error ?? o.status} in ${o.end - o.start} ms` +
        `${o.contentType ? `, ${o.contentType}` : ''}${o.retryAfter ? `, Retry-After ${o.retryAfter}` : ''}${o.code ? `, ${JSON.stringify(o.code)}` : ''}`);
    }
  }
  mkdirSync(reports, { recursive: true });
  writeFileSync(join(reports, 'summary.json'), `${JSON.stringify({ startedAt: new Date(began).toISOString(), seconds: Math.round((Date.now() - began) / 1000), limits: LIMITS, rows }, null, 2)}\n`);
  console.log(`\n${findings.length ? `${findings.length} finding(s)` : 'All drills passed'}. Logs and summary.json in ${reports}/`);
  return findings.length ? 1 : 0;
}

main()
  .then(
    (code) => code,
    (error: unknown) => {
      console.error(`\nThe fault drill could not run: ${error instanceof Error ? error.message : String(error)}`);
      return 1;
    },
  )
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  });
