import { type ChildProcess, fork, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, freemem, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { ARGON2ID_OWASP, PasswordHasher } from '@bastion/auth';
import { applyMigrations, PrismaClient } from '@bastion/database';
import { DEMO_PASSWORD, seedDemo } from '../prisma/seed';
import { MIGRATIONS_DIR, openConfiguredDatabase } from './database';
import { freePort } from './free-port';
import { textbookKeys, textbookToken } from './bench-peers';

// `npm run bench`: the security stack's cost, measured in one process run.
//
// Every server runs in a child process of its own (scripts/bench-server.ts);
// this process is the load generator (autocannon). Besides the API, each
// adapter gets its peers: bare Nest with one route, and the textbook Nest JWT
// route (@nestjs/passport + passport-jwt, no database, no logging).
// Scenarios run in rounds. A round is a shuffled list of blocks, and a block
// holds the scenarios that are compared with each other (the API's health
// route and bare Nest, /users/me and the textbook route, documents and the
// textbook route, JWT and API key, memory and Redis), measured back to back,
// in reverse order every other round. A peer can sit in several blocks; it is
// then measured once in each, and a ratio pairs the samples of one block.
// Every ratio is taken within a round and then the median over rounds: on a
// shared machine absolute numbers drift, paired ratios much less. Each sample
// also records the server's CPU time per request (all its threads), which
// other processes on the machine hardly move: its ratios are the steadier ones.
//
// BENCH_DURATION (s per sample, default 2), BENCH_CONNECTIONS (default 10),
// BENCH_ROUNDS (default 3), BENCH_QUICK=1 (1 s, 1 round), BENCH_ADAPTERS
// (fastify,express), BENCH_LOG_LEVEL (the servers' LOG_LEVEL, default info),
// BENCH_OUT (JSON file, default bench-results/bench-<time>.json),
// BENCH_STARTUP=0 (skip the two `npm start` timings). With
// DATABASE_URL the API servers share that PostgreSQL (migrated and seeded
// first); with REDIS_URL each adapter also runs with Redis-backed limits,
// deny list and cache bus. Only loopback addresses are ever targeted.

export type Adapter = 'fastify' | 'express';
export type Storage = 'memory' | 'redis';
export type Env = Record<string, string | undefined>;

export interface ServerSpec {
  name: string;
  kind: 'raw' | 'bare' | 'textbook' | 'api';
  adapter: Adapter;
  storage: Storage;
}

export interface Scenario {
  id: string;
  server: string;
  name: string;
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  expect: number;
  /** Block the server's audit store for this sample. */
  auditBlocked?: boolean;
}

export interface Sample {
  round: number;
  /** The block it was measured in (a peer is measured once in each of its blocks). */
  block: number;
  rps: number;
  p50: number;
  p99: number;
  total: number;
  unexpected: number;
  errors: number;
  /** The server's CPU time per completed request, µs. */
  cpuUs: number;
  /** Audit events still unwritten when the sample ended (audit-blocked samples). */
  auditPending?: number;
}

export interface Running {
  spec: ServerSpec;
  child: ChildProcess;
  port: number;
  ask(cmd: string, arg?: string | number): Promise<unknown>;
}

const ROOT = join(__dirname, '..', '..');
const quick = process.env.BENCH_QUICK === '1';
const DURATION = Number(process.env.BENCH_DURATION ?? (quick ? 1 : 2));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (quick ? 1 : 3));
const ADAPTERS = (process.env.BENCH_ADAPTERS ?? 'fastify,express').split(',').map((a) => a.trim()) as Adapter[];
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'info';
const DATABASE_URL = process.env.DATABASE_URL;
const REDIS_URL = process.env.REDIS_URL;

// A readable document of alice's tenant, and a confidential one bob (viewer) is refused (prisma/seed.ts).
const DOC_READABLE = '0b6c3c8e-0000-4000-8000-000000000001';
const DOC_DENIED = '0b6c3c8e-0000-4000-8000-000000000003';

function check(): void {
  for (const [name, value, min] of [['BENCH_DURATION', DURATION, 0.5], ['BENCH_CONNECTIONS', CONNECTIONS, 1], ['BENCH_ROUNDS', ROUNDS, 1]] as const) {
    if (!Number.isFinite(value) || value < min || value > 10_000) throw new Error(`${name} must be a number of at least ${min}`);
  }
  for (const a of ADAPTERS) if (a !== 'fastify' && a !== 'express') throw new Error('BENCH_ADAPTERS must list fastify and/or express');
}


const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

// A seeded shuffle: each round its own order, the same on every run.
function shuffled<T>(items: T[], seed: number): T[] {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export function serverEnv(spec: ServerSpec, dir: string, extra: Env = {}): Env {
  const env: Env = {
    ...process.env,
    ...extra,
    BENCH_SERVER: spec.kind,
    HTTP_ADAPTER: spec.adapter,
    NODE_ENV: 'development',
    LOG_LEVEL,
    // Counted, never reached: the bench measures the cost of the limits, not their 429s.
    RATE_LIMIT_API: '9999999/1m',
    RATE_LIMIT_LOGIN: '999999/15m',
    RATE_LIMIT_LOGIN_ADDRESS: '999999/15m',
    JWT_ACCESS_TTL: '1h',
    JWT_KEYS_FILE: join(dir, 'jwt-keys.json'),
    EMBEDDED_DB_DIR: join(dir, 'pglite'),
  };
  if (spec.storage === 'memory') delete env.REDIS_URL;
  return env;
}

// The Node flags `npm start` runs with (scripts/runtime-profile.js, plain JavaScript beside this file's source).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runtimeFlags } = require(join(ROOT, 'scripts', 'runtime-profile.js')) as { runtimeFlags(env: Env): string[] };

export async function startServer(spec: ServerSpec, dir: string, extra: Env = {}): Promise<Running> {
  const env = serverEnv(spec, dir, extra);
  // An API server runs as `npm start` runs it (the same V8 flags), so its figures are what a user of the demo gets.
  const execArgv = spec.kind === 'api' ? runtimeFlags(env) : [];
  const child = fork(join(__dirname, 'bench-server.js'), [], { env: env as NodeJS.ProcessEnv, execArgv, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  let next = 0;
  const pending = new Map<number, (v: unknown) => void>();
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${spec.name} did not start within 120 s`)), 120_000);
    child.on('message', (m: { ready?: boolean; port?: number; id?: number; value?: unknown }) => {
      if (m.ready) {
        clearTimeout(timer);
        resolve(m.port as number);
      } else if (m.id !== undefined) {
        pending.get(m.id)?.(m.value);
        pending.delete(m.id);
      }
    });
    child.once('exit', (code) => reject(new Error(`${spec.name} exited with ${code} before it was ready`)));
  });
  const ask = (cmd: string, arg?: string | number) =>
    new Promise<unknown>((resolve) => {
      const id = ++next;
      pending.set(id, resolve);
      child.send({ id, cmd, arg });
    });
  return { spec, child, port, ask };
}

async function json(url: string, init: RequestInit & { body?: string } = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { ...init, headers: { 'content-type': 'application/json', ...(init.headers as Record<string, string>) } });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

export async function credentials(base: string): Promise<{ alice: string; bob: string; key: string }> {
  const signIn = async (email: string) => {
    const res = await json(`${base}/v1/auth/login`, { method: 'POST', body: JSON.stringify({ email, password: DEMO_PASSWORD }) });
    if (res.status !== 200) throw new Error(`login of ${email} answered ${res.status}`);
    return res.body.accessToken as string;
  };
  const alice = await signIn('alice@example.com');
  const bob = await signIn('bob@example.com');
  const created = await json(`${base}/v1/api-keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${alice}` },
    body: JSON.stringify({ name: `bench ${Date.now()}`, scopes: ['documents:read', 'profile:read'] }),
  });
  if (created.status !== 201) throw new Error(`creating an API key answered ${created.status}: ${JSON.stringify(created.body)}`);
  return { alice, bob, key: created.body.key as string };
}

export function scenariosFor(server: Running, creds?: { alice: string; bob: string; key: string }, textbook?: string): Scenario[] {
  const s = server.spec.name;
  if (server.spec.kind === 'textbook') {
    if (!textbook) throw new Error('the textbook server needs its token');
    return [{ id: `${s} me-jwt`, server: s, name: 'GET /me (textbook JWT guard)', method: 'GET', path: '/me', headers: { authorization: `Bearer ${textbook}` }, expect: 200 }];
  }
  const health: Scenario = { id: `${s} health`, server: s, name: 'GET /health/live', method: 'GET', path: '/health/live', expect: 200 };
  if (server.spec.kind !== 'api' || !creds) return [health];
  const bearer = { authorization: `Bearer ${creds.alice}` };
  const login = (password: string) => JSON.stringify({ email: 'alice@example.com', password });
  const json = { 'content-type': 'application/json' };
  const list: Scenario[] = [
    health,
    { id: `${s} me-jwt`, server: s, name: 'GET /v1/users/me (JWT)', method: 'GET', path: '/v1/users/me', headers: bearer, expect: 200 },
    { id: `${s} doc-jwt`, server: s, name: 'GET /v1/documents/:id (JWT)', method: 'GET', path: `/v1/documents/${DOC_READABLE}`, headers: bearer, expect: 200 },
    { id: `${s} doc-key`, server: s, name: 'GET /v1/documents/:id (API key)', method: 'GET', path: `/v1/documents/${DOC_READABLE}`, headers: { 'x-api-key': creds.key }, expect: 200 },
    { id: `${s} login-fail`, server: s, name: 'POST /v1/auth/login (wrong password)', method: 'POST', path: '/v1/auth/login', headers: json, body: login('Wrong-Passw0rd!'), expect: 401 },
    { id: `${s} login-ok`, server: s, name: 'POST /v1/auth/login (success)', method: 'POST', path: '/v1/auth/login', headers: json, body: login(DEMO_PASSWORD), expect: 200 },
  ];
  if (server.spec.storage === 'memory') {
    // Each request is a 403 that writes an audit event (authz.denied); once with the store working, once blocked.
    const denied = { server: s, method: 'GET' as const, path: `/v1/documents/${DOC_DENIED}`, headers: { authorization: `Bearer ${creds.bob}` }, expect: 403 };
    list.push({ ...denied, id: `${s} denied`, name: 'GET denied, audited (403)' });
    list.push({ ...denied, id: `${s} denied-blocked`, name: 'GET denied, audit store blocked', auditBlocked: true });
  }
  return list;
}

export async function run(server: Running, sc: Scenario, duration: number): Promise<Omit<Sample, 'round' | 'block'>> {
  if (sc.auditBlocked) await server.ask('audit-block');
  const cpuBefore = (await server.ask('cpu')) as number;
  const result = await autocannon({
    url: `http://127.0.0.1:${server.port}${sc.path}`,
    method: sc.method,
    headers: sc.headers,
    body: sc.body,
    connections: CONNECTIONS,
    duration,
  });
  const cpuUsed = ((await server.ask('cpu')) as number) - cpuBefore;
  let auditPending: number | undefined;
  if (sc.auditBlocked) {
    auditPending = (await server.ask('audit-depth')) as number;
    await server.ask('audit-release');
  }
  if (sc.auditBlocked || sc.id.endsWith(' denied')) {
    // The next sample starts with the audit backlog written.
    const until = Date.now() + 60_000;
    while (((await server.ask('audit-depth')) as number) > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  }
  const stats = (result as unknown as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats ?? {};
  const expected = stats[String(sc.expect)]?.count ?? 0;
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    unexpected: result.requests.total - expected,
    errors: result.errors + result.timeouts,
    cpuUs: result.requests.total > 0 ? cpuUsed / result.requests.total : NaN,
    auditPending,
  };
}

/** argon2id with the project's parameters: what one login costs the server's CPU. */
async function argon2Cost(): Promise<{ params: typeof ARGON2ID_OWASP; hashMs: number; verifyMs: number; samples: number }> {
  const hasher = new PasswordHasher();
  const samples = quick ? 3 : 8;
  const hashes: number[] = [];
  const verifies: number[] = [];
  let stored = '';
  for (let i = 0; i < samples; i++) {
    const t0 = process.hrtime.bigint();
    stored = await hasher.hash(`Bench-Passw0rd-${i}!`);
    hashes.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  for (let i = 0; i < samples; i++) {
    const t0 = process.hrtime.bigint();
    await hasher.verify(stored, 'Wrong-Passw0rd!');
    verifies.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { params: ARGON2ID_OWASP, hashMs: median(hashes), verifyMs: median(verifies), samples };
}

/** Seconds of load on each of `/v1/users/me` and `/v1/documents/:id` before `npm start`'s peak RSS is read. */
const STARTUP_LOAD_S = 5;

/**
 * The peak resident memory (VmHWM) of `npm start`'s node process, after a load: a login, then STARTUP_LOAD_S
 * seconds of `GET /v1/users/me` and as long of `GET /v1/documents/:id`, both by JWT. The process is found in npm's
 * process group by its script. Linux only (/proc); NaN elsewhere. VmHWM is the same figure as Node's
 * `process.resourceUsage().maxRSS`, which the servers report for themselves.
 */
async function loadedPeakRssMiB(port: number, group: number): Promise<{ peakMiB: number; non2xx: number }> {
  const base = `http://127.0.0.1:${port}`;
  const login = await json(`${base}/v1/auth/login`, { method: 'POST', body: JSON.stringify({ email: 'alice@example.com', password: DEMO_PASSWORD }) });
  if (login.status !== 200) throw new Error(`login on npm start answered ${login.status}`);
  const headers = { authorization: `Bearer ${login.body.accessToken as string}` };
  let non2xx = 0;
  for (const path of ['/v1/users/me', `/v1/documents/${DOC_READABLE}`]) {
    const result = await autocannon({ url: base + path, headers, connections: CONNECTIONS, duration: STARTUP_LOAD_S });
    non2xx += result.non2xx + result.errors + result.timeouts;
  }
  // npm's shell and the node process both name the script; the node process is the one that holds memory.
  let peakKiB = NaN;
  for (const pid of existsSync('/proc') ? readdirSync('/proc').filter((d) => /^\d+$/.test(d)) : []) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // After "(comm) ": state, ppid, pgrp.
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) !== group) continue;
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('scripts/start.js')) continue;
      const kib = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
      if (Number.isFinite(kib)) peakKiB = Number.isNaN(peakKiB) ? kib : Math.max(peakKiB, kib);
    } catch {
      // That process ended meanwhile.
    }
  }
  return { peakMiB: +(peakKiB / 1024).toFixed(1), non2xx };
}

/**
 * `npm start` to "ready" on the embedded default: a fresh data folder, then a second start on it; after each,
 * the peak RSS after a load (see {@link loadedPeakRssMiB}).
 */
async function startupTimes(): Promise<{ freshMs: number; secondMs: number; reported: string[]; peakRssMiB: number[]; loadNon2xx: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'bastion-bench-start-'));
  const reported: string[] = [];
  const peakRssMiB: number[] = [];
  let loadNon2xx = 0;
  const once = async (): Promise<number> => {
    const env: Env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      // As on the servers: one log line per request during the load.
      LOG_LEVEL,
      EMBEDDED_DB_DIR: join(dir, 'pglite'),
      JWT_KEYS_FILE: join(dir, 'jwt-keys.json'),
      PORT: String(await freePort()),
      AUTH_SERVER_PORT: String(await freePort()),
      // As on the bench's servers: counted, never reached, so that the load is answered, not refused.
      RATE_LIMIT_API: '9999999/1m',
    };
    const started = Date.now();
    // Its own process group, so that npm and the launcher under it are stopped together.
    const proc = spawn('npm', ['start'], { cwd: ROOT, env: env as NodeJS.ProcessEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    try {
      const readyMs = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`npm start was not ready within 120 s:\n${out}`)), 120_000);
        let ready = false;
        const onData = (d: Buffer) => {
          if (ready) return; // the load's log lines are drained, not kept
          out += d.toString();
          const m = ready ? null : /Bastion is ready in ([\d.]+) s/.exec(out);
          if (m) {
            ready = true;
            clearTimeout(timer);
            reported.push(`${m[1]} s`);
            resolve(Date.now() - started);
          }
        };
        proc.stdout?.on('data', onData);
        proc.stderr?.on('data', onData);
        void exited.then(() => reject(new Error(`npm start exited before it was ready:\n${out}`)));
      });
      const loaded = await loadedPeakRssMiB(Number(env.PORT), proc.pid as number);
      peakRssMiB.push(loaded.peakMiB);
      loadNon2xx += loaded.non2xx;
      return readyMs;
    } finally {
      if (proc.pid) process.kill(-proc.pid, 'SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    }
  };
  try {
    const freshMs = await once();
    const secondMs = await once();
    return { freshMs, secondMs, reported, peakRssMiB, loadNon2xx };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Migrates and seeds the PostgreSQL of DATABASE_URL once (every API server shares it); nothing on the embedded default. */
export async function prepareSharedDatabase(): Promise<void> {
  if (!DATABASE_URL) return;
  const db = await openConfiguredDatabase();
  await applyMigrations(db, MIGRATIONS_DIR);
  const prisma = new PrismaClient({ adapter: db.adapter as never });
  await seedDemo(prisma);
  await prisma.$disconnect();
  await db.close();
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

interface Ratio {
  name: string;
  /** Throughput ratio (a p99 row: milliseconds). */
  value: number;
  /** The same ratio from CPU time per request (b's ÷ a's). */
  cpu?: number;
  target?: string;
  ok?: boolean;
  cpuOk?: boolean;
  note?: string;
}

async function main(): Promise<void> {
  check();
  const began = Date.now();
  const machine = {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    ramGiB: +(totalmem() / 2 ** 30).toFixed(1),
    freeGiBAtStart: +(freemem() / 2 ** 30).toFixed(1),
    node: process.version,
    kernel: release(),
    loadAvgAtStart: loadavg().map((l) => +l.toFixed(2)),
  };
  console.log(`Bastion bench: ${machine.nproc} cores (${machine.cpu}), ${machine.ramGiB} GiB, node ${machine.node}, load ${machine.loadAvgAtStart.join(' ')}`);
  console.log(`${DURATION} s per sample, ${CONNECTIONS} connections, ${ROUNDS} round(s); database: ${DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : 'embedded PGlite'}; Redis: ${REDIS_URL ? 'yes (REDIS_URL)' : 'no — Redis rows skipped (set REDIS_URL)'}`);

  console.log('\nargon2id cost…');
  const argon2 = await argon2Cost();
  console.log(`  hash ${fmt(argon2.hashMs, 1)} ms, verify ${fmt(argon2.verifyMs, 1)} ms (m=${argon2.params.memoryCost} KiB, t=${argon2.params.timeCost}, p=${argon2.params.parallelism})`);

  let startup = { freshMs: NaN, secondMs: NaN, reported: ['skipped (BENCH_STARTUP=0)'], peakRssMiB: [] as number[], loadNon2xx: 0 };
  if (process.env.BENCH_STARTUP !== '0') {
    console.log('npm start to ready (embedded default)…');
    startup = await startupTimes();
    console.log(`  fresh data folder ${fmt(startup.freshMs)} ms, second start ${fmt(startup.secondMs)} ms (launcher says ${startup.reported.join(', ')})`);
  }

  await prepareSharedDatabase();

  const specs: ServerSpec[] = [{ name: 'raw node:http', kind: 'raw', adapter: 'fastify', storage: 'memory' }];
  for (const adapter of ADAPTERS) specs.push({ name: `bare Nest ${adapter}`, kind: 'bare', adapter, storage: 'memory' });
  for (const adapter of ADAPTERS) specs.push({ name: `textbook JWT ${adapter}`, kind: 'textbook', adapter, storage: 'memory' });
  for (const adapter of ADAPTERS) {
    specs.push({ name: `api ${adapter} memory`, kind: 'api', adapter, storage: 'memory' });
    if (REDIS_URL) specs.push({ name: `api ${adapter} redis`, kind: 'api', adapter, storage: 'redis' });
  }

  const work = mkdtempSync(join(tmpdir(), 'bastion-bench-'));
  const servers: Running[] = [];
  const stopAll = async () => {
    for (const s of servers) {
      await Promise.race([s.ask('stop'), new Promise((r) => setTimeout(r, 10_000))]);
      if (s.child.exitCode === null) s.child.kill('SIGKILL');
    }
  };
  process.once('SIGINT', () => {
    for (const s of servers) s.child.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
    process.exit(130);
  });

  try {
    console.log('starting servers…');
    // The textbook servers last: their token copies the claims of an access token the API issued.
    const keys = await textbookKeys();
    const creds = new Map<string, Awaited<ReturnType<typeof credentials>>>();
    let textbook: Awaited<ReturnType<typeof textbookToken>> | undefined;
    for (const spec of [...specs.filter((x) => x.kind !== 'textbook'), ...specs.filter((x) => x.kind === 'textbook')]) {
      const dir = join(work, spec.name.replace(/[^a-z0-9]+/gi, '-'));
      mkdirSync(dir, { recursive: true });
      const server = await startServer(spec, dir, spec.kind === 'textbook' ? { BENCH_TEXTBOOK_PUBLIC_KEY: keys.publicKeyPem } : {});
      servers.push(server);
      if (spec.kind === 'api') creds.set(spec.name, await credentials(`http://127.0.0.1:${server.port}`));
      if (spec.kind === 'api' && !textbook) textbook = await textbookToken(keys, (creds.get(spec.name) as { alice: string }).alice);
      console.log(`  ${spec.name} on 127.0.0.1:${server.port}`);
    }
    if (textbook) console.log(`  textbook token ${textbook.tokenBytes} bytes (the API's access token: ${textbook.apiTokenBytes})`);
    const byName = new Map(servers.map((s) => [s.spec.name, s]));
    const scenarios = specs.flatMap((spec) => scenariosFor(byName.get(spec.name) as Running, creds.get(spec.name), textbook?.token));

    console.log(`warming up ${scenarios.length} scenarios…`);
    for (const sc of scenarios) await run(byName.get(sc.server) as Running, { ...sc, auditBlocked: false }, 0.5);

    // Blocks: what is compared runs back to back. The peers (bare Nest, the textbook route) sit in every block
    // whose API scenarios are compared with them.
    const ids = new Set(scenarios.map((sc) => sc.id));
    const blockIds: string[][] = [['raw node:http health', ...ADAPTERS.map((a) => `bare Nest ${a} health`)]];
    for (const a of ADAPTERS) {
      const both = (keys: string[]) => ['memory', 'redis'].flatMap((st) => keys.map((k) => `api ${a} ${st} ${k}`));
      blockIds.push(
        [`bare Nest ${a} health`, ...both(['health'])],
        [`textbook JWT ${a} me-jwt`, ...both(['me-jwt'])],
        [`textbook JWT ${a} me-jwt`, ...both(['doc-jwt', 'doc-key'])],
        both(['denied', 'denied-blocked']),
        both(['login-fail', 'login-ok']),
      );
    }
    const blocked = new Set(blockIds.flat());
    for (const sc of scenarios) if (!blocked.has(sc.id)) blockIds.push([sc.id]);
    const byId = new Map(scenarios.map((sc) => [sc.id, sc]));
    const blocks = blockIds
      .map((b) => b.filter((id) => ids.has(id)).map((id) => byId.get(id) as Scenario))
      .filter((b) => b.length > 0)
      .map((list, index) => ({ index, list }));

    const samples = new Map<string, Sample[]>(scenarios.map((sc) => [sc.id, []]));
    for (let round = 1; round <= ROUNDS; round++) {
      const order = shuffled(blocks, round * 7919).flatMap((b) => (round % 2 ? b.list : [...b.list].reverse()).map((sc) => ({ sc, block: b.index })));
      process.stdout.write(`round ${round}/${ROUNDS}: `);
      for (const { sc, block } of order) {
        const sample = await run(byName.get(sc.server) as Running, sc, DURATION);
        (samples.get(sc.id) as Sample[]).push({ round, block, ...sample });
        process.stdout.write('.');
      }
      process.stdout.write('\n');
    }

    const memory: Record<string, { maxRssMiB: number }> = {};
    for (const s of servers) {
      const r = (await s.ask('rss')) as { maxRssBytes: number };
      memory[s.spec.name] = { maxRssMiB: +(r.maxRssBytes / 2 ** 20).toFixed(1) };
    }
    memory['load generator (this process)'] = { maxRssMiB: +((process.resourceUsage().maxRSS * 1024) / 2 ** 20).toFixed(1) };

    // The table: medians over rounds.
    const rows = scenarios.map((sc) => {
      const list = samples.get(sc.id) as Sample[];
      return {
        server: sc.server,
        scenario: sc.name,
        rps: median(list.map((x) => x.rps)),
        p50: median(list.map((x) => x.p50)),
        p99: median(list.map((x) => x.p99)),
        cpuUs: median(list.map((x) => x.cpuUs)),
        unexpected: list.reduce((n, x) => n + x.unexpected + x.errors, 0),
        auditPending: sc.auditBlocked ? Math.min(...list.map((x) => x.auditPending ?? 0)) : undefined,
      };
    });
    console.log(`\n${pad('server', 22)} ${pad('scenario', 38)} ${lpad('req/s', 8)} ${lpad('p50 ms', 7)} ${lpad('p99 ms', 7)} ${lpad('CPU µs/req', 11)} ${lpad('bad', 5)}`);
    for (const r of rows) {
      console.log(
        `${pad(r.server, 22)} ${pad(r.scenario, 38)} ${lpad(fmt(r.rps), 8)} ${lpad(fmt(r.p50, 1), 7)} ${lpad(fmt(r.p99, 1), 7)} ${lpad(fmt(r.cpuUs), 11)} ${lpad(String(r.unexpected), 5)}`,
      );
    }
    if (!REDIS_URL) console.log(`${pad('api * redis', 22)} ${pad('(all)', 38)} not run: REDIS_URL is not set`);

    // Ratios: per round, then the median. A peer measured in several blocks is paired with the sample of the
    // block both scenarios share (measured back to back); failing that, with its sample of the same round.
    const paired = (a: string, b: string, field: 'rps' | 'p99' | 'cpuUs' = 'rps'): number => {
      const x = samples.get(a);
      const y = samples.get(b);
      if (!x || !y) return NaN;
      const perRound: number[] = [];
      for (let round = 1; round <= ROUNDS; round++) {
        const xs = x.filter((s) => s.round === round);
        const ys = y.filter((s) => s.round === round);
        const xa = xs.find((s) => ys.some((t) => t.block === s.block)) ?? xs[0];
        const yb = ys.find((t) => t.block === xa?.block) ?? ys[0];
        if (xa && yb) perRound.push(xa[field] / (yb[field] || NaN));
      }
      return perRound.length ? median(perRound) : NaN;
    };
    // "a ÷ b" two ways: throughput, and the inverse of CPU time per request (what the throughput ratio would be on
    // an otherwise idle core). Each is judged against the target on its own.
    const ratios: Ratio[] = [];
    const compare = (name: string, a: string, b: string, min?: number, extra: Partial<Ratio> = {}) => {
      const value = paired(a, b);
      const cpu = 1 / paired(a, b, 'cpuUs');
      ratios.push({ name, value, cpu, target: min === undefined ? undefined : `≥ ${min.toFixed(2)}`, ok: min === undefined ? undefined : value >= min, cpuOk: min === undefined ? undefined : cpu >= min, ...extra });
    };
    // Issue 15's targets: each API server against its own adapter's peers.
    const P99_MAX_MS = 5;
    for (const s of servers.filter((x) => x.spec.kind === 'api')) {
      const n = s.spec.name;
      const a = s.spec.adapter;
      const textbookMe = `textbook JWT ${a} me-jwt`;
      compare(`${n}: API /health/live ÷ bare Nest one-route`, `${n} health`, `bare Nest ${a} health`, 0.5);
      compare(`${n}: /v1/users/me (JWT) ÷ textbook JWT route`, `${n} me-jwt`, textbookMe, 1.5);
      // The document read's target depends on the database: 0.5 embedded, 0.6 on PostgreSQL + Redis. PostgreSQL
      // with in-memory limits (no REDIS_URL for this server) is not a setup the issue sets a target for.
      const docMin = !DATABASE_URL ? 0.5 : s.spec.storage === 'redis' ? 0.6 : undefined;
      const docSetup = !DATABASE_URL ? 'embedded' : s.spec.storage === 'redis' ? 'PostgreSQL + Redis' : 'PostgreSQL, no Redis';
      compare(`${n}: /v1/documents/:id (JWT) ÷ textbook JWT route, ${docSetup}`, `${n} doc-jwt`, textbookMe, docMin, docMin === undefined ? { note: 'no target for this setup' } : {});
      compare(`${n}: document by API key ÷ by JWT`, `${n} doc-key`, `${n} doc-jwt`, 0.9);
      // Latency, not a ratio: the median over rounds of each round's p99.
      const p99 = median((samples.get(`${n} me-jwt`) ?? []).map((x) => x.p99));
      const p99Judged = CONNECTIONS === 10;
      ratios.push({
        name: `${n}: p99 of /v1/users/me at ${CONNECTIONS} connections (ms)`,
        value: p99,
        target: p99Judged ? `≤ ${P99_MAX_MS} ms` : undefined,
        ok: p99Judged ? p99 <= P99_MAX_MS : undefined,
        note: p99Judged ? undefined : 'the target is set at 10 connections (BENCH_CONNECTIONS)',
      });
      if (s.spec.storage === 'memory') {
        const p99Ratio = paired(`${n} denied-blocked`, `${n} denied`, 'p99');
        const pending = rows.find((r) => r.server === n && r.auditPending !== undefined)?.auditPending ?? 0;
        compare(`${n}: audited 403, audit store blocked ÷ working`, `${n} denied-blocked`, `${n} denied`, 0.9, {
          note: `p99 ratio ${fmt(p99Ratio, 2)}; ≥ ${pending} events still unwritten when a blocked sample ended`,
        });
        const last = ratios[ratios.length - 1] as Ratio;
        last.ok = Boolean(last.ok) && pending > 0;
      }
    }
    for (const adapter of ADAPTERS) {
      if (!REDIS_URL) continue;
      for (const sc of ['health', 'me-jwt', 'doc-jwt', 'doc-key', 'login-fail']) {
        compare(`api ${adapter}: Redis ÷ in-memory, ${sc}`, `api ${adapter} redis ${sc}`, `api ${adapter} memory ${sc}`, 0.85);
      }
    }
    for (const adapter of ADAPTERS) compare(`${adapter}: bare Nest ÷ raw node:http`, `bare Nest ${adapter} health`, 'raw node:http health');
    if (ADAPTERS.length === 2) {
      compare('textbook JWT route: express ÷ fastify', 'textbook JWT express me-jwt', 'textbook JWT fastify me-jwt');
      compare('API /v1/users/me: express ÷ fastify', 'api express memory me-jwt', 'api fastify memory me-jwt');
    }

    console.log(`\n${pad('ratio (median of per-round ratios)', 78)} ${lpad('req/s', 6)} ${lpad('CPU', 6)}   ${pad('target', 7)} result (req/s, CPU)`);
    const verdict = (ok?: boolean) => (ok === undefined ? '' : ok ? 'met' : 'missed');
    for (const r of ratios) {
      const result = r.ok === undefined ? '' : r.cpuOk === undefined ? verdict(r.ok) : `${verdict(r.ok)}, ${verdict(r.cpuOk)}`;
      console.log(`${pad(r.name, 78)} ${lpad(fmt(r.value, r.cpu === undefined ? 1 : 2), 6)} ${lpad(fmt(r.cpu ?? NaN, 2), 6)}   ${pad(r.target ?? '', 7)} ${result}${r.note ? `  (${r.note})` : ''}`);
    }
    console.log(`\nargon2id per login: hash ${fmt(argon2.hashMs, 1)} ms, verify ${fmt(argon2.verifyMs, 1)} ms`);
    if (Number.isNaN(startup.freshMs)) console.log('npm start to ready: skipped (BENCH_STARTUP=0)');
    else console.log(`npm start to ready: fresh ${fmt(startup.freshMs / 1000, 1)} s, second ${fmt(startup.secondMs / 1000, 1)} s (target ≤ 20 s: ${startup.freshMs <= 20_000 && startup.secondMs <= 20_000 ? 'met' : 'MISSED'})`);
    if (startup.peakRssMiB.length) console.log(`npm start peak RSS after ${STARTUP_LOAD_S} s of /v1/users/me and of /v1/documents/:id: fresh ${startup.peakRssMiB.join(' MiB, second ')} MiB (target ≤ 400 MiB: ${startup.peakRssMiB.every((m) => m <= 400) ? 'met' : 'MISSED'}${startup.loadNon2xx ? `; ${startup.loadNon2xx} responses not 2xx` : ''})`);
    console.log('peak RSS: ' + Object.entries(memory).map(([k, v]) => `${k} ${v.maxRssMiB} MiB`).join('; '));

    const out = process.env.BENCH_OUT ?? join(ROOT, 'bench-results', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    mkdirSync(join(out, '..'), { recursive: true });
    const report = {
      startedAt: new Date(began).toISOString(),
      seconds: Math.round((Date.now() - began) / 1000),
      machine: { ...machine, loadAvgAtEnd: loadavg().map((l) => +l.toFixed(2)) },
      settings: { duration: DURATION, connections: CONNECTIONS, rounds: ROUNDS, adapters: ADAPTERS, logLevel: LOG_LEVEL, database: DATABASE_URL ? 'postgresql' : 'pglite', redis: Boolean(REDIS_URL) },
      textbook: { tokenBytes: textbook?.tokenBytes, apiTokenBytes: textbook?.apiTokenBytes, algorithm: 'ES256' },
      blocks: blocks.map((b) => b.list.map((sc) => sc.id)),
      argon2,
      startup,
      rows,
      samples: Object.fromEntries(samples),
      ratios,
      memory,
    };
    writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nJSON: ${out} (${report.seconds} s in all)`);
  } finally {
    await stopAll();
    rmSync(work, { recursive: true, force: true });
  }
}

// Run as `npm run bench`; scripts/bench-profile.ts imports the helpers above.
if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
