import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { Client } from 'pg';
import { freePort } from './free-port';

export { freePort };

// The real processes of `npm run test:faults` (scripts/fault-drill.ts): a
// PostgreSQL cluster and a redis-server of its own on free loopback ports,
// and API instances as child processes. Each can be killed and started again;
// nothing here is a mock.

const run = promisify(execFile);

/** Where PostgreSQL's server programs are (Debian's layout); PG_BIN overrides it. */
export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';


export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Whether `pid` runs; a zombie (killed, not yet reaped by its parent) still answers signal 0 but does not count. */
async function alive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const { stdout } = await run('ps', ['-o', 'stat=', '-p', String(pid)]).catch(() => ({ stdout: '' }));
  const state = stdout.trim();
  return state !== '' && !state.startsWith('Z');
}

/** What is missing for the drill to run, one line each (empty: all there). */
export function missingPrerequisites(root: string): string[] {
  const missing: string[] = [];
  if (!existsSync(join(PG_BIN, 'initdb'))) missing.push(`${join(PG_BIN, 'initdb')} not found (set PG_BIN to PostgreSQL's bin folder)`);
  if (!existsSync(join(root, 'dist', 'apps', 'api', 'src', 'main.js'))) missing.push('dist/apps/api/src/main.js not found (npm run build)');
  return missing;
}

/**
 * A PostgreSQL cluster of the drill's own, in a temporary folder, on a free
 * port. initdb and postgres refuse to run as root: as root (CI) every tool
 * runs as the `postgres` user through runuser; otherwise as the current user.
 */
export class PgCluster {
  readonly url: string;
  private readonly data: string;
  private readonly log: string;
  private starting?: Promise<void>;
  private frozen: number[] = [];
  private running = false;
  private ownsDir = false;

  /** A cluster in a new temp folder on a free port, created and started; {@link destroy} removes the folder. */
  static async temporary(database: string): Promise<PgCluster> {
    const cluster = new PgCluster(join(mkdtempSync(join(tmpdir(), 'bastion-pg-')), 'pg'), await freePort(), database);
    cluster.ownsDir = true;
    await cluster.create();
    return cluster;
  }

  constructor(
    private readonly dir: string,
    readonly port: number,
    readonly database = 'bastion_drill',
  ) {
    this.data = join(dir, 'data');
    this.log = join(dir, 'postgres.log');
    this.url = `postgresql://postgres@127.0.0.1:${port}/${database}`;
  }

  private async tool(name: string, args: string[], timeoutMs = 60_000): Promise<string> {
    const bin = join(PG_BIN, name);
    const asRoot = process.getuid?.() === 0;
    const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
    try {
      const { stdout } = await run(cmd, argv, { timeout: timeoutMs, cwd: '/' });
      return stdout;
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      throw new Error(`${name} ${args.join(' ')} failed: ${(e.stderr || e.message).trim()}`);
    }
  }

  /** initdb (trust on loopback only), start, and an empty database. */
  async create(): Promise<void> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    if (process.getuid?.() === 0) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      const { stdout: gid } = await run('id', ['-g', 'postgres']);
      chownSync(this.dir, Number(stdout.trim()), Number(gid.trim()));
      // The temp folder above is root's 0700: the postgres user needs to pass through it.
      chmodSync(join(this.dir, '..'), 0o711);
    }
    // -N: no fsync of the new cluster's files; the drill's own writes are fsynced as usual.
    await this.tool('initdb', ['-D', this.data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '-N']);
    await this.start();
    const client = new Client({ connectionString: `postgresql://postgres@127.0.0.1:${this.port}/postgres` });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${this.database}`);
    } finally {
      await client.end();
    }
  }

  /** Starts the server and waits until it accepts connections. */
  start(): Promise<void> {
    const starting = this.launch();
    this.starting = starting.catch(() => undefined);
    return starting;
  }

  private async launch(): Promise<void> {
    await this.tool('pg_ctl', [
      'start', '-D', this.data, '-w', '-t', '30', '-l', this.log,
      '-o', `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1`,
    ]);
    this.running = true;
  }

  /** Starts it unless it runs (after a test that failed while it was down). */
  async ensureStarted(): Promise<void> {
    if (!this.running) await this.start();
  }

  /** `pg_ctl stop -m immediate`: every backend is killed at once, as in a crash (recovery replays the WAL on start). */
  async kill(): Promise<void> {
    await this.tool('pg_ctl', ['stop', '-D', this.data, '-m', 'immediate', '-w', '-t', '30']);
    this.running = false;
  }

  /** SIGKILL to the postmaster and every backend it started: the machine-crash case. */
  async kill9(): Promise<void> {
    const postmaster = this.postmasterPid();
    const children = await this.children(postmaster);
    process.kill(postmaster, 'SIGKILL');
    this.running = false;
    for (const child of children) {
      try {
        process.kill(child, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    // PostgreSQL refuses to start while a process of the old server still holds its shared memory.
    const deadline = Date.now() + 10_000;
    for (const victim of [postmaster, ...children]) {
      while (Date.now() < deadline && (await alive(victim))) await sleep(50);
    }
    // Where nobody reaps the killed postmaster (no init in a container), its zombie still answers kill(pid, 0) and
    // PostgreSQL takes its lock file for a live server: drop the file, as a reboot after a crash would.
    rmSync(join(this.data, 'postmaster.pid'), { force: true });
    rmSync(join(this.dir, `.s.PGSQL.${this.port}.lock`), { force: true });
  }

  /**
   * SIGSTOP to the postmaster, then to each of its children: every connection stays open and nothing answers,
   * as with a database that hangs (a full disk, a lock, a network partition that drops packets).
   * The postmaster first, so that it forks no new backend in between.
   */
  async freeze(): Promise<void> {
    const postmaster = this.postmasterPid();
    process.kill(postmaster, 'SIGSTOP');
    this.frozen = [postmaster, ...(await this.children(postmaster))];
    for (const pid of this.frozen.slice(1)) process.kill(pid, 'SIGSTOP');
  }

  /** SIGCONT to what {@link freeze} stopped, children first. */
  async thaw(): Promise<void> {
    for (const pid of [...this.frozen].reverse()) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // Gone already.
      }
    }
    this.frozen = [];
  }

  private postmasterPid(): number {
    const pid = Number(readFileSync(join(this.data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (!Number.isSafeInteger(pid) || pid <= 1) throw new Error(`no postmaster pid in ${join(this.data, 'postmaster.pid')}`);
    return pid;
  }

  private async children(pid: number): Promise<number[]> {
    const { stdout } = await run('ps', ['-o', 'pid=', '--ppid', String(pid)]).catch(() => ({ stdout: '' }));
    return stdout.split('\n').map((l) => Number(l.trim())).filter((n) => Number.isSafeInteger(n) && n > 1);
  }

  /** Stops the cluster if it runs, also one still starting or frozen; never throws (cleanup). */
  async destroy(): Promise<void> {
    await this.thaw();
    await this.starting;
    if (existsSync(join(this.data, 'postmaster.pid'))) {
      await this.tool('pg_ctl', ['stop', '-D', this.data, '-m', 'immediate', '-w', '-t', '30'], 35_000).catch(() => undefined);
    }
    if (this.ownsDir) rmSync(join(this.dir, '..'), { recursive: true, force: true });
  }

  /** Runs `fn` with a plain connection to the drill's database. */
  async withClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: this.url });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  }
}

/**
 * A redis-server of the drill's own, keeping nothing on disk (as compose runs
 * it): killed with SIGKILL it comes back empty.
 */
export class RedisServer {
  readonly url: string;
  private child?: ChildProcess;
  private exited?: Promise<void>;

  constructor(
    private readonly logFile: string,
    readonly port: number,
  ) {
    this.url = `redis://127.0.0.1:${port}/0`;
  }

  async start(): Promise<void> {
    const out = openSync(this.logFile, 'a');
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    let failed: Error | undefined;
    child.once('error', (error) => (failed = error));
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      if (failed) throw new Error(`redis-server did not start: ${failed.message}`);
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode} (see ${this.logFile})`);
      if (await this.ping()) return;
      await sleep(50);
    }
    throw new Error(`redis-server did not answer PING within 10 s (see ${this.logFile})`);
  }

  /** One PING on a fresh connection; false when nothing answers. */
  async ping(): Promise<boolean> {
    const client = this.client();
    try {
      return (await client.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      client.disconnect();
    }
  }

  /** SIGKILL: the server and everything it held are gone. */
  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
    this.child = undefined;
  }

  /** Runs one command on a fresh connection. */
  async command<T>(fn: (client: Redis) => Promise<T>): Promise<T> {
    const client = this.client();
    try {
      return await fn(client);
    } finally {
      client.disconnect();
    }
  }

  private client(): Redis {
    return new Redis(this.url, { lazyConnect: false, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: true, connectTimeout: 1000 }).on('error', () => undefined);
  }
}

/** One API process (dist/apps/api/src/main.js), restartable on the same port. */
export class ApiInstance {
  /** Times (ms since the epoch) when this instance was killed or stopped, and when it answered again. */
  readonly downs: { from: number; to: number }[] = [];
  private child?: ChildProcess;
  private exited?: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private stopping = false;
  /** Answered readiness since its last start: an exit from then on, unasked for, is a crash. */
  private ready = false;
  private starting?: Promise<number>;
  readonly url: string;
  /** Called when the process ends without having been sent a signal by the drill: a crash. */
  onCrash?: (code: number | null, signal: NodeJS.Signals | null) => void;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly root: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly logFile: string,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  /** Starts the process and waits until /health/ready answers 200: how long that took. */
  start(timeoutMs = 90_000): Promise<number> {
    this.starting = this.launch(timeoutMs);
    return this.starting;
  }

  /** Waits for a start under way (after a crash, say); resolves at once when none is. */
  async whenStarted(): Promise<void> {
    await this.starting;
  }

  private async launch(timeoutMs: number): Promise<number> {
    const started = Date.now();
    this.stopping = false;
    this.ready = false;
    const out = openSync(this.logFile, 'a');
    const child = spawn(process.execPath, [join(this.root, 'dist', 'apps', 'api', 'src', 'main.js')], {
      cwd: this.root,
      env: { ...this.env, PORT: String(this.port) },
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    this.child = child;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        const crashed = this.ready && !this.stopping;
        this.ready = false;
        if (crashed) {
          this.downs.push({ from: Date.now(), to: Infinity });
          this.onCrash?.(code, signal);
        }
        resolve({ code, signal });
      }),
    );
    const until = started + timeoutMs;
    while (Date.now() < until) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`API ${this.name} exited with ${child.exitCode ?? child.signalCode} while starting (see ${this.logFile})`);
      const status = await fetch(`${this.url}/health/ready`, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) {
        this.ready = true;
        const open = this.downs.at(-1);
        if (open && open.to === Infinity) open.to = Date.now();
        return Date.now() - started;
      }
      await sleep(100);
    }
    throw new Error(`API ${this.name} was not ready within ${timeoutMs / 1000} s (see ${this.logFile})`);
  }

  /** Sends `signal`; from now on requests to this instance count as sent to an instance that is down. */
  signal(signal: NodeJS.Signals): void {
    this.stopping = true;
    this.downs.push({ from: Date.now(), to: Infinity });
    this.child?.kill(signal);
  }

  /** Waits for the process to end: its exit code or signal, or `undefined` when it did not end within `ms`. */
  async exit(ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined> {
    if (!this.exited) return { code: null, signal: null };
    return Promise.race([this.exited, sleep(ms).then(() => undefined)]);
  }

  /** Whether the process is alive (started, not yet exited). */
  running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Whether the instance was down (or stopping) at any moment of [from, to]. */
  wasDown(from: number, to: number): boolean {
    return this.downs.some((d) => from <= d.to && to >= d.from);
  }

  /** The last error the process printed (an uncaught exception's first line), if any. */
  lastError(): string | undefined {
    const text = existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8').slice(-20_000) : '';
    return text.match(/^\w*Error: .*$/gm)?.at(-1);
  }

  /** SIGKILL if still running; never throws (cleanup). */
  async destroy(): Promise<void> {
    this.stopping = true;
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exit(5000);
    }
  }
}
