import {
  type CanActivate,
  Controller,
  type ExecutionContext,
  ForbiddenException,
  Get,
  Injectable,
  type INestApplication,
  Logger,
  Module,
  Param,
  Post,
} from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { LoggerErrorInterceptor, Logger as PinoNestLogger } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { AlertEngine } from '../src/alert-engine.js';
import { ObservabilityError } from '../src/errors.js';
import { installHttpMetrics } from '../src/http-metrics.js';
import { Metrics } from '../src/metrics.service.js';
import { ObservabilityModule } from '../src/observability.module.js';

/** An error whose details hold a secret, as a careless service might throw. */
class LookupError extends Error {
  constructor(
    message: string,
    readonly details: Record<string, unknown>,
  ) {
    super(message);
  }
}

@Controller('things')
class ThingsController {
  private readonly logger = new Logger('Things');

  constructor(private readonly alerts: AlertEngine) {}

  @Post(':id/login')
  login(@Param('id') id: string) {
    // As an auth service would report a failed login; the details hold what must not leak.
    this.alerts.observe({ type: 'auth.login_failed', key: id, details: { ip: '203.0.113.9', password: 'typed-password-3' } });
    return { ok: false };
  }

  @Post(':id')
  create(@Param('id') id: string) {
    return { id };
  }

  @Get(':id')
  find(@Param('id') id: string) {
    // The id comes from the client: a log line must hold it as data, whatever it contains.
    this.logger.log(`looked up ${id}`);
    return { id };
  }

  @Get(':id/fail')
  fail() {
    throw new LookupError('lookup failed', { password: 'hunter2-in-details', user: 'alice' });
  }

  @Get(':id/report')
  report() {
    this.logger.error(new LookupError('reported', { user: { password: 'deep-password-1' }, token: 'details-token-2' }));
    return { ok: true };
  }
}

// Stands in for authentication: the principal comes from test headers.
@Injectable()
class FakeAuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; user?: unknown }>();
    const sub = req.headers['x-test-sub'];
    if (sub) {
      const key = req.headers['x-test-key'];
      req.user = { sub, ...(key ? { apiKeyId: key } : {}), attributes: { tid: req.headers['x-test-tid'] ?? '' } };
    }
    // As an authorization guard after authentication: the principal is known, the request refused.
    if (req.headers['x-test-deny']) throw new ForbiddenException();
    return true;
  }
}

const METRICS_TOKEN = 'metrics-token-0123456789abcdefghijklmnop';
const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

// The request ids of @bastion/http-app: a well-formed X-Request-Id, or a new UUID; echoed back.
const idFrom = (header: unknown) => (typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID());

const adapters = [
  {
    name: 'Express',
    create: () => new ExpressAdapter(),
    prepare: (app: INestApplication) => {
      const express = app as unknown as { set(k: string, v: unknown): void; use(fn: unknown): void };
      // Lets the non-loopback case be simulated: X-Forwarded-For from a loopback proxy is believed.
      express.set('trust proxy', 'loopback');
      express.use((req: { id?: string; headers: Record<string, unknown> }, res: { setHeader(k: string, v: string): void }, next: () => void) => {
        req.id = idFrom(req.headers['x-request-id']);
        res.setHeader('x-request-id', req.id);
        next();
      });
    },
  },
  {
    name: 'Fastify',
    create: () => new FastifyAdapter({ trustProxy: '127.0.0.1', genReqId: (req: { headers: Record<string, unknown> }) => idFrom(req.headers['x-request-id']) }),
    prepare: (app: INestApplication) => {
      const fastify = app.getHttpAdapter().getInstance() as {
        addHook(name: 'onRequest', hook: (req: { id: string }, reply: { header(k: string, v: string): void }, done: () => void) => void): void;
      };
      fastify.addHook('onRequest', (req, reply, done) => {
        reply.header('x-request-id', req.id);
        done();
      });
    },
  },
];

type LogLine = Record<string, unknown> & { reqId?: string; req?: Record<string, unknown>; res?: { statusCode?: number }; err?: Record<string, unknown> };

/**
 * The module's cases on one adapter. nestjs-pino 5 keeps one request logger per process (the first
 * app's options win), so each adapter runs in a Jest file of its own: src/observability.module.<adapter>.spec.ts.
 */
export function describeObservabilityModule(name: 'Express' | 'Fastify'): void {
describe.each(adapters.filter((a) => a.name === name))('ObservabilityModule on $name', (adapter) => {
  let app: INestApplication;
  let base = '';
  const chunks: string[] = [];
  const lines = (): LogLine[] => chunks.map((chunk) => JSON.parse(chunk) as LogLine);
  const linesOf = (reqId: string | null) => lines().filter((line) => line.reqId === reqId);

  beforeAll(async () => {
    @Module({
      imports: [
        ObservabilityModule.forRoot({
          service: 'observability-spec',
          logLevel: 'info',
          logStream: { write: (line: string) => void chunks.push(line) },
          metricsToken: METRICS_TOKEN,
          defaultMetrics: false,
          alerts: { rules: [{ name: 'login-bruteforce', event: 'auth.login_failed', threshold: 2, windowMs: 60_000 }] },
        }),
      ],
      controllers: [ThingsController],
      providers: [
        { provide: APP_GUARD, useClass: FakeAuthGuard },
        { provide: APP_INTERCEPTOR, useClass: LoggerErrorInterceptor },
      ],
    })
    class AppModule {}
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication(adapter.create(), { logger: false });
    adapter.prepare(app);
    installHttpMetrics(app, app.get(Metrics));
    // A second call changes nothing: each request is still counted once (see the POST count below).
    installHttpMetrics(app, app.get(Metrics));
    app.useLogger(app.get(PinoNestLogger));
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await app.close();
  });

  it('logs one line per request with reqId = X-Request-Id, route pattern, status, latency, principal and tenant, and no secret', async () => {
    const response = await fetch(`${base}/things/42?token=query-secret-999`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer secret-token-123',
        'x-api-key': 'bst_live_x',
        cookie: 'a=b',
        'content-type': 'application/json',
        'x-request-id': 'spec-request-0001',
        'x-test-sub': 'user-1',
        'x-test-key': 'key-9',
        'x-test-tid': 'tenant-7',
      },
      body: JSON.stringify({ name: 'widget', password: 'pw-secret-456' }),
    });
    expect(response.status).toBe(201);
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toBe('spec-request-0001');

    const [line, ...more] = linesOf(requestId);
    expect(more).toHaveLength(0);
    expect(line).toMatchObject({
      level: 'info',
      service: 'observability-spec',
      reqId: 'spec-request-0001',
      route: '/things/:id',
      principal: 'user-1',
      apiKeyId: 'key-9',
      tenant: 'tenant-7',
      res: { statusCode: 201 },
      req: {
        method: 'POST',
        url: '/things/42',
      },
    });
    // No header is logged (credentials, cookies), only the user agent.
    expect(line?.req).not.toHaveProperty('headers');
    expect(line?.res).not.toHaveProperty('headers');
    expect(typeof line?.responseTime).toBe('number');
    // Neither the body nor the query string is logged, and no secret appears anywhere.
    expect(line?.req).not.toHaveProperty('body');
    expect(line?.req).not.toHaveProperty('query');
    const raw = chunks.join('');
    for (const secret of ['secret-token-123', 'bst_live_x', 'a=b', 'pw-secret-456', 'query-secret-999']) expect(raw).not.toContain(secret);
  });

  it('names the principal and the route of a request a guard refused', async () => {
    const response = await fetch(`${base}/things/8`, { headers: { 'x-test-sub': 'user-2', 'x-test-tid': 'tenant-3', 'x-test-deny': '1' } });
    expect(response.status).toBe(403);
    const [line] = linesOf(response.headers.get('x-request-id'));
    expect(line).toMatchObject({ level: 'warn', principal: 'user-2', tenant: 'tenant-3', route: '/things/:id', res: { statusCode: 403 } });
  });

  it('makes a request id when the client sends a malformed one, and logs the same id', async () => {
    const response = await fetch(`${base}/things/7`, { headers: { 'x-request-id': 'bad id\twith tab' } });
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(linesOf(requestId).map((line) => line.msg)).toEqual(['looked up 7', 'request completed']);
  });

  it('logs a thrown error with its details censored', async () => {
    const response = await fetch(`${base}/things/1/fail`);
    expect(response.status).toBe(500);
    const line = linesOf(response.headers.get('x-request-id')).find((l) => l.msg === 'request errored');
    expect(line).toMatchObject({
      level: 'error',
      route: '/things/:id/fail',
      res: { statusCode: 500 },
      err: { message: 'lookup failed', details: { password: '[REDACTED]', user: 'alice' } },
    });
    expect(chunks.join('')).not.toContain('hunter2-in-details');
  });

  it("routes Nest's Logger through pino with the request id and the same redaction", async () => {
    const response = await fetch(`${base}/things/1/report`);
    const line = linesOf(response.headers.get('x-request-id')).find((l) => l.context === 'Things');
    expect(line).toMatchObject({
      level: 'error',
      err: { message: 'reported', details: { user: { password: '[REDACTED]' }, token: '[REDACTED]' } },
    });
    const raw = chunks.join('');
    expect(raw).not.toContain('deep-password-1');
    expect(raw).not.toContain('details-token-2');
  });

  it('keeps CR/LF from the client inside one JSON line (no log injection)', async () => {
    const forged = '\r\n{"level":"fatal","msg":"forged"}';
    const response = await fetch(`${base}/things/${encodeURIComponent(`x${forged}`)}`);
    expect(response.status).toBe(200);
    for (const chunk of chunks) expect(chunk.indexOf('\n')).toBe(chunk.length - 1);
    const line = linesOf(response.headers.get('x-request-id')).find((l) => l.context === 'Things');
    expect(line?.msg).toBe(`looked up x${forged}`);
    expect(lines().some((l) => l.msg === 'forged')).toBe(false);
  });

  it('logs an unmatched path without a route and without its query string', async () => {
    const response = await fetch(`${base}/nowhere/5?apiKey=query-key-777`);
    expect(response.status).toBe(404);
    const [line] = linesOf(response.headers.get('x-request-id'));
    expect(line).toMatchObject({ level: 'warn', res: { statusCode: 404 }, req: { url: '/nowhere/5' } });
    expect(line).not.toHaveProperty('route');
    expect(chunks.join('')).not.toContain('query-key-777');
  });

  it('logs a fired alert with its key as alertKey and its details censored, and counts it', async () => {
    await fetch(`${base}/things/mallory/login`, { method: 'POST' });
    const second = await fetch(`${base}/things/mallory/login`, { method: 'POST' });
    const line = linesOf(second.headers.get('x-request-id')).find((l) => l.context === 'Alerts');
    expect(line).toMatchObject({
      level: 'warn',
      msg: 'alert login-bruteforce fired',
      alert: 'login-bruteforce',
      alertKey: 'mallory',
      count: 2,
      details: { ip: '203.0.113.9', password: '[REDACTED]' },
    });
    expect(chunks.join('')).not.toContain('typed-password-3');
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/^alerts_fired_total\{alert="login-bruteforce"\} 1$/m);
  });

  it('refuses installHttpMetrics once the app is initialized', () => {
    expect(() => installHttpMetrics(app, app.get(Metrics))).toThrow(
      expect.objectContaining({ code: 'ERR_OBSERVABILITY_SETUP', message: expect.stringContaining('before app.init()') }),
    );
    expect(() => installHttpMetrics(app, app.get(Metrics))).toThrow(ObservabilityError);
  });

  describe('GET /metrics', () => {
    it('answers Prometheus text to a loopback client, with route patterns and "unmatched"', async () => {
      await fetch(`${base}/things/99`);
      await fetch(`${base}/things/100`);
      await fetch(`${base}/no/such/route`);
      const response = await fetch(`${base}/metrics`);
      expect(response.status).toBe(200);
      // Express puts `charset` first; the parameters are the same.
      expect(response.headers.get('content-type')).toMatch(/^text\/plain;/);
      expect(response.headers.get('content-type')).toContain('version=0.0.4');
      expect(response.headers.get('cache-control')).toBe('no-store');
      const text = await response.text();
      expect(text).toMatch(/^http_requests_total\{method="GET",route="\/things\/:id",status="200"\} [3-9]\d*$/m);
      expect(text).toMatch(/^http_requests_total\{method="POST",route="\/things\/:id",status="201"\} 1$/m);
      expect(text).toMatch(/^http_requests_total\{method="GET",route="unmatched",status="404"\} \d+$/m);
      expect(text).toMatch(/^http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/things\/:id",status="200"\} \d+$/m);
      expect(text).toContain('# TYPE alerts_fired_total counter');
      // Raw paths never become label values.
      expect(text).not.toContain('/things/99');
      expect(text).not.toContain('/no/such/route');
    });

    it('is a 404, like a missing route, for a non-loopback client without the token or with a wrong one', async () => {
      const remote = { 'x-forwarded-for': '203.0.113.7' };
      const missing = await fetch(`${base}/no-such-path`, { headers: remote });
      // The proxy-trust setting applies: the log shows the forwarded client.
      expect(linesOf(missing.headers.get('x-request-id'))[0]?.req).toMatchObject({ ip: '203.0.113.7', remoteAddress: '127.0.0.1' });
      const bare = await fetch(`${base}/metrics`, { headers: remote });
      const wrong = await fetch(`${base}/metrics`, { headers: { ...remote, authorization: `Bearer ${METRICS_TOKEN.slice(0, -1)}x` } });
      const otherScheme = await fetch(`${base}/metrics`, { headers: { ...remote, authorization: `Basic ${METRICS_TOKEN}` } });
      for (const response of [bare, wrong, otherScheme]) {
        expect(response.status).toBe(404);
        expect(response.headers.get('content-type')).toBe(missing.headers.get('content-type'));
        expect(response.headers.get('www-authenticate')).toBeNull();
        expect(await response.json()).toEqual({ ...((await missing.clone().json()) as object), message: 'Cannot GET /metrics' });
      }
    });

    it('answers a non-loopback client that presents the token', async () => {
      const response = await fetch(`${base}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.7', authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('http_requests_total');
    });
  });
});
}

/** The options checks, which start no HTTP app. */
export function describeObservabilityOptions(): void {
describe('ObservabilityModule.forRootAsync', () => {
  it('validates the options at start-up, naming the bad one', async () => {
    const compile = Test.createTestingModule({
      imports: [ObservabilityModule.forRootAsync({ useFactory: () => ({ service: 'api', logLevel: 'info', metricsToken: 'too-short' }) })],
    }).compile();
    await expect(compile).rejects.toThrow('observability option "metricsToken" must be at least 32 characters');
  });

  it('provides Metrics and the AlertEngine globally, each app with its own registry', async () => {
    const build = () =>
      Test.createTestingModule({
        imports: [ObservabilityModule.forRootAsync({ useFactory: async () => ({ service: 'api', logLevel: 'silent' as const, defaultMetrics: false }) })],
      }).compile();
    const [a, b] = await Promise.all([build(), build()]);
    expect(a.get(AlertEngine)).toBeInstanceOf(AlertEngine);
    expect(a.get(Metrics).registry).not.toBe(b.get(Metrics).registry);
    await Promise.all([a.close(), b.close()]);
  });
});
}
