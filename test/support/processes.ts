import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export { freePort } from '../../scripts/free-port';

/** The repository root. */
export const ROOT = join(__dirname, '..', '..');


/** A child process and everything it printed so far. */
export interface Child {
  proc: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string>;
}

/** Starts `node <script>` from the repository root with `env` over a clean base environment. */
export function runNode(script: string, env: Record<string, string | undefined>): Child {
  const base: Record<string, string | undefined> = { PATH: process.env.PATH, HOME: process.env.HOME };
  const proc = spawn(process.execPath, [script], { cwd: ROOT, env: { ...base, ...env } as NodeJS.ProcessEnv });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((resolve) =>
    proc.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return { proc, output: () => out, exited };
}

/** Waits until `predicate` holds, polling; fails after `ms`. */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  ms: number,
  what: string,
  context: () => string = () => '',
): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}\n${context()}`);
}

/** Polls `fn` until it returns true or `ms` pass; returns the time it took (for bounds such as "within 1 s"). */
export async function within(ms: number, fn: () => Promise<boolean>, pollMs = 25): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (await fn()) return Date.now() - start;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  throw new Error(`not within ${ms} ms`);
}

/** Whether something answers HTTP at `url` with `status`. */
export async function answers(url: string, status = 200): Promise<boolean> {
  try {
    return (await fetch(url)).status === status;
  } catch {
    return false;
  }
}
