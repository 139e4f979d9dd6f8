import type { PrismaClient } from './generated/prisma/client.js';
import { DatabaseError } from './errors.js';

/**
 * Options of {@link DatabaseModule}.
 *
 * Exactly one database is used: PostgreSQL when `url` is set, otherwise the
 * embedded PGlite database stored in `embeddedDir`.
 */
export interface DatabaseModuleOptions {
  /** A `postgresql://` or `postgres://` URL. Unset: the embedded PGlite database. */
  url?: string;
  /**
   * Folder of the embedded database, or `memory://` for a throwaway one
   * (tests). Ignored when `url` is set. Default `.data/pglite`.
   */
  embeddedDir?: string;
  /** Largest number of pooled PostgreSQL connections. Default 10. */
  poolSize?: number;
  /**
   * Longest a PostgreSQL statement may run, in ms, before the server cancels it (`statement_timeout`, SQLSTATE
   * 57014), so that a slow or locked database ends in a 503 instead of a hang. The client gives up on its own 1 s
   * later, for a server that stopped answering altogether, and closes that connection (its state is unknown).
   * 0 turns both off (migrations, long admin scripts). Default 3000.
   */
  statementTimeoutMs?: number;
  /**
   * Longest a request waits for a pooled PostgreSQL connection (all busy, or the server not answering a connect),
   * in ms. 0 waits for ever. Default 3000.
   */
  poolTimeoutMs?: number;
  /**
   * Applies Prisma client extensions (e.g. field encryption) to the client
   * every injector of {@link PrismaService} gets. Return the extended client;
   * a query extension keeps the client's type and its lifecycle hooks.
   */
  extendClient?: (client: PrismaClient) => PrismaClient;
}

/** The options after validation, with defaults filled in. */
export interface ResolvedDatabaseOptions {
  kind: 'postgres' | 'embedded';
  url?: string;
  embeddedDir: string;
  poolSize: number;
  statementTimeoutMs: number;
  poolTimeoutMs: number;
}

function timeout(options: DatabaseModuleOptions, key: 'statementTimeoutMs' | 'poolTimeoutMs'): number {
  const value = options[key] ?? 3000;
  if (!Number.isInteger(value) || value < 0 || value > 3_600_000) {
    throw new DatabaseError('ERR_DATABASE_OPTIONS', `database option "${key}" must be an integer from 0 to 3600000 (ms)`);
  }
  return value;
}

/**
 * Validates options once, when the module is built, so that a bad value stops
 * the process at start-up with a message naming the option.
 */
export function resolveDatabaseOptions(options: DatabaseModuleOptions): ResolvedDatabaseOptions {
  const embeddedDir = options.embeddedDir ?? '.data/pglite';
  const poolSize = options.poolSize ?? 10;
  if (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > 1000) {
    throw new DatabaseError('ERR_DATABASE_OPTIONS', 'database option "poolSize" must be an integer from 1 to 1000');
  }
  const statementTimeoutMs = timeout(options, 'statementTimeoutMs');
  const poolTimeoutMs = timeout(options, 'poolTimeoutMs');
  if (options.url === undefined || options.url === '') {
    if (embeddedDir.trim() === '') {
      throw new DatabaseError('ERR_DATABASE_OPTIONS', 'database option "embeddedDir" must not be empty');
    }
    return { kind: 'embedded', embeddedDir, poolSize, statementTimeoutMs, poolTimeoutMs };
  }
  let protocol: string;
  try {
    protocol = new URL(options.url).protocol;
  } catch {
    throw new DatabaseError('ERR_DATABASE_OPTIONS', 'database option "url" is not a valid URL');
  }
  if (protocol !== 'postgresql:' && protocol !== 'postgres:') {
    throw new DatabaseError(
      'ERR_DATABASE_OPTIONS',
      `database option "url" must be a postgresql:// URL (got a ${protocol}// URL)`,
    );
  }
  return { kind: 'postgres', url: options.url, embeddedDir, poolSize, statementTimeoutMs, poolTimeoutMs };
}
