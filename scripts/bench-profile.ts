import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { attribute, type CpuProfile, STAGES } from './bench-budget';
import { textbookKeys, textbookToken } from './bench-peers';
import { type Adapter, credentials, prepareSharedDatabase, run, type Running, scenariosFor, type ServerSpec, startServer, type Storage } from './bench';

// `npm run bench:profile -- --scenario me-jwt --adapter fastify [--seconds 8]`:
// the per-request budget (docs/performance.md, "The per-request budget").
//
// Starts one server exactly as `npm run bench` does (same environment: LOG_LEVEL
// from BENCH_LOG_LEVEL, default info; DATABASE_URL and REDIS_URL as set), warms
// the scenario up, then starts the V8 CPU profiler inside the server (over IPC,
// so start-up, migrations, seeding and warm-up stay out of the profile), drives
// autocannon for --seconds, stops the profiler, writes the .cpuprofile to
// bench-results/ and prints the CPU µs per request of each stage
// (scripts/bench-budget.ts says how samples are attributed).

const SCENARIOS = ['health', 'me-jwt', 'doc-jwt', 'doc-key', 'login-fail', 'login-ok', 'denied', 'textbook', 'bare', 'raw'] as const;
type ScenarioKey = (typeof SCENARIOS)[number];

const ROOT = join(__dirname, '..', '..');

function options() {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string', default: 'me-jwt' },
      adapter: { type: 'string', default: 'fastify' },
      storage: { type: 'string', default: 'memory' },
      seconds: { type: 'string', default: '8' },
      warmup: { type: 'string', default: '3' },
      interval: { type: 'string', default: '500' },
      out: { type: 'string' },
    },
  });
  const scenario = values.scenario as ScenarioKey;
  if (!SCENARIOS.includes(scenario)) throw new Error(`--scenario must be one of ${SCENARIOS.join(', ')}`);
  const adapter = values.adapter as Adapter;
  if (adapter !== 'fastify' && adapter !== 'express') throw new Error('--adapter must be fastify or express');
  const storage = values.storage as Storage;
  if (storage !== 'memory' && storage !== 'redis') throw new Error('--storage must be memory or redis');
  if (storage === 'redis' && !process.env.REDIS_URL) throw new Error('--storage redis needs REDIS_URL');
  const seconds = Number(values.seconds);
  const warmup = Number(values.warmup);
  const interval = Number(values.interval);
  if (!(seconds >= 1 && seconds <= 600)) throw new Error('--seconds must be between 1 and 600');
  if (!(warmup >= 0 && warmup <= 600)) throw new Error('--warmup must be between 0 and 600');
  if (!(interval >= 50 && interval <= 100_000)) throw new Error('--interval (µs between samples) must be between 50 and 100000');
  return { scenario, adapter, storage, seconds, warmup, interval, out: values.out };
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

async function main(): Promise<void> {
  const o = options();
  const kind: ServerSpec['kind'] = o.scenario === 'textbook' ? 'textbook' : o.scenario === 'bare' ? 'bare' : o.scenario === 'raw' ? 'raw' : 'api';
  const loadAtStart = loadavg().map((l) => +l.toFixed(2));
  console.log(`bench:profile ${o.scenario} on ${o.adapter} (${kind}, ${o.storage}), ${o.seconds} s, a sample every ${o.interval} µs; load ${loadAtStart.join(' ')}`);

  const work = mkdtempSync(join(tmpdir(), 'bastion-profile-'));
  const servers: Running[] = [];
  try {
    await prepareSharedDatabase();
    const start = async (spec: ServerSpec, extra: Record<string, string> = {}) => {
      const dir = join(work, spec.name.replace(/[^a-z0-9]+/gi, '-'));
      mkdirSync(dir, { recursive: true });
      const server = await startServer(spec, dir, extra);
      servers.push(server);
      return server;
    };
    // The textbook route needs a token shaped like the API's: one API server issues it, as in the bench.
    const needsApi = kind === 'api' || kind === 'textbook';
    const api = needsApi ? await start({ name: `api ${o.adapter} ${o.storage}`, kind: 'api', adapter: o.adapter, storage: o.storage }) : undefined;
    const creds = api ? await credentials(`http://127.0.0.1:${api.port}`) : undefined;
    let server: Running;
    let token: string | undefined;
    if (kind === 'textbook') {
      const keys = await textbookKeys();
      token = (await textbookToken(keys, (creds as { alice: string }).alice)).token;
      if (api) {
        // Its token is all the textbook server needs: stop it, so that it takes no CPU during the profile.
        const exited = new Promise((resolve) => api.child.once('exit', resolve));
        await api.ask('stop');
        await exited;
        servers.splice(servers.indexOf(api), 1);
      }
      server = await start({ name: `textbook JWT ${o.adapter}`, kind, adapter: o.adapter, storage: 'memory' }, { BENCH_TEXTBOOK_PUBLIC_KEY: keys.publicKeyPem });
    } else if (kind === 'api') {
      server = api as Running;
    } else {
      server = await start({ name: kind === 'raw' ? 'raw node:http' : `bare Nest ${o.adapter}`, kind, adapter: o.adapter, storage: 'memory' });
    }
    const suffix = kind === 'api' ? o.scenario : kind === 'textbook' ? 'me-jwt' : 'health';
    const sc = scenariosFor(server, kind === 'api' ? creds : undefined, token).find((x) => x.id === `${server.spec.name} ${suffix}`);
    if (!sc) throw new Error(`no scenario ${suffix} on ${server.spec.name}`);

    if (o.warmup > 0) {
      console.log(`warming up ${o.warmup} s…`);
      await run(server, sc, o.warmup);
    }
    const file = o.out ?? join(ROOT, 'bench-results', `profile-${o.scenario}-${o.adapter}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
    mkdirSync(join(file, '..'), { recursive: true });
    console.log(`profiling ${o.seconds} s of ${sc.method} ${sc.path}…`);
    const started = (await server.ask('profile-start', o.interval)) as true | { error: string };
    if (started !== true) throw new Error(`profile-start: ${started.error}`);
    const thread0 = (await server.ask('thread-cpu')) as number;
    const sample = await run(server, sc, o.seconds);
    const thread1 = (await server.ask('thread-cpu')) as number;
    const stopped = (await server.ask('profile-stop', file)) as true | { error: string };
    if (stopped !== true) throw new Error(`profile-stop: ${stopped.error}`);

    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const a = attribute(profile);
    const requests = sample.total;
    const mainUs = (thread1 - thread0) / requests;
    const allUs = sample.cpuUs;
    const stages = [...a.byStage].map(([name, samples]) => ({ name, samples, share: samples / (a.busySamples || NaN), usPerRequest: (samples / (a.busySamples || NaN)) * mainUs }));

    console.log(`\n${requests} requests (${fmt(sample.rps)} req/s, p50 ${sample.p50} ms, p99 ${sample.p99} ms, ${sample.unexpected + sample.errors} unexpected)`);
    console.log(`CPU per request: ${fmt(allUs)} µs, all threads; ${fmt(mainUs)} µs on the main thread (what the stages below divide); ${fmt(allUs - mainUs)} µs on other threads (GC helpers, libuv's pool)`);
    console.log(`${a.busySamples} busy samples (${a.idleSamples} idle) over the load window\n`);
    console.log(`${pad('stage', 34)} ${lpad('µs/req', 8)} ${lpad('share', 7)} ${lpad('samples', 8)}`);
    for (const s of stages) console.log(`${pad(s.name, 34)} ${lpad(fmt(s.usPerRequest), 8)} ${lpad(`${fmt(s.share * 100, 1)} %`, 7)} ${lpad(String(s.samples), 8)}`);
    console.log(`${pad('main thread, in all', 34)} ${lpad(fmt(mainUs), 8)}`);
    if (a.otherFrames.length > 0) {
      console.log('\n"other", by leaf frame (extend the patterns in scripts/bench-budget.ts when one of these belongs to a stage):');
      for (const f of a.otherFrames.slice(0, 8)) console.log(`  ${lpad(String(f.samples), 6)}  ${f.frame.replace(ROOT, '.')}`);
    }

    const summary = file.replace(/\.cpuprofile$/, '') + '.budget.json';
    writeFileSync(
      summary,
      `${JSON.stringify(
        {
          scenario: { key: o.scenario, method: sc.method, path: sc.path, server: server.spec, logLevel: process.env.BENCH_LOG_LEVEL ?? 'info', database: process.env.DATABASE_URL ? 'postgresql' : 'pglite' },
          seconds: o.seconds,
          samplingIntervalUs: o.interval,
          load: { atStart: loadAtStart, atEnd: loadavg().map((l) => +l.toFixed(2)) },
          requests,
          sample,
          cpuUsPerRequest: { allThreads: allUs, mainThread: mainUs },
          busySamples: a.busySamples,
          idleSamples: a.idleSamples,
          stages,
          otherFrames: a.otherFrames.slice(0, 30),
          stagePatterns: STAGES.map((s) => ({ name: s.name, weak: Boolean(s.weak), patterns: s.patterns.map(String) })),
        },
        null,
        2,
      )}\n`,
    );
    console.log(`\nprofile: ${file}\nbudget:  ${summary}`);
  } finally {
    for (const s of servers) {
      if (s.child.exitCode !== null) continue;
      await Promise.race([s.ask('stop'), new Promise((r) => setTimeout(r, 10_000))]);
      if (s.child.exitCode === null) s.child.kill('SIGKILL');
    }
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
