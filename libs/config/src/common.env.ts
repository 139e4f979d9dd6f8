import { isIP } from 'node:net';
import { z } from 'zod';
import { oneOf, urlWithScheme } from './fields.js';

/** Variables every Bastion app reads: where its data lives and how it logs. */
export const runtimeEnv = z.object({
  NODE_ENV: oneOf(['development', 'test', 'production'] as const, 'development'),
  LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'verbose'] as const, 'info'),
  // Unset: see logFormatFor (readable in a development terminal, JSON everywhere else).
  LOG_FORMAT: z.enum(['json', 'pretty'], { error: 'must be json or pretty' }).optional(),
});

/**
 * The log format when LOG_FORMAT is not set: readable lines for a person (development, output to a
 * terminal, not CI), JSON everywhere else (production, CI, containers, files), where machines read it.
 */
export function logFormatFor(env: { NODE_ENV: string; LOG_FORMAT?: 'json' | 'pretty' }, stdoutIsTty: boolean, ci: boolean): 'json' | 'pretty' {
  if (env.LOG_FORMAT) return env.LOG_FORMAT;
  return env.NODE_ENV === 'development' && stdoutIsTty && !ci ? 'pretty' : 'json';
}

/** A duration in ms from 0 (no limit) to one hour. */
function milliseconds(defaultValue: number) {
  return z
    .string()
    .regex(/^\d{1,7}$/, { error: 'must be a whole number of milliseconds from 0 to 3600000' })
    .transform(Number)
    .refine((n) => n <= 3_600_000, { error: 'must be a whole number of milliseconds from 0 to 3600000' })
    .default(defaultValue);
}

/** The database: PostgreSQL when DATABASE_URL is set, otherwise the embedded PGlite folder. */
export const databaseEnv = z.object({
  DATABASE_URL: urlWithScheme(['postgresql:', 'postgres:'], 'PostgreSQL').optional(),
  EMBEDDED_DB_DIR: z.string().max(1024).default('.data/pglite'),
  DATABASE_POOL_SIZE: z
    .string()
    .regex(/^\d{1,4}$/, { error: 'must be a whole number from 1 to 1000' })
    .transform(Number)
    .refine((n) => n >= 1 && n <= 1000, { error: 'must be a whole number from 1 to 1000' })
    .default(10),
  DATABASE_STATEMENT_TIMEOUT_MS: milliseconds(3000),
  DATABASE_POOL_TIMEOUT_MS: milliseconds(3000),
});

/** Redis: shared state between instances when REDIS_URL is set; in memory otherwise. */
export const redisEnv = z.object({
  REDIS_URL: urlWithScheme(['redis:', 'rediss:'], 'Redis').optional(),
});

const PROXY_KEYWORDS = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrCidr(entry: string): boolean {
  if (PROXY_KEYWORDS.has(entry)) return true;
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * Which proxies to believe about the client address: `false`, a hop count,
 * or a comma list of addresses / CIDRs / `loopback`. Never `true` (then any
 * client could pick its own address through X-Forwarded-For).
 */
export function trustProxy() {
  return z
    .string()
    .refine((v) => v === 'false' || /^\d{1,2}$/.test(v) || v.split(',').every((e) => isAddressOrCidr(e.trim())), {
      error: 'must be false, a hop count, or a comma list of proxy addresses/CIDRs (never true)',
    })
    .transform((v): false | number | string => (v === 'false' ? false : /^\d{1,2}$/.test(v) ? Number(v) : v.split(',').map((e) => e.trim()).join(',')))
    .default(false);
}

/** How an HTTP app listens. */
export const httpEnv = z.object({
  HTTP_ADAPTER: oneOf(['fastify', 'express'] as const, 'fastify'),
  TRUST_PROXY: trustProxy(),
  HOST: z
    .string()
    .refine((v) => isIP(v) !== 0 || v === 'localhost', { error: 'must be an IP address to bind, e.g. 127.0.0.1 or 0.0.0.0' })
    .default('127.0.0.1'),
  // On SIGTERM: how long readiness answers 503 before the server stops accepting, then how long in-flight requests
  // and shutdown hooks may take (docker compose's stop_grace_period must be longer than the two together).
  SHUTDOWN_DRAIN_DELAY_MS: milliseconds(2000),
  SHUTDOWN_GRACE_MS: milliseconds(10_000),
});
