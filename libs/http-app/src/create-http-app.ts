import type { INestApplication, LogLevel, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

/** The HTTP servers Nest can run on. */
export type HttpAdapterName = 'fastify' | 'express';

/** Options of {@link createHttpApp}. */
export interface HttpAppOptions {
  /** Default `fastify` (about 5× the throughput of Express on the same machine). */
  adapter?: HttpAdapterName;
  /** Trust `X-Forwarded-*` from a proxy in front. Default false: the socket address is the client. */
  trustProxy?: boolean;
  /** Largest request body in bytes. Default 100 kB. */
  bodyLimit?: number;
  /** The lowest level logged: `fatal` … `verbose`. Default `info`. */
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'verbose';
}

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];
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
  const common = {
    logger: logLevelsFrom(options.logLevel ?? 'info'),
    // Errors at start-up reach the caller instead of ending the process.
    abortOnError: false,
  };
  if (adapterName === 'fastify') {
    const { FastifyAdapter } = await import('@nestjs/platform-fastify');
    const adapter = new FastifyAdapter({ bodyLimit, trustProxy });
    return NestFactory.create(root, adapter as never, common);
  }
  if (adapterName === 'express') {
    const { ExpressAdapter } = await import('@nestjs/platform-express');
    const app = await NestFactory.create(root, new ExpressAdapter(), { ...common, bodyParser: false });
    const express = app as unknown as {
      useBodyParser(type: string, options: { limit: number }): void;
      set(key: string, value: unknown): void;
      disable(key: string): void;
    };
    express.useBodyParser('json', { limit: bodyLimit });
    express.useBodyParser('urlencoded', { limit: bodyLimit });
    express.set('trust proxy', trustProxy);
    express.disable('x-powered-by');
    return app;
  }
  throw new Error(`http-app option "adapter" must be "fastify" or "express" (got "${String(adapterName)}")`);
}
