import {
  type CanActivate,
  Controller,
  type ExecutionContext,
  Get,
  Injectable,
  type INestApplication,
  Logger,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  type Type,
  UnauthorizedException,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { SkipThrottle, type ThrottlerStorage } from '@nestjs/throttler';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BastionThrottlerGuard, type ResolvedThrottler } from './bastion-throttler.guard.js';
import type { ThrottlingModuleOptions } from './options.js';
import { ThrottlingModule } from './throttling.module.js';

@Controller()
@SkipThrottle({ login: true })
class PingController {
  @Get('ping')
  ping() {
    return { ok: true };
  }
}

@Controller()
@SkipThrottle({ api: true })
class LoginController {
  @Get('login')
  login() {
    return { ok: true };
  }
}

@Controller()
class BothController {
  @Get('both')
  both() {
    return { ok: true };
  }
}

// Stands in for authentication: the principal comes from test headers. (On Fastify a Nest
// middleware gets the raw Node request, which is where the guard then finds the user.)
function fakeAuth(req: IncomingMessage & { user?: unknown }, _res: unknown, next: () => void): void {
  const { 'x-test-sub': sub, 'x-test-key': apiKeyId, 'x-test-rate': rate } = req.headers;
  if (typeof sub === 'string') {
    req.user = { sub, ...(typeof apiKeyId === 'string' ? { apiKeyId } : {}), ...(rate ? { rateLimit: Number(rate) } : {}) };
  }
  next();
}

// The per-API-key limit an app would read from its key record.
@Injectable()
class KeyLimitGuard extends BastionThrottlerGuard {
  protected override limitFor(context: ExecutionContext, throttler: ResolvedThrottler): number {
    const user = context.switchToHttp().getRequest<{ user?: { rateLimit?: number }; raw?: { user?: { rateLimit?: number } } }>();
    const rateLimit = (user.user ?? user.raw?.user)?.rateLimit;
    return rateLimit ?? throttler.limit;
  }
}

// Stands in for an authentication guard: `x-test-forged` fails it, after counting the failure
// (`expired`: the ordinary limits only), as the demo's guard does through its rejection hook.
@Injectable()
class FailingAuthGuard implements CanActivate {
  constructor(private readonly throttler: BastionThrottlerGuard) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>();
    const forged = req.headers['x-test-forged'];
    if (!forged) return true;
    await this.throttler.countFailedAuthentication(context, { failureLimit: forged !== 'expired' });
    throw new UnauthorizedException();
  }
}

const adapters = [
  { name: 'Express', create: () => new ExpressAdapter() },
  { name: 'Fastify', create: () => new FastifyAdapter() },
];

const limits: ThrottlingModuleOptions = {
  throttlers: [
    { name: 'api', limit: 3, ttl: 60_000 },
    { name: 'login', limit: 2, ttl: 60_000 },
  ],
};

describe.each(adapters)('BastionThrottlerGuard on $name', (adapter) => {
  let app: INestApplication | undefined;
  let base = '';
  let warn: jest.SpyInstance;

  async function start(options: ThrottlingModuleOptions, guard: Type<BastionThrottlerGuard> = BastionThrottlerGuard): Promise<void> {
    @Module({
      imports: [ThrottlingModule.forRoot(options)],
      controllers: [PingController, LoginController, BothController],
      providers: [{ provide: APP_GUARD, useClass: guard }],
    })
    class AppModule implements NestModule {
      configure(consumer: MiddlewareConsumer): void {
        consumer.apply(fakeAuth).forRoutes(PingController, LoginController, BothController);
      }
    }
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication(adapter.create(), { logger: false });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  }

  const get = (path: string, headers: Record<string, string> = {}) => fetch(base + path, { headers });
  const statuses = async (n: number, path: string, headers?: Record<string, string>) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await get(path, headers)).status);
    return out;
  };

  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    warn.mockRestore();
  });

  it('counts failed authentications against the address and the failedAuthentication throttler only (nestjs/throttler#522)', async () => {
    @Module({
      imports: [
        ThrottlingModule.forRoot({
          throttlers: [
            { name: 'api', limit: 5, ttl: 60_000 },
            { name: 'authFailures', limit: 2, ttl: 60_000 },
          ],
          failedAuthentication: 'authFailures',
        }),
      ],
      controllers: [PingController],
      providers: [BastionThrottlerGuard, { provide: APP_GUARD, useClass: FailingAuthGuard }, { provide: APP_GUARD, useExisting: BastionThrottlerGuard }],
    })
    class FailuresModule implements NestModule {
      configure(consumer: MiddlewareConsumer): void {
        consumer.apply(fakeAuth).forRoutes(PingController);
      }
    }
    const moduleRef = await Test.createTestingModule({ imports: [FailuresModule] }).compile();
    app = moduleRef.createNestApplication(adapter.create(), { logger: false });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;

    const ok = await get('/ping');
    expect(ok.status).toBe(200);
    // A request that authenticated is not counted as a failure.
    expect(ok.headers.get('ratelimit-policy')).toBe('"api";q=5;w=60');
    expect(await statuses(2, '/ping', { 'x-test-forged': 'yes' })).toEqual([401, 401]);
    const refused = await get('/ping', { 'x-test-forged': 'yes' });
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get('ratelimit-policy')).toBe('"api";q=5;w=60, "authFailures";q=2;w=60');
    expect(refused.headers.get('ratelimit')).toMatch(new RegExp(`^"api";r=1;t=\\d+, "authFailures";r=0;t=${retryAfter}$`));
    // An expired token spends the address's api budget only; then the address is out of it.
    expect((await get('/ping', { 'x-test-forged': 'expired' })).status).toBe(401);
    expect((await get('/ping')).status).toBe(429);
    // A principal from the same address has its own budget.
    expect((await get('/ping', { 'x-test-sub': 'alice' })).status).toBe(200);
  });

  it('admits 3, then answers 429 ERR_RATE_LIMITED with RateLimit, RateLimit-Policy and Retry-After', async () => {
    await start(limits);
    for (const remaining of [2, 1, 0]) {
      const res = await get('/ping');
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-policy')).toBe('"api";q=3;w=60');
      expect(res.headers.get('ratelimit')).toMatch(new RegExp(`^"api";r=${remaining};t=(60|59)$`));
      expect(res.headers.get('retry-after')).toBeNull();
    }
    const refused = await get('/ping');
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ code: 'ERR_RATE_LIMITED', message: expect.stringMatching(/^Too many requests/) });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
    expect(refused.headers.get('ratelimit-policy')).toBe('"api";q=3;w=60');
    expect(refused.headers.get('ratelimit')).toBe(`"api";r=0;t=${retryAfter}`);
    // None of throttler's legacy fields.
    expect([...refused.headers.keys()].filter((h) => /^x-ratelimit|^retry-after-/.test(h))).toEqual([]);
  });

  it('lists every throttler that counted the request', async () => {
    await start(limits);
    const res = await get('/both');
    expect(res.headers.get('ratelimit-policy')).toBe('"api";q=3;w=60, "login";q=2;w=60');
    expect(res.headers.get('ratelimit')).toMatch(/^"api";r=2;t=\d+, "login";r=1;t=\d+$/);
    expect(await statuses(2, '/both')).toEqual([200, 429]);
  });

  it('counts the authenticated principal, by API key before subject, and the address otherwise', async () => {
    await start(limits);
    expect(await statuses(4, '/ping')).toEqual([200, 200, 200, 429]);
    // Same address, but a principal: counted on its own.
    expect(await statuses(4, '/ping', { 'x-test-sub': 'alice' })).toEqual([200, 200, 200, 429]);
    expect(await statuses(1, '/ping', { 'x-test-sub': 'bob' })).toEqual([200]);
    // Alice's API key has its own counter, not hers.
    expect(await statuses(4, '/ping', { 'x-test-sub': 'alice', 'x-test-key': 'k1' })).toEqual([200, 200, 200, 429]);
  });

  it('takes a per-principal limit from the limitFor hook', async () => {
    await start(limits, KeyLimitGuard);
    const headers = { 'x-test-sub': 'carol', 'x-test-key': 'k2', 'x-test-rate': '5' };
    const first = await get('/ping', headers);
    expect(first.headers.get('ratelimit-policy')).toBe('"api";q=5;w=60');
    expect(await statuses(5, '/ping', headers)).toEqual([200, 200, 200, 200, 429]);
    // Without a rateLimit on the principal: the configured 3.
    expect(await statuses(4, '/ping')).toEqual([200, 200, 200, 429]);
  });

  it('a limitFor that returns no positive integer fails the request instead of letting it through', async () => {
    await start(limits, KeyLimitGuard);
    const res = await get('/ping', { 'x-test-sub': 'dave', 'x-test-rate': '0' });
    expect(res.status).toBe(500);
  });

  it('leaves a request that skipIf matches uncounted and without fields', async () => {
    await start({ ...limits, skipIf: (context) => context.switchToHttp().getRequest<{ url: string }>().url === '/both' });
    const res = await get('/both');
    expect(res.headers.get('ratelimit')).toBeNull();
    expect(await statuses(5, '/both')).toEqual([200, 200, 200, 200, 200]);
    expect(await statuses(4, '/ping')).toEqual([200, 200, 200, 429]);
  });

  it('with the storage down: fails open for "api" (one warning a minute) and closed for "login" (503)', async () => {
    const down: ThrottlerStorage = { increment: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')) };
    await start({ ...limits, storage: down, failClosed: ['login'] });

    const open = await get('/ping');
    expect(open.status).toBe(200);
    expect(open.headers.get('ratelimit')).toBeNull();
    expect(await statuses(3, '/ping')).toEqual([200, 200, 200]);
    const apiWarnings = warn.mock.calls.filter(([message]) => String(message).includes('"api"'));
    expect(apiWarnings).toHaveLength(1);
    expect(String(apiWarnings[0]?.[0])).toMatch(/ECONNREFUSED.*fail open/);

    const closed = await get('/login');
    expect(closed.status).toBe(503);
    expect(await closed.json()).toMatchObject({ code: 'ERR_RATE_LIMIT_UNAVAILABLE' });
  });
});
