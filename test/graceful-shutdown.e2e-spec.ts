import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baseEnv, prepareDatabase, type Env } from './support/harness';
import { DEMO_PASSWORD } from './support/http';
import { answers, freePort, runNode, waitFor } from './support/processes';

// The built API as its own process (`node dist/apps/api/src/main.js`, what the Dockerfile runs), sent SIGTERM while
// a request is in flight: readiness answers 503 at once, the request completes, the process exits 0 within the bound.
const DRAIN_MS = 1500;
const GRACE_MS = 5000;

jest.setTimeout(120_000);

/** A login whose body arrives in two parts: in flight from the first byte until `finish()` sends the rest. */
function slowLogin(port: number): { finish(): void; response: Promise<{ status: number; body: string }> } {
  const body = JSON.stringify({ email: 'alice@example.com', password: DEMO_PASSWORD });
  const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/auth/login', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
  });
  req.write(body.slice(0, 10));
  return { finish: () => req.end(body.slice(10)), response };
}

describe.each(['fastify', 'express'] as const)('graceful shutdown on SIGTERM (e2e, %s)', (adapter) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bastion-shutdown-'));
  let env: Env;

  beforeAll(async () => {
    env = { ...baseEnv(), EMBEDDED_DB_DIR: process.env.DATABASE_URL ? undefined : join(dataDir, 'pglite') };
    // Migrated and seeded here, then let go: the API process opens it itself (PGlite allows one process).
    const db = await prepareDatabase(env);
    await db.close();
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('readiness goes 503, the in-flight request completes, and the process exits 0 within the bound', async () => {
    const port = await freePort();
    const child = runNode('dist/apps/api/src/main.js', {
      ...process.env,
      ...env,
      PORT: String(port),
      HTTP_ADAPTER: adapter,
      LOG_LEVEL: 'info',
      SHUTDOWN_DRAIN_DELAY_MS: String(DRAIN_MS),
      SHUTDOWN_GRACE_MS: String(GRACE_MS),
    });
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitFor(() => answers(`${base}/health/ready`), 60_000, 'the API to be ready', child.output);

      const inFlight = slowLogin(port);
      await new Promise((r) => setTimeout(r, 200));
      const signalled = Date.now();
      child.proc.kill('SIGTERM');

      // Readiness is down at once, while the server still answers.
      await waitFor(async () => (await fetch(`${base}/health/ready`)).status === 503, 1000, 'readiness 503', child.output);
      const ready = await fetch(`${base}/health/ready`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { checks: Record<string, string> }).checks.shutdown).toBe('down');
      expect((await fetch(`${base}/health/live`)).status).toBe(200);

      // Past the drain delay the server is closing; the request that was already in flight still completes.
      await new Promise((r) => setTimeout(r, DRAIN_MS + 300));
      inFlight.finish();
      const done = await inFlight.response;
      expect(done.status).toBe(200);
      expect(JSON.parse(done.body).accessToken).toEqual(expect.any(String));

      const code = await child.exited;
      // The output comes along when it fails: it says which step did not finish.
      expect(`${child.output().slice(-1500)}\nexit ${code}`).toMatch(/exit 0$/);
      expect(Date.now() - signalled).toBeLessThan(DRAIN_MS + GRACE_MS);
      expect(child.output()).toMatch(/SIGTERM: readiness is down/);
      expect(child.output()).toMatch(/stopped/);
      // Closed: nothing answers any more.
      expect(await answers(`${base}/health/live`)).toBe(false);
    } finally {
      if (child.proc.exitCode === null) child.proc.kill('SIGKILL');
    }
  });

  it('a second signal ends the process at once', async () => {
    const port = await freePort();
    const child = runNode('dist/apps/api/src/main.js', { ...process.env, ...env, PORT: String(port), HTTP_ADAPTER: adapter, SHUTDOWN_DRAIN_DELAY_MS: '30000', SHUTDOWN_GRACE_MS: '30000' });
    try {
      await waitFor(() => answers(`http://127.0.0.1:${port}/health/ready`), 60_000, 'the API to be ready', child.output);
      child.proc.kill('SIGTERM');
      await waitFor(() => child.output().includes('readiness is down'), 5000, 'the first signal', child.output);
      const second = Date.now();
      child.proc.kill('SIGTERM');
      expect(await child.exited).toBe(1);
      expect(Date.now() - second).toBeLessThan(2000);
    } finally {
      if (child.proc.exitCode === null) child.proc.kill('SIGKILL');
    }
  });
});
