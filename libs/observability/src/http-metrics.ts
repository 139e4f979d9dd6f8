import type { INestApplication } from '@nestjs/common';
import { ObservabilityError } from './errors.js';
import { Metrics } from './metrics.service.js';
import { expressRoute, fastifyRoute } from './request-context.js';

/** The `route` label of a request no route matched: one series for all of them, whatever the path. */
export const UNMATCHED_ROUTE = 'unmatched';

// Anything else is `OTHER`: a client chooses the method, and each value would be a new series.
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

const installed = new WeakSet<object>();

interface FastifyOnResponse {
  addHook(
    name: 'onResponse',
    hook: (
      request: { method: string; is404?: boolean; routeOptions?: { url?: string } },
      reply: { statusCode: number; elapsedTime: number },
      done: () => void,
    ) => void,
  ): unknown;
}

interface ExpressLike {
  use(handler: (req: ExpressRequest, res: ExpressResponse, next: () => void) => void): unknown;
}
interface ExpressRequest {
  method: string;
  route?: { path?: unknown };
  baseUrl?: string;
}
interface ExpressResponse {
  statusCode: number;
  once(event: 'finish', listener: () => void): unknown;
}

interface Series {
  count: { inc(): void };
  duration: { observe(value: number): void };
}

// The labelled series of each method, route pattern and status, looked up once: prom-client hashes
// the label object on every inc()/observe() otherwise. Bounded like the series themselves (methods
// are a fixed set, routes are patterns, statuses few).
const seriesOf = new WeakMap<Metrics, Map<string, Series>>();

function record(metrics: Metrics, method: string, route: string | undefined, status: number, seconds: number): void {
  let byKey = seriesOf.get(metrics);
  if (!byKey) {
    byKey = new Map();
    seriesOf.set(metrics, byKey);
  }
  const m = METHODS.has(method) ? method : 'OTHER';
  const r = route ?? UNMATCHED_ROUTE;
  const key = `${m} ${status} ${r}`;
  let series = byKey.get(key);
  if (!series) {
    const labels = { method: m, route: r, status: String(status) };
    series = { count: metrics.httpRequests.labels(labels), duration: metrics.httpRequestDuration.labels(labels) };
    byKey.set(key, series);
  }
  series.count.inc();
  series.duration.observe(seconds);
}

/**
 * Records `http_requests_total` and `http_request_duration_seconds` for every response, labelled
 * by method, route pattern (`/things/:id`, never the raw path, which would make one series per
 * id) and status. Fastify: an `onResponse` hook reading `request.routeOptions.url`. Express: a
 * middleware whose `finish` listener reads `req.baseUrl + req.route.path`. A request no route
 * matched is `route="unmatched"`.
 *
 * Call it before `app.init()` / `app.listen()`: on Express the middleware must come before the
 * routes. Calling it again for the same app does nothing.
 *
 * @example
 * const app = await NestFactory.create(AppModule, new FastifyAdapter());
 * installHttpMetrics(app, app.get(Metrics));
 * await app.listen(3000);
 * @throws {ObservabilityError} `ERR_OBSERVABILITY_SETUP` after init, or on an adapter other than Express or Fastify.
 */
export function installHttpMetrics(app: INestApplication, metrics: Metrics): void {
  if (!(metrics instanceof Metrics)) throw new ObservabilityError('ERR_OBSERVABILITY_SETUP', 'installHttpMetrics needs the Metrics instance (app.get(Metrics))');
  // NestApplication's own flag: after init, an Express middleware would come after the routes and never run.
  if ((app as unknown as { isInitialized?: unknown }).isInitialized === true) {
    throw new ObservabilityError('ERR_OBSERVABILITY_SETUP', 'installHttpMetrics must be called before app.init() or app.listen()');
  }
  const adapter = app.getHttpAdapter();
  if (installed.has(adapter)) return;
  const type = adapter.getType();
  if (type === 'fastify') {
    (adapter.getInstance() as FastifyOnResponse).addHook('onResponse', (request, reply, done) => {
      record(metrics, request.method, fastifyRoute(request), reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
  } else if (type === 'express') {
    (app as unknown as ExpressLike).use((req, res, next) => {
      const start = process.hrtime.bigint();
      res.once('finish', () => record(metrics, req.method, expressRoute(req), res.statusCode, Number(process.hrtime.bigint() - start) / 1e9));
      next();
    });
  } else {
    throw new ObservabilityError('ERR_OBSERVABILITY_SETUP', `installHttpMetrics supports the express and fastify adapters, not "${type}"`);
  }
  installed.add(adapter);
}
