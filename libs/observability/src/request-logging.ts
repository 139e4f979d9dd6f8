import { RequestMethod } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import type { Params } from 'nestjs-pino';
import { type DestinationStream, pino, type Logger as PinoInstance } from 'pino';
import { prettyFactory } from 'pino-pretty';
import type { Options as PinoHttpOptions } from 'pino-http';
import type { ResolvedObservabilityOptions } from './options.js';
import { REDACTED } from './redaction.js';
import { requestContextFields } from './request-context.js';

/** The path of a URL without its query string or fragment, which may carry secrets (`?token=`). */
export function pathOnly(url: unknown): string | undefined {
  return typeof url === 'string' ? url.split(/[?#]/, 1)[0] : undefined;
}

/** `req` in a log line: no query string, no body, no route params; headers are redacted. */
function serializeRequest(raw: IncomingMessage & { ip?: unknown }): Record<string, unknown> {
  const req = pino.stdSerializers.req(raw);
  return {
    id: req.id,
    method: req.method,
    url: pathOnly(req.url),
    headers: req.headers,
    // The client as the adapter sees it through trusted proxies (Express `req.ip`; on Fastify,
    // middie copies `request.ip`); `remoteAddress` is the socket's peer, maybe the proxy.
    ...(typeof raw.ip === 'string' ? { ip: raw.ip } : {}),
    remoteAddress: req.remoteAddress,
    remotePort: req.remotePort,
  };
}

function serializeResponse(raw: ServerResponse): Record<string, unknown> {
  const res = pino.stdSerializers.res(raw);
  return { statusCode: res.statusCode, headers: res.headers };
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

/** The root logger: JSON lines (or readable ones), ISO time, level names, the service name and the redaction. */
export function createRootLogger(options: ResolvedObservabilityOptions): PinoInstance {
  return pino(
    {
      level: options.logLevel,
      base: { service: options.service, pid: process.pid, hostname: hostname() },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...options.redactPaths], censor: REDACTED },
      serializers: { req: serializeRequest, res: serializeResponse, err: pino.stdSerializers.err },
    },
    // Undefined: pino's default, standard output.
    options.logFormat === 'pretty' ? prettyStream(options.logStream) : options.logStream,
  );
}

const contextAdded = new WeakSet<IncomingMessage>();

/** The pino-http options: request id, level by status, and principal/route at completion. */
export function requestLoggingOptions(logger: PinoInstance): PinoHttpOptions {
  return {
    logger,
    // The serializers are the root logger's; pino-http's wrappers would add the query string back.
    wrapSerializers: false,
    // Lines logged during a request carry `reqId` only; the completion line carries req and res.
    quietReqLogger: true,
    // The adapter's id (Fastify `request.id`, copied by middie; Express `req.id` from the app's
    // middleware), so that `reqId` equals the X-Request-Id response header. pino-http only asks
    // when the adapter set none; then the id made here is sent back too.
    genReqId: (req, res) => {
      const existing = (req as { id?: unknown }).id;
      if ((typeof existing === 'string' && existing !== '') || typeof existing === 'number') return existing;
      const id = randomUUID();
      if (!res.headersSent && !res.hasHeader('x-request-id')) res.setHeader('x-request-id', id);
      return id;
    },
    // pino-http calls this when the request starts and again when it ends. Only the second call
    // knows the principal (guards have run) and the route, so the first adds nothing, and no key
    // appears twice in the completion line.
    customProps: (req) => {
      if (!contextAdded.has(req)) {
        contextAdded.add(req);
        return {};
      }
      return requestContextFields(req);
    },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
  };
}

/** nestjs-pino's `LoggerModule` parameters for these options. */
export function toLoggerParams(options: ResolvedObservabilityOptions): Params {
  return {
    pinoHttp: requestLoggingOptions(createRootLogger(options)),
    // Every route, in the path syntax of Nest 11 (nestjs-pino's default `*` is the legacy one).
    forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
  };
}
