import type { INestApplication } from '@nestjs/common';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuthServerApp } from '../apps/auth-server/src/bootstrap';
import { baseEnv, prepareDatabase, withEnv, type Env } from './support/harness';
import { PgCluster } from '../scripts/fault-drill-services';
import { freePort } from './support/processes';

// The auth server on a real PostgreSQL of this file's own, stopped under it: oidc-provider's token endpoint answers
// a bounded 503 with Retry-After and OAuth's temporarily_unavailable (not server_error 500), then recovers by itself.
jest.setTimeout(120_000);

describe('auth server while PostgreSQL is down (e2e)', () => {
  let cluster: PgCluster;
  let app: INestApplication;
  let issuer: string;

  beforeAll(async () => {
    cluster = await PgCluster.temporary('bastion_auth_server_outage');
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    const env: Env = {
      ...baseEnv(),
      DATABASE_URL: cluster.url,
      EMBEDDED_DB_DIR: undefined,
      REDIS_URL: undefined,
      DATABASE_STATEMENT_TIMEOUT_MS: '1500',
      DATABASE_POOL_TIMEOUT_MS: '1500',
      AUTH_SERVER_PORT: String(port),
      AUTH_SERVER_ISSUER: issuer,
      OIDC_JWKS_FILE: join(mkdtempSync(join(tmpdir(), 'bastion-oidc-')), 'oidc-jwks.json'),
    };
    const db = await prepareDatabase(env);
    await db.close();
    app = (await withEnv(env, () => createAuthServerApp())).app;
    await app.listen(port, '127.0.0.1');
  });

  afterAll(async () => {
    await app?.close();
    await cluster?.destroy();
  });
  afterEach(async () => cluster?.ensureStarted());

  async function token() {
    const started = Date.now();
    const res = await fetch(`${issuer}/oidc/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('demo-service:demo-service-secret').toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'documents:read' }).toString(),
    });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, unknown>, ms: Date.now() - started };
  }

  it('answers 503 temporarily_unavailable with Retry-After, within the bound, and recovers without a restart', async () => {
    expect((await token()).status).toBe(200);
    await cluster.kill();
    const down = await token();
    expect(down).toMatchObject({ status: 503, retryAfter: '5', body: { error: 'temporarily_unavailable' } });
    expect(JSON.stringify(down.body)).not.toMatch(/ECONN|127\.0\.0\.1|prisma|postgres/i);
    expect(down.ms).toBeLessThan(5000);
    const ready = await fetch(`${issuer}/health/ready`);
    expect(ready.status).toBe(503);
    await cluster.start();
    const started = Date.now();
    while ((await token()).status !== 200) {
      if (Date.now() - started > 20_000) throw new Error('no recovery within 20 s');
      await new Promise((r) => setTimeout(r, 200));
    }
  });
});
