import {
  type DynamicModule,
  Inject,
  Injectable,
  Logger,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  type OnModuleInit,
  type Provider,
  RequestMethod,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule, PinoLogger } from 'nestjs-pino';
import type { Logger as PinoInstance } from 'pino';
import { AlertEngine } from './alert-engine.js';
import { LogAlertSink } from './log-alert.sink.js';
import { MetricsController } from './metrics.controller.js';
import { Metrics } from './metrics.service.js';
import {
  OBSERVABILITY_ASYNC_OPTIONS_TYPE,
  OBSERVABILITY_OPTIONS,
  OBSERVABILITY_OPTIONS_TYPE,
  ObservabilityConfigurableModule,
  RAW_OBSERVABILITY_OPTIONS,
} from './observability.module-definition.js';
import { type ResolvedObservabilityOptions, validateObservabilityOptions } from './options.js';
import { installRequestContext } from './request-context.js';
import { type BindRequestContext, createRequestLogger, createRootLogger, toLoggerParams } from './request-logging.js';

type RunInContext = (fn: () => void, options: { bindings: Record<string, unknown> }) => unknown;

/**
 * Runs the rest of the request with `reqId` bound to nestjs-pino's context (`PinoLogger`, Nest's `Logger`):
 * nestjs-pino 5's `runInContext`; on nestjs-pino 4 (the Nest 11 line), which has none, its `storage` module, the
 * AsyncLocalStorage its own request middleware fills the same way.
 */
function bindRequestContext(pinoLogger: PinoLogger, root: PinoInstance): BindRequestContext {
  const runInContext = (pinoLogger as unknown as { runInContext?: RunInContext }).runInContext;
  if (typeof runInContext === 'function') return (next, bindings) => void runInContext.call(pinoLogger, next, { bindings });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { storage, Store } = require('nestjs-pino/storage') as {
    storage: { run(store: unknown, fn: () => void): void };
    Store: new (logger: PinoInstance) => unknown;
  };
  return (next, bindings) => storage.run(new Store(root.child(bindings)), next);
}

interface FastifyOnRequest {
  addHook(
    name: 'onRequest',
    hook: (request: { id: string; ip: string; raw: IncomingMessage & { id?: unknown; ip?: unknown } }, reply: { raw: ServerResponse }, done: () => void) => void,
  ): unknown;
}

/**
 * The request log as a Fastify `onRequest` hook on the raw request and response, with Fastify's
 * request id and client address copied over as @fastify/middie would.
 */
function installFastifyRequestLog(fastify: FastifyOnRequest, logRequest: ReturnType<typeof createRequestLogger>): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    request.raw.id = request.id;
    request.raw.ip = request.ip;
    logRequest(request.raw, reply.raw, done);
  });
}

/** The root pino logger of the module (the one nestjs-pino's `Logger` and the request log write to). */
export const ROOT_LOGGER = 'BASTION:OBSERVABILITY_ROOT_LOGGER';

// Holds the validated options so that both this module and nestjs-pino's LoggerModule (a
// separate global module that sees only what it imports) can inject them.
@Module({})
class ObservabilityOptionsModule {}

/**
 * Adds the adapter hooks that hand the principal and the route pattern to the request log and
 * the metrics. `onModuleInit` runs in `app.init()` after Nest has registered the routes and
 * before it adds the not-found handler and Fastify becomes ready: the one point where both the
 * Express marker and the Fastify hook land where they must.
 */
@Injectable()
class RequestContextInstaller implements OnModuleInit {
  constructor(
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    @Inject(ROOT_LOGGER) private readonly root: PinoInstance,
    private readonly pinoLogger: PinoLogger,
  ) {}

  onModuleInit(): void {
    // Undefined in an application context without HTTP.
    const adapter = this.adapterHost.httpAdapter;
    if (!adapter) return;
    try {
      installRequestContext(adapter);
      if (adapter.getType() === 'fastify') installFastifyRequestLog(adapter.getInstance() as FastifyOnRequest, createRequestLogger(this.root, bindRequestContext(this.pinoLogger, this.root)));
    } catch (error) {
      new Logger('Observability').warn(
        `request logs and metrics may lack principal and route: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}

const metricsProvider: Provider = {
  provide: Metrics,
  inject: [OBSERVABILITY_OPTIONS],
  useFactory: (o: ResolvedObservabilityOptions) => new Metrics({ defaultMetrics: o.defaultMetrics, durationBuckets: o.durationBuckets }),
};

const alertEngineProvider: Provider = {
  provide: AlertEngine,
  inject: [OBSERVABILITY_OPTIONS, Metrics],
  useFactory: (o: ResolvedObservabilityOptions, metrics: Metrics) => {
    const fired = metrics.counter('alerts_fired_total', 'Alerts fired, by rule', ['alert']);
    return new AlertEngine({
      rules: o.alerts.rules,
      sinks: [...(o.alerts.sinks ?? [new LogAlertSink()]), { send: (alert) => fired.inc({ alert: alert.alert }) }],
      clock: o.clock,
      ...(o.alerts.maxKeysPerRule !== undefined ? { maxKeysPerRule: o.alerts.maxKeysPerRule } : {}),
    });
  },
};

/**
 * Logs, metrics and alerts for an HTTP API on Express or Fastify:
 *
 * - nestjs-pino's `LoggerModule`: one redacted JSON line per request with the request id,
 *   principal, tenant, route pattern, status and latency;
 * - {@link Metrics} on a private registry and `GET /metrics` ({@link MetricsController});
 * - an {@link AlertEngine} with the configured rules.
 *
 * Options are validated when the module is built. Global unless `isGlobal: false`. The app also
 * calls `app.useLogger(app.get(Logger))` and {@link installHttpMetrics} (README).
 *
 * @example
 * ObservabilityModule.forRootAsync({
 *   inject: [observabilityConfig.KEY],
 *   useFactory: (c: ConfigType<typeof observabilityConfig>) => ({
 *     service: 'bastion-api',
 *     logLevel: c.logLevel,
 *     metricsToken: c.metricsToken,
 *     alerts: { rules: [{ name: 'login-bruteforce', event: 'auth.login_failed', threshold: 10, windowMs: 300_000 }] },
 *   }),
 * })
 */
@Module({})
export class ObservabilityModule extends ObservabilityConfigurableModule implements NestModule {
  constructor(
    @Inject(ROOT_LOGGER) private readonly root: PinoInstance,
    private readonly pinoLogger: PinoLogger,
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
  ) {
    super();
  }

  /**
   * The request log. On Express, a Nest middleware on every route (as nestjs-pino's own would be,
   * in Nest 11's path syntax). On Fastify, an `onRequest` hook instead (RequestContextInstaller):
   * a Nest middleware there runs through @fastify/middie, which cost more than the log line.
   */
  configure(consumer: MiddlewareConsumer): void {
    if (this.adapterHost.httpAdapter?.getType() === 'fastify') return;
    consumer.apply(createRequestLogger(this.root, bindRequestContext(this.pinoLogger, this.root))).forRoutes({ path: '{*splat}', method: RequestMethod.ALL });
  }

  static override forRoot(options: typeof OBSERVABILITY_OPTIONS_TYPE): DynamicModule {
    return wire(super.forRoot(options));
  }

  static override forRootAsync(options: typeof OBSERVABILITY_ASYNC_OPTIONS_TYPE): DynamicModule {
    return wire(super.forRootAsync(options));
  }
}

function wire(base: DynamicModule): DynamicModule {
  const options: DynamicModule = {
    module: ObservabilityOptionsModule,
    imports: base.imports ?? [],
    providers: [
      ...(base.providers ?? []),
      { provide: OBSERVABILITY_OPTIONS, inject: [RAW_OBSERVABILITY_OPTIONS], useFactory: validateObservabilityOptions },
      { provide: ROOT_LOGGER, inject: [OBSERVABILITY_OPTIONS], useFactory: createRootLogger },
    ],
    exports: [OBSERVABILITY_OPTIONS, ROOT_LOGGER],
  };
  // The same object in both import lists: Nest makes one module of it, so validation runs once.
  const logger = LoggerModule.forRootAsync({ imports: [options], inject: [ROOT_LOGGER], useFactory: toLoggerParams });
  return {
    module: base.module,
    global: base.global,
    imports: [options, logger],
    controllers: [MetricsController],
    providers: [metricsProvider, alertEngineProvider, RequestContextInstaller],
    exports: [options, logger, Metrics, AlertEngine],
  };
}
