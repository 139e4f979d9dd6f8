import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_POLICY } from '../apps/api/src/authz/demo-policy';
import { openConfiguredDatabase } from '../scripts/database';
import { call, DEMO_PASSWORD, login } from './support/http';
import { answers, freePort, runNode, waitFor, type Child } from './support/processes';

// The whole app as `npm start` runs it, its real log output captured: the
// security events land in the hash-chained audit trail with the request id
// that caused them, no secret reaches a log line or an event, the chain
// verifies and detects tampering, buffered events survive a graceful
// shutdown, an alert reaches a webhook, and /metrics is Prometheus text.
describe('audit trail, logs, metrics and alerts (e2e)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bastion-audit-'));
  const dataDir = join(dir, 'pglite');
  const hooks: unknown[] = [];
  let receiver: Server;
  let child: Child;
  let base: string;
  const secrets: string[] = ['Sup3r-Secret-Passw0rd!'];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        hooks.push(JSON.parse(body));
        res.statusCode = 204;
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const [port, authPort] = [await freePort(), await freePort()];
    base = `http://127.0.0.1:${port}`;
    child = runNode('dist/scripts/launch.js', {
      PORT: String(port),
      AUTH_SERVER_PORT: String(authPort),
      EMBEDDED_DB_DIR: dataDir,
      JWT_KEYS_FILE: join(dir, 'jwt.json'),
      LOG_LEVEL: 'info',
      ALERT_WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
      RATE_LIMIT_API_KEY_CREATE: '2/1h',
    });
    await waitFor(() => answers(`${base}/health/ready`), 60_000, 'the API', child.output);
  });

  afterAll(async () => {
    if (child?.proc.exitCode === null) child.proc.kill('SIGKILL');
    receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records every security event with the request id that caused it', async () => {
    const failed = await call(base, 'POST', '/v1/auth/login', { body: { email: 'alice@example.com', password: 'Sup3r-Secret-Passw0rd!' }, headers: { 'x-request-id': 'e2e-login-fail-0001' } });
    expect(failed.status).toBe(401);
    const alice = await login(base, 'alice@example.com');
    const admin = await login(base, 'admin@example.com');
    const bob = await login(base, 'bob@example.com');
    secrets.push(DEMO_PASSWORD, alice.accessToken, alice.refreshToken, admin.accessToken, bob.accessToken);

    const rotated = await call(base, 'POST', '/v1/auth/refresh', { body: { refreshToken: alice.refreshToken } });
    secrets.push(rotated.body.accessToken, rotated.body.refreshToken);
    const reuse = await call(base, 'POST', '/v1/auth/refresh', { body: { refreshToken: alice.refreshToken }, headers: { 'x-request-id': 'e2e-refresh-reuse-01' } });
    expect(reuse.status).toBe(401);

    const fresh = await login(base, 'alice@example.com');
    const key = await call(base, 'POST', '/v1/api-keys', { token: fresh.accessToken, body: { name: 'audited', scopes: ['profile:read'] } });
    secrets.push(fresh.accessToken, key.body.key);
    expect((await call(base, 'DELETE', `/v1/api-keys/${key.body.id}`, { token: fresh.accessToken })).status).toBe(204);
    expect((await call(base, 'GET', '/v1/users/me', { apiKey: key.body.key })).status).toBe(401);
    await call(base, 'POST', '/v1/api-keys', { token: fresh.accessToken, body: { name: 'second', scopes: ['profile:read'] } });
    expect((await call(base, 'POST', '/v1/api-keys', { token: fresh.accessToken, body: { name: 'third', scopes: ['profile:read'] } })).status).toBe(429);

    expect((await call(base, 'GET', '/v1/documents/0b6c3c8e-0000-4000-8000-000000000006', { token: bob.accessToken, headers: { 'x-request-id': 'e2e-denied-000001' } })).status).toBe(403);
    expect((await call(base, 'PUT', '/v1/policies/viewer', { token: admin.accessToken, body: { rules: DEMO_POLICY.viewer } })).status).toBe(200);
    const me = await call(base, 'GET', '/v2/users/me', { token: bob.accessToken });
    expect((await call(base, 'PATCH', `/v1/users/${me.body.id}`, { token: admin.accessToken, body: { role: 'editor' } })).status).toBe(200);
    expect((await call(base, 'PATCH', `/v1/users/${me.body.id}`, { token: admin.accessToken, body: { role: 'viewer' } })).status).toBe(200);
    expect((await call(base, 'POST', '/v1/auth/logout', { token: fresh.accessToken, body: { refreshToken: fresh.refreshToken } })).status).toBe(204);

    await new Promise((r) => setTimeout(r, 500)); // the writer's flush interval
    const page = await call(base, 'GET', '/v1/audit-events?limit=200', { token: admin.accessToken });
    expect(page.status).toBe(200);
    const events = page.body.items as { action: string; outcome: string; requestId: string | null; details: unknown }[];
    const actions = new Set(events.map((e) => `${e.action}:${e.outcome}`));
    for (const a of [
      'auth.login:failure',
      'auth.login:success',
      'auth.refresh:success',
      'auth.refresh.reuse:denied',
      'auth.logout:success',
      'api-key.create:success',
      'api-key.revoke:success',
      'api-key.revoked-used:denied',
      'rate-limit.exceeded:denied',
      'authz.denied:denied',
      'policy.update:success',
      'user.role-change:success',
    ]) {
      expect([a, actions.has(a)]).toEqual([a, true]);
    }
    expect(events.find((e) => e.action === 'auth.login' && e.outcome === 'failure')?.requestId).toBe('e2e-login-fail-0001');
    expect(events.find((e) => e.action === 'authz.denied')?.requestId).toBe('e2e-denied-000001');
    const filtered = await call(base, 'GET', '/v1/audit-events?action=auth.login&outcome=failure', { token: admin.accessToken });
    expect(filtered.body.items.every((e: { action: string }) => e.action === 'auth.login')).toBe(true);
    expect((await call(base, 'GET', '/v1/audit-events', { token: bob.accessToken })).status).toBe(403);
  });

  it('an alert reaches the webhook for a refresh-token reuse', async () => {
    await waitFor(() => hooks.some((h) => (h as { alert?: string }).alert === 'refresh-token-reuse'), 10_000, 'the alert webhook');
  });

  it('/metrics answers Prometheus text with the security counters', async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) {
      // eslint-disable-next-line security/detect-unsafe-regex -- test of our own /metrics output, not client input
      expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? (-?[0-9.]+(e[+-]?\d+)?|NaN|[+-]Inf)$/);
    }
    for (const name of ['http_requests_total', 'http_request_duration_seconds_bucket', 'auth_failures_total', 'authz_denials_total', 'rate_limit_rejections_total', 'audit_buffer_depth']) {
      expect([name, text.includes(`\n${name}`)]).toEqual([name, true]);
    }
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/v1\/documents\/:id",status="403"\} \d+/);
  });

  it('a second process may not open the embedded database while the app runs', async () => {
    const v = runNode('dist/scripts/audit-verify.js', { EMBEDDED_DB_DIR: dataDir });
    expect(await v.exited).toBe(1);
    expect(v.output()).toMatch(/in use by process \d+/);
  });

  it('writes the buffered events on a graceful shutdown; no secret reached a log line or an event', async () => {
    // The last event goes out with SIGINT right behind it, well inside the flush interval.
    await call(base, 'POST', '/v1/auth/login', { body: { email: 'bob@example.com', password: 'wrong-password-x' }, headers: { 'x-request-id': 'e2e-last-event-0001' } });
    child.proc.kill('SIGINT');
    expect(await child.exited).toBe(0);

    const lines = child.output().split('\n').filter((l) => l.startsWith('{'));
    expect(lines.length).toBeGreaterThan(10);
    const requestLine = lines.find((l) => l.includes('"e2e-login-fail-0001"'));
    expect(requestLine).toBeDefined();
    const parsed = JSON.parse(requestLine as string);
    expect(parsed).toMatchObject({ reqId: 'e2e-login-fail-0001', route: '/v1/auth/login' });
    expect(typeof parsed.responseTime).toBe('number');
    for (const secret of secrets) for (const line of lines) expect(line.includes(secret)).toBe(false);

    const db = await openConfiguredDatabase({ EMBEDDED_DB_DIR: dataDir } as NodeJS.ProcessEnv);
    try {
      const last = await db.session((s) => s.query<{ action: string }>('SELECT action FROM audit_events WHERE request_id = $1', ['e2e-last-event-0001']));
      expect(last.map((r) => r.action)).toEqual(['auth.login']);
      const all = await db.session((s) => s.query<Record<string, unknown>>('SELECT * FROM audit_events'));
      const dump = JSON.stringify(all);
      for (const secret of secrets) expect(dump.includes(secret)).toBe(false);
    } finally {
      await db.close();
    }
  });

  it('audit:verify passes on the untouched chain and names the first deleted or edited event', async () => {
    const verify = (dataPath: string) => {
      const v = runNode('dist/scripts/audit-verify.js', { EMBEDDED_DB_DIR: dataPath });
      return v.exited.then((code) => ({ code, out: v.output() }));
    };
    const clean = await verify(dataDir);
    expect(clean.code).toBe(0);
    expect(clean.out).toMatch(/Audit chain intact: \d+ event\(s\)/);

    const copy = join(dir, 'deleted');
    cpSync(dataDir, copy, { recursive: true });
    let db = await openConfiguredDatabase({ EMBEDDED_DB_DIR: copy } as NodeJS.ProcessEnv);
    await db.session((s) => s.exec('DELETE FROM audit_events WHERE seq = 4'));
    await db.close();
    const deleted = await verify(copy);
    expect(deleted.code).toBe(1);
    expect(deleted.out).toMatch(/broken at event 5: (gap|broken-link)/);

    db = await openConfiguredDatabase({ EMBEDDED_DB_DIR: dataDir } as NodeJS.ProcessEnv);
    await db.session((s) => s.exec(`UPDATE audit_events SET details = '{"forged": true}' WHERE seq = 3`));
    await db.close();
    const edited = await verify(dataDir);
    expect(edited.code).toBe(1);
    expect(edited.out).toMatch(/broken at event 3: altered/);
  });
});
