import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { hostname } from 'node:os';
import type { Params } from 'nestjs-pino';
import { type DestinationStream, pino, type Logger as PinoInstance } from 'pino';
import { prettyFactory } from 'pino-pretty';
import type { ResolvedObservabilityOptions } from './options.js';
import { censorOneLevelDown, DEFAULT_REDACT_PATHS, PINO_REDACT_PATHS, REDACTED } from './redaction.js';
import { requestContextFields } from './request-context.js';

/** The path of a URL without its query string or fragment, which may carry secrets (`?token=`). */
export function pathOnly(url: unknown): string | undefined {
  return typeof url === 'string' ? url.split(/[?#]/, 1)[0] : undefined;
}

const MAX_USER_AGENT = 256;

/**
 * `req` in a log line: id, method, path (no query string, no body, no route params), the client
 * address and the user agent. No other header: they carry credentials and cookies, and censoring
 * them on every line cost more than the rest of the line (docs/performance.md).
 */
function serializeRequest(raw: IncomingMessage & { id?: unknown; ip?: unknown; originalUrl?: string }): Record<string, unknown> {
  const userAgent = raw.headers?.['user-agent'];
  return {
    id: raw.id,
    method: raw.method,
    // Express and middie (Fastify) rewrite `url` for mounted middleware; `originalUrl` is the client's.
    url: pathOnly(raw.originalUrl ?? raw.url),
    // The client as the adapter sees it through trusted proxies (Express `req.ip`; on Fastify,
    // middie copies `request.ip`); `remoteAddress` is the socket's peer, maybe the proxy.
    ...(typeof raw.ip === 'string' ? { ip: raw.ip } : {}),
    remoteAddress: raw.socket?.remoteAddress,
    remotePort: raw.socket?.remotePort,
    ...(typeof userAgent === 'string' ? { userAgent: userAgent.slice(0, MAX_USER_AGENT) } : {}),
  };
}

/** `res` in a log line: the status only (no headers: `Set-Cookie`). */
function serializeResponse(raw: ServerResponse): Record<string, unknown> {
  return { statusCode: raw.statusCode };
}

/**
 * One readable line per entry for a developer's terminal: time, level, context, message, and for a
 * request `METHOD /path status ms` (the path without its query string). pino-pretty's formatter runs
 * synchronously in this process (no transport worker), after redaction, so it sees what JSON would hold.
 */
function prettyStream(destination: DestinationStream | undefined): DestinationStream {
  const target = destination ?? process.stdout;
  const format = prettyFactory({
    colorize: destination === undefined && process.stdout.isTTY === true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service,context,req,res,responseTime,reqId',
    messageFormat: (log, messageKey) => {
      const context = typeof log.context === 'string' ? `[${log.context}] ` : '';
      const req = log.req as { method?: string; url?: string } | undefined;
      const res = log.res as { statusCode?: number } | undefined;
      const request = req?.method ? `${req.method} ${req.url ?? ''} ${res?.statusCode ?? ''} ${String(log.responseTime ?? '')}ms ` : '';
      return `${context}${request}${String(log[messageKey] ?? '')}`;
    },
  });
  return { write: (line: string) => void target.write(format(line)) };
}

/**
 * Standard output, written in batches: lines wait in memory until 4 KiB have gathered or 250 ms
 * have passed, then go out in one write. pino's default writes every line on its own, one system
 * call and one thread-pool hop per request (docs/performance.md). pino flushes the buffer when the
 * process exits; a process killed with SIGKILL loses at most the last 250 ms of lines (audit
 * events are in the database, not in the log).
 */
function bufferedStdout(): DestinationStream {
  return pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 250 });
}

/** The root logger: JSON lines (or readable ones), ISO time, level names, the service name and the redaction. */
export function createRootLogger(options: ResolvedObservabilityOptions): PinoInstance {
  // The defaults are censored by PINO_REDACT_PATHS and censorOneLevelDown (redaction.ts); pino's
  // `redact` gets only those and the app's own paths.
  const extra = options.redactPaths.filter((path) => !DEFAULT_REDACT_PATHS.includes(path));
  const logger = pino(
    {
      level: options.logLevel,
      base: { service: options.service, pid: process.pid, hostname: hostname() },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }), log: censorOneLevelDown },
      redact: { paths: [...PINO_REDACT_PATHS, ...extra], censor: REDACTED },
      serializers: { req: serializeRequest, res: serializeResponse, err: pino.stdSerializers.err },
    },
    options.logFormat === 'pretty' ? prettyStream(options.logStream) : (options.logStream ?? bufferedStdout()),
  );
  // A child's bindings skip `formatters.log`; every descendant inherits this `child` (pino builds
  // children with Object.create), so their bindings are censored one level down too.
  const child = logger.child;
  logger.child = function censoredChild(this: PinoInstance, bindings: Record<string, unknown>, childOptions?: unknown) {
    return child.call(this, censorOneLevelDown(bindings), childOptions as never);
  } as PinoInstance['child'];
  return logger;
}

type RawRequest = IncomingMessage & { id?: unknown };
type RawResponse = ServerResponse & { err?: unknown };

/** Runs `next` with `reqId` bound to every line logged during the request (nestjs-pino's context). */
export type BindRequestContext = (next: () => void, bindings: { reqId: string | number }) => void;

/**
 * The adapter's id (Fastify `request.id`, copied by middie; Express `req.id` from the app's
 * middleware), so that `reqId` equals the X-Request-Id response header; when the adapter set none,
 * one is made here and sent back.
 */
function requestIdOf(req: RawRequest, res: ServerResponse): string | number {
  const existing = req.id;
  if ((typeof existing === 'string' && existing !== '') || typeof existing === 'number') return existing;
  const id = randomUUID();
  req.id = id;
  if (!res.headersSent && !res.hasHeader('x-request-id')) res.setHeader('x-request-id', id);
  return id;
}

/**
 * The request log, one line per request when its response finishes (or the connection closes
 * first): `reqId`, `req` (id, method, path, address, user agent), `res.statusCode`,
 * `responseTime` (ms), and the principal, API key, tenant and route pattern. 5xx and errors (the
 * `err` that nestjs-pino's `LoggerErrorInterceptor` leaves on the response) are `error` with
 * `err`, 4xx `warn`, the rest `info`. Lines logged during the request carry `reqId` (`bind`).
 *
 * Written here rather than with pino-http, which nestjs-pino uses by default: pino-http builds
 * two child loggers per request (one binding the whole serialized request) and three listeners;
 * this builds one child and two listeners and writes one line through the root logger, the same
 * fields at about a third of the cost (docs/performance.md).
 */
export function createRequestLogger(root: PinoInstance, bind: BindRequestContext): (req: RawRequest, res: RawResponse, next: () => void) => void {
  return function logRequest(req, res, next) {
    const reqId = requestIdOf(req, res);
    const started = performance.now();
    let logged = false;
    const finish = (): void => {
      if (logged) return;
      logged = true;
      res.removeListener('finish', finish);
      res.removeListener('close', finish);
      const status = res.statusCode;
      const line = { reqId, req, res, responseTime: Math.round(performance.now() - started), ...requestContextFields(req) };
      if (res.err !== undefined || status >= 500) {
        root.error({ ...line, err: res.err ?? new Error(`failed with status code ${status}`) }, 'request errored');
      } else if (status >= 400) {
        root.warn(line, 'request completed');
      } else {
        root.info(line, 'request completed');
      }
    };
    res.once('finish', finish);
    res.once('close', finish);
    bind(next, { reqId });
  };
}

/**
 * nestjs-pino's `LoggerModule` parameters: our root logger, and no middleware of its own
 * (`useExisting` and no routes): {@link createRequestLogger} is the request middleware.
 */
export function toLoggerParams(root: PinoInstance): Params {
  return { pinoHttp: { logger: root, wrapSerializers: false }, useExisting: true, forRoutes: [] };
}
