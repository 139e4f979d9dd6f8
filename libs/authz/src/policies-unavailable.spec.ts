import { Controller, Get, type INestApplication, Module, UseGuards } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { AuthzModule } from './authz.module.js';
import type { AuthzModuleOptions } from './authz.module-definition.js';
import { AuthzService } from './authz.service.js';
import { CheckPolicies, PoliciesGuard } from './check-policies.js';
import type { AuthzDenial } from './denial-sink.js';
import type { PolicySet } from './policy.types.js';

// A tiny app with only this lib: the store is "down" until the test brings it
// back, as a database would be for an instance started during an outage.

@Controller()
@UseGuards(PoliciesGuard)
class DocsController {
  @Get('docs')
  @CheckPolicies({ action: 'read', subject: 'Doc' })
  list() {
    return { ok: true };
  }
}

const POLICIES: PolicySet = { version: 1, roles: { viewer: [{ action: 'read', subject: 'Doc' }] } };

function fakeStore() {
  const store = {
    up: false,
    loads: 0,
    async load(): Promise<PolicySet> {
      store.loads += 1;
      // A driver's message, with an internal address: it must never reach a client.
      if (!store.up) throw new Error('connect ECONNREFUSED 10.0.0.5:5432');
      return POLICIES;
    },
  };
  return store;
}

async function startApp(kind: 'express' | 'fastify', options: Partial<AuthzModuleOptions> = {}) {
  const store = fakeStore();
  const denials: AuthzDenial[] = [];
  @Module({
    imports: [
      AuthzModule.forRoot({
        schema: { actions: ['read'], subjects: { Doc: ['id'] }, attributes: [] },
        store,
        // No poll: what loads the policies here is the requests themselves.
        pollIntervalMs: 0,
        loadWaitMs: 200,
        denialSink: { record: (d) => denials.push(d) },
        async principalOf(request: unknown) {
          const role = (request as { headers: Record<string, string | undefined> }).headers['x-role'];
          return role ? { id: 'u1', role, attributes: {} } : null;
        },
        ...options,
      }),
    ],
    controllers: [DocsController],
  })
  class AppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app: INestApplication = moduleRef.createNestApplication(kind === 'express' ? new ExpressAdapter() : new FastifyAdapter(), { logger: false });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const get = async (role = 'viewer') => {
    const res = await fetch(`${url}/docs`, { headers: { 'x-role': role } });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), text: await res.text() };
  };
  return { app, store, denials, get, authz: app.get(AuthzService) };
}

describe.each(['express', 'fastify'] as const)('policies not loaded (%s)', (kind) => {
  let t: Awaited<ReturnType<typeof startApp>>;
  beforeEach(async () => {
    t = await startApp(kind);
  });
  afterEach(async () => t.app.close());

  it('answers 503 ERR_AUTHZ_UNAVAILABLE with Retry-After, says nothing internal and records no denial', async () => {
    const res = await t.get();
    expect(res.status).toBe(503);
    expect(res.retryAfter).toBe('1');
    expect(JSON.parse(res.text)).toMatchObject({ code: 'ERR_AUTHZ_UNAVAILABLE' });
    expect(res.text).not.toMatch(/ECONNREFUSED|10\.0\.0\.5|5432/);
    expect(t.denials).toEqual([]);
    expect(t.authz.loaded).toBe(false);
    await expect(t.authz.checkReady()).rejects.toMatchObject({ code: 'ERR_AUTHZ_UNAVAILABLE' });
  });

  it('a role the policies would refuse is not told 403 either: nothing can be decided', async () => {
    const res = await t.get('nobody');
    expect(res.status).toBe(503);
    expect(t.denials).toEqual([]);
  });

  it('loads on the first request after the store is back, without waiting for a poll', async () => {
    expect((await t.get()).status).toBe(503);
    t.store.up = true;
    // The next attempt may start retryIntervalMs (250 ms by default) after the last one.
    await new Promise((resolve) => setTimeout(resolve, 260));
    const res = await t.get();
    expect(res.status).toBe(200);
    expect(t.authz.loaded).toBe(true);
    await expect(t.authz.checkReady()).resolves.toBeUndefined();
    // Still fail closed once loaded: a role without rules is denied, and that denial is recorded.
    expect((await t.get('nobody')).status).toBe(403);
    expect(t.denials).toHaveLength(1);
  });

  it('a crowd of requests during the outage costs the store one attempt at a time', async () => {
    const loadsBefore = t.store.loads;
    const answers = await Promise.all(Array.from({ length: 20 }, () => t.get()));
    expect(answers.every((a) => a.status === 503)).toBe(true);
    // retryIntervalMs (250 ms by default) spaces attempts: far fewer than one per request.
    expect(t.store.loads - loadsBefore).toBeLessThanOrEqual(3);
  });

  it('keeps the last good set when a later reload cannot reach the store', async () => {
    t.store.up = true;
    await t.authz.reload();
    t.store.up = false;
    await expect(t.authz.reload()).rejects.toThrow('ECONNREFUSED');
    expect((await t.get()).status).toBe(200);
    await expect(t.authz.checkReady()).resolves.toBeUndefined();
  });
});

describe('policy loading options', () => {
  it.each([
    ['retryAfterSeconds', 0],
    ['loadWaitMs', -1],
    ['retryIntervalMs', 1.5],
  ] as const)('refuses %s = %s at start-up, naming it', async (name, value) => {
    await expect(startApp('express', { [name]: value })).rejects.toThrow(new RegExp(`"${name}"`));
  });

  it('uses the configured Retry-After', async () => {
    const t = await startApp('express', { retryAfterSeconds: 7 });
    try {
      expect((await t.get()).retryAfter).toBe('7');
    } finally {
      await t.app.close();
    }
  });
});
