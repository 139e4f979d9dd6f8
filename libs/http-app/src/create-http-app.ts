import type { INestApplication, LogLevel, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { SecureContextOptions } from 'node:tls';
import { hasBody, is as typeIs } from 'type-is';

/** The body types both adapters read (Fastify's own JSON parser and the form parser the app registers, Express's body-parser). */
const PARSED_TYPES = ['application/json', 'application/x-www-form-urlencoded'];
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** The HTTP servers Nest can run on. */
export type HttpAdapterName = 'fastify' | 'express';

/** Options of {@link createHttpApp}. */
export interface HttpAppOptions {
  /** Default `fastify` (about 5× the throughput of Express on the same machine). */
  adapter?: HttpAdapterName;
  /**
   * Which proxies' `X-Forwarded-*` to believe: `false` (default: the socket
   * address is the client), a hop count, or a comma list of proxy addresses
   * / CIDRs (`10.0.0.0/8, loopback`). Never `true`: any client could then
   * name its own address.
   */
  trustProxy?: false | number | string;
  /** Serve HTTPS with this certificate and key (PEM). TLS 1.2 or newer, modern ciphers only. */
  https?: { cert: string | Buffer; key: string | Buffer };
  /** Take a well-formed `X-Request-Id` from the client, or make one; echo it on every response. Default true. */
  requestId?: boolean;
  /**
   * Runs on the new app before the body parsers are attached (Express runs
   * middleware in order): register headers and transport checks here so
   * that even a refused body gets them.
   */
  beforeBodyParsing?: (app: INestApplication) => Promise<void> | void;
  /** Largest request body in bytes. Default 100 kB. */
  bodyLimit?: number;
  /** The lowest level logged: `fatal` … `verbose`. Default `info`. */
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'verbose';
  /**
   * Hold Nest's start-up lines until the app calls `app.useLogger(...)`, so that they go through
   * the same logger as everything after (one format on screen). Default false. Nest writes them
   * anyway when start-up fails, or at `listen()` if `useLogger` is never called.
   */
  bufferLogs?: boolean;
}

/** What a client-supplied request id may look like; anything else is replaced. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{8,128}$/;

// Mozilla's "intermediate" TLS configuration: TLS 1.2 with AEAD ECDHE suites, and TLS 1.3.
const TLS: SecureContextOptions = {
  minVersion: 'TLSv1.2',
  ciphers: [
    'TLS_AES_128_GCM_SHA256',
    'TLS_AES_256_GCM_SHA384',
    'TLS_CHACHA20_POLY1305_SHA256',
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-RSA-AES128-GCM-SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-RSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-CHACHA20-POLY1305',
    'ECDHE-RSA-CHACHA20-POLY1305',
  ].join(':'),
  honorCipherOrder: false,
};

function requestIdFrom(header: unknown): string {
  return typeof header === 'string' && REQUEST_ID_PATTERN.test(header) ? header : randomUUID();
}

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];
/**
 * Fastify 5.12+ treats a numeric `trustProxy` as "trust nobody" (a hop count cannot check who the
 * immediate peer is). Express still reads it as "trust the n hops nearest the server". Both adapters
 * must name the same client for the same request (rate-limit keys, audit `ip`), so a hop count is
 * given to Fastify as the trust function Express builds from it (proxy-addr: hop i is trusted when
 * i < n). The README says when a hop count is safe: only when clients cannot reach the app directly.
 */
function fastifyTrustProxy(trustProxy: false | number | string): false | string | ((address: string, hop: number) => boolean) {
  return typeof trustProxy === 'number' ? (_address: string, hop: number) => hop < trustProxy : trustProxy;
}

const LOG_LEVEL_NAMES: string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'verbose'];

/** Nest calls the `info` level `log`; every level at or above `level` is kept. */
export function logLevelsFrom(level: NonNullable<HttpAppOptions['logLevel']>): LogLevel[] {
  const nestLevel: LogLevel = level === 'info' ? 'log' : level;
  return LEVELS.slice(0, LEVELS.indexOf(nestLevel) + 1);
}

/**
 * Creates a Nest application on Fastify or Express. The adapter packages are
 * loaded only when chosen, so an app that uses one need not install the other.
 *
 * @example
 * const app = await createHttpApp(AppModule, { adapter: 'express' });
 * await app.listen(3000);
 */
export async function createHttpApp(root: Type<unknown>, options: HttpAppOptions = {}): Promise<INestApplication> {
  const adapterName = options.adapter ?? 'fastify';
  const bodyLimit = options.bodyLimit ?? 100 * 1024;
  if (!Number.isInteger(bodyLimit) || bodyLimit < 1) {
    throw new Error('http-app option "bodyLimit" must be a positive whole number of bytes');
  }
  if (options.logLevel !== undefined && !LOG_LEVEL_NAMES.includes(options.logLevel)) {
    throw new Error(`http-app option "logLevel" must be one of: ${LOG_LEVEL_NAMES.join(', ')}`);
  }
  const trustProxy = options.trustProxy ?? false;
  if ((trustProxy as unknown) === true) throw new Error('http-app option "trustProxy" must be false, a hop count or a list of proxy addresses, never true');
  const https = options.https ? { ...TLS, cert: options.https.cert, key: options.https.key } : undefined;
  const requestId = options.requestId ?? true;
  const common = {
    logger: logLevelsFrom(options.logLevel ?? 'info'),
    bufferLogs: options.bufferLogs === true,
    // Errors at start-up reach the caller instead of ending the process.
    abortOnError: false,
  };
  if (adapterName === 'fastify') {
    const { FastifyAdapter } = await import('@nestjs/platform-fastify');
    const adapter = new FastifyAdapter({
      bodyLimit,
      trustProxy: fastifyTrustProxy(trustProxy),
      ...(https ? { https } : {}),
      // Prototype-poisoning keys in a JSON body are a 400 before any handler runs.
      onProtoPoisoning: 'error',
      onConstructorPoisoning: 'error',
      ...(requestId ? { genReqId: (req: { headers: Record<string, unknown> }) => requestIdFrom(req.headers['x-request-id']) } : {}),
    } as never);
    const app = await NestFactory.create(root, adapter as never, common);
    type Reply = { header(k: string, v: string): void };
    const fastify = (
      app as unknown as {
        getHttpAdapter(): {
          getInstance(): { addHook(name: string, hook: (req: { id: string }, reply: Reply, done: () => void) => void): void; removeContentTypeParser(type: string): void };
        };
      }
    )
      .getHttpAdapter()
      .getInstance();
    // Fastify reads text/plain bodies as strings by default; Express does not.
    // JSON and forms only, on both: any other body is a 415.
    fastify.removeContentTypeParser('text/plain');
    if (requestId) {
      fastify.addHook('onRequest', (req: { id: string }, reply: Reply, done: () => void) => {
        reply.header('x-request-id', req.id);
        done();
      });
    }
    await options.beforeBodyParsing?.(app as INestApplication);
    return app as INestApplication;
  }
  if (adapterName === 'express') {
    const { ExpressAdapter } = await import('@nestjs/platform-express');
    const app = await NestFactory.create(root, new ExpressAdapter(), { ...common, bodyParser: false, ...(https ? { httpsOptions: https } : {}) });
    const express = app as unknown as {
      use(fn: unknown): void;
      useBodyParser(type: string, options: { limit: number }): void;
      set(key: string, value: unknown): void;
      disable(key: string): void;
    };
    if (requestId) {
      // Before the body parser, so that even a refused body gets its id.
      express.use((req: { id?: string; headers: Record<string, unknown> }, res: { setHeader(k: string, v: string): void }, next: () => void) => {
        req.id = requestIdFrom(req.headers['x-request-id']);
        res.setHeader('x-request-id', req.id);
        next();
      });
    }
    await options.beforeBodyParsing?.(app);
    // Strict JSON: objects and arrays only at the top level (Fastify's parser
    // also takes a bare value; a DTO refuses one either way).
    express.useBodyParser('json', { limit: bodyLimit, strict: true } as never);
    express.useBodyParser('urlencoded', { limit: bodyLimit });
    // Express leaves a body of any other type unread and lets the route run
    // as if none was sent; Fastify answers 415. Same answer on both: a body
    // the parsers above do not read is refused before any handler sees it.
    express.use((req: IncomingMessage, _res: unknown, next: (error?: unknown) => void) => {
      // An empty body (`Content-Length: 0`, what fetch sends with a bodyless POST) is none, as on Fastify.
      if (hasBody(req) && req.headers['content-length'] !== '0' && !typeIs(req.headers['content-type'] ?? '', PARSED_TYPES)) {
        next(Object.assign(new Error('unsupported media type'), { status: 415, type: 'content-type.unsupported' }));
        return;
      }
      // Fastify refuses a JSON content type with an empty body; body-parser passes {} on
      // (type-is counts `Content-Length: 0` as a body).
      const empty = !hasBody(req) || req.headers['content-length'] === '0';
      if (BODY_METHODS.has(req.method ?? '') && empty && typeIs(req.headers['content-type'] ?? '', ['application/json'])) {
        next(Object.assign(new Error('empty JSON body'), { status: 400, type: 'entity.empty' }));
        return;
      }
      next();
    });
    express.set('trust proxy', trustProxy);
    express.disable('x-powered-by');
    return app;
  }
  throw new Error(`http-app option "adapter" must be "fastify" or "express" (got "${String(adapterName)}")`);
}
