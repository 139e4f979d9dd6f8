import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answers, freePort, runNode, waitFor } from './support/processes';

// Acceptance 1: `npm start` on the embedded default, twice on the same data,
// and Ctrl-C (SIGINT) ends it cleanly. The launcher is what `npm start` runs
// after its build step.
describe('npm start on the embedded database (e2e)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bastion-launch-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  async function startOnce(script = 'dist/scripts/launch.js'): Promise<{ output: string; readyMs: number; argv: string[] }> {
    const [port, authPort] = [await freePort(), await freePort()];
    const started = Date.now();
    const child = runNode(script, {
      PORT: String(port),
      AUTH_SERVER_PORT: String(authPort),
      EMBEDDED_DB_DIR: join(dataDir, 'pglite'),
      LOG_LEVEL: 'warn',
    });
    try {
      await waitFor(() => answers(`http://127.0.0.1:${port}/health/ready`), 60_000, 'the API to be ready', child.output);
      const readyMs = Date.now() - started;
      expect(await answers(`http://127.0.0.1:${authPort}/health/ready`)).toBe(true);
      await waitFor(() => child.output().includes('Press Ctrl-C to stop.'), 5_000, 'the banner', child.output);
      // The process that answers: scripts/start.js re-executes itself under the same pid.
      const argv = readFileSync(`/proc/${child.proc.pid}/cmdline`, 'utf8').split('\0');
      child.proc.kill('SIGINT');
      expect(await child.exited).toBe(0);
      expect(await answers(`http://127.0.0.1:${port}/health/live`)).toBe(false);
      expect(await answers(`http://127.0.0.1:${authPort}/health/live`)).toBe(false);
      return { output: child.output(), readyMs, argv };
    } finally {
      if (child.proc.exitCode === null) child.proc.kill('SIGKILL');
    }
  }

  it('migrates and seeds on the first start, reuses the data on the second, and stops on SIGINT', async () => {
    const first = await startOnce();
    expect(first.output).toMatch(/Applied migration\(s\): 20261127000000_init/);
    expect(first.output).toMatch(/Seeded the embedded demo: 4 users/);
    expect(first.output).toMatch(/alice@example\.com\s+editor\s+engineering\s+acme/);

    // The second start as `npm start` runs it: scripts/start.js, which takes the runtime flags of
    // scripts/runtime-profile.js (docs/performance.md, "Memory") and still stops on SIGINT with exit code 0.
    const second = await startOnce('scripts/start.js');
    expect(second.output).not.toMatch(/Applied migration|Seeded/);
    expect(second.output).toMatch(/Bastion is ready/);
    expect(second.argv).toEqual(expect.arrayContaining(['--liftoff-only', '--max-semi-space-size=16', '--heap-growing-percent=30']));
  }, 150_000);
});
