import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './processes';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (killed, not yet reaped by its parent) still answers signal 0.
  const state = spawnSync('ps', ['-o', 'stat=', '-p', String(pid)]).stdout.toString().trim();
  return state !== '' && !state.startsWith('Z');
}

/** Where Debian puts the PostgreSQL 15 server binaries (initdb, pg_ctl). */
const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

/**
 * A throwaway PostgreSQL cluster of one test file, on a free loopback port in a temp folder, so that a test can
 * kill and restart a real server without touching the shared one. PostgreSQL refuses to run as root: as root the
 * commands run as the `postgres` user.
 */
export class PgCluster {
  readonly dir: string;
  readonly port: number;

  private running = false;

  private constructor(dir: string, port: number) {
    this.dir = dir;
    this.port = port;
  }

  /** Runs initdb in a new temp folder and picks a free port (not started yet). */
  static async create(): Promise<PgCluster> {
    if (!existsSync(join(BIN, 'initdb'))) throw new Error(`no initdb in ${BIN}: install postgresql (or set PG_BIN)`);
    const dir = mkdtempSync(join(tmpdir(), 'bastion-pg-'));
    const cluster = new PgCluster(dir, await freePort());
    if (process.getuid?.() === 0) {
      chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
      chmodSync(dir, 0o700);
    }
    cluster.run('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    return cluster;
  }

  /** The URL of its `postgres` database. */
  get url(): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** Starts the server and waits until it accepts connections. */
  start(): void {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40`;
    this.run('pg_ctl', ['-D', join(this.dir, 'data'), '-l', join(this.dir, 'log'), '-o', options, '-w', '-t', '30', 'start']);
    this.running = true;
  }

  /** Starts it unless it runs (after a test that failed while it was down). */
  ensureStarted(): void {
    if (!this.running) this.start();
  }

  /** `pg_ctl stop -m immediate`: every backend quits at once, as on a crash; clients see their connections drop. */
  stopImmediate(): void {
    this.run('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']);
    this.running = false;
  }

  /** SIGKILL to the postmaster and every backend it started: the machine-crash case. */
  kill9(): void {
    const pid = Number(readFileSync(join(this.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)]).stdout.toString().split('\n').map(Number).filter((n) => n > 0);
    process.kill(pid, 'SIGKILL');
    this.running = false;
    for (const child of children) {
      try {
        process.kill(child, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    // PostgreSQL refuses to start while a process of the old server still holds its shared memory.
    const deadline = Date.now() + 10_000;
    for (const victim of [pid, ...children]) {
      while (Date.now() < deadline && alive(victim)) spawnSync('sleep', ['0.05']);
    }
    // Where nobody reaps the killed postmaster (no init in a container), its zombie still answers kill(pid, 0) and
    // PostgreSQL takes its lock file for a live server: drop the file, as a reboot after a crash would.
    rmSync(join(this.dir, 'data', 'postmaster.pid'), { force: true });
    rmSync(join(this.dir, `.s.PGSQL.${this.port}.lock`), { force: true });
  }

  /** Stops it (if running) and removes the folder. */
  destroy(): void {
    try {
      this.run('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']);
    } catch {
      // not running
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private run(command: string, args: string[]): void {
    const binary = join(BIN, command);
    const result =
      process.getuid?.() === 0
        ? spawnSync('runuser', ['-u', 'postgres', '--', binary, ...args], { encoding: 'utf8' })
        : spawnSync(binary, args, { encoding: 'utf8' });
    if (result.status !== 0) {
      const log = existsSync(join(this.dir, 'log')) ? readFileSync(join(this.dir, 'log'), 'utf8').split('\n').slice(-8).join('\n') : '';
      throw new Error(`${command} failed (${result.status}): ${result.stderr}${result.stdout}\n${log}`);
    }
  }
}
