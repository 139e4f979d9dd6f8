import type { PGlite, Transaction } from '@electric-sql/pglite';
import { Logger } from '@nestjs/common';
import { Client, Pool } from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { ResolvedDatabaseOptions } from './database.options.js';
import { acquireEmbedded, releaseEmbedded, withEmbeddedLock } from './embedded-registry.js';

/** A connection that runs plain SQL, for the migrator and the health check. */
export interface SqlSession {
  /** Runs a script of one or more statements without parameters. */
  exec(sql: string): Promise<void>;
  /** Runs one statement with `$1`… parameters and returns its rows. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs `fn` in one transaction on this session: committed if it resolves, rolled back if it throws. */
  transaction(fn: (tx: SqlSession) => Promise<void>): Promise<void>;
}

/** The opened database: a Prisma driver adapter plus plain SQL access. */
export interface DatabaseConnection {
  readonly kind: 'postgres' | 'embedded';
  /** What `new PrismaClient({ adapter })` takes. */
  readonly adapter: PrismaPg | PrismaPGlite;
  /**
   * Runs `fn` on a session that no other migrator holds at the same time
   * (a PostgreSQL advisory lock, the same key `prisma migrate` takes).
   */
  exclusive<T>(fn: (session: SqlSession) => Promise<T>): Promise<T>;
  /** Runs `fn` on one session of its own (no lock): for work that needs one connection, such as a transaction. */
  session<T>(fn: (session: SqlSession) => Promise<T>): Promise<T>;
  /** Answers when the database does. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

// The advisory lock id Prisma's own migrate commands use, so that this
// migrator and `prisma migrate deploy` never run at the same time.
const PRISMA_MIGRATE_LOCK = 72707369;

/** Opens the database the options describe. */
export async function openDatabase(options: ResolvedDatabaseOptions): Promise<DatabaseConnection> {
  return options.kind === 'postgres' ? openPostgres(options) : openEmbedded(options.embeddedDir);
}

/** How much later than the server's statement_timeout the client gives up on its own. */
const CLIENT_TIMEOUT_MARGIN_MS = 1000;

/**
 * pg's `query_timeout` rejects a query the server has not answered, but when the query was already sent it keeps
 * the connection, with the statement (and maybe an open transaction) still running on the server. The pool then
 * hands that connection to the next request, whose statements run behind it, possibly inside the transaction the
 * timed-out request never committed or rolled back: measured by the fault drill, a document write that answered
 * 201 after a frozen PostgreSQL resumed was never committed. A connection whose query timed out is in an unknown
 * state, so it is destroyed: its in-flight statement dies with it and the pool opens a fresh one.
 */
class ReadTimeoutSafeClient extends Client {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- one implementation behind pg's many overloads
  override query(...args: any[]): any {
    const timedOut = (error: unknown) => {
      if (error instanceof Error && error.message === 'Query read timeout') {
        (this as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
      }
    };
    const last = args.at(-1);
    if (typeof last === 'function') {
      // The callback form (pg-pool's pool.query uses it).
      args[args.length - 1] = (error: unknown, ...rest: unknown[]) => {
        timedOut(error);
        (last as (...a: unknown[]) => void)(error, ...rest);
      };
    }
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    // The promise form (Prisma's adapter uses it): observed, and returned as it is.
    if (result instanceof Promise) result.catch(timedOut);
    return result;
  }
}

function openPostgres(options: ResolvedDatabaseOptions): DatabaseConnection {
  const statement = options.statementTimeoutMs;
  const pool = new Pool({
    connectionString: options.url,
    max: options.poolSize,
    // A wait for a connection (pool exhausted, server not accepting) ends instead of queueing for ever.
    connectionTimeoutMillis: options.poolTimeoutMs,
    // The server cancels a statement past the limit (57014); the client's own limit, a little later, covers a
    // server that stopped answering (a network partition, a stopped process) and would otherwise hang the request.
    ...(statement > 0 ? { statement_timeout: statement, query_timeout: statement + CLIENT_TIMEOUT_MARGIN_MS } : {}),
    Client: ReadTimeoutSafeClient,
    // Notices a peer that vanished without closing the connection.
    keepAlive: true,
  });
  // An idle client that errors (server restart) must not crash the process.
  const logger = new Logger('Database');
  pool.on('error', (error) => logger.warn(`idle PostgreSQL connection failed: ${error.message}`));
  // pg-pool listens for errors of idle clients only: a client checked out (a Prisma transaction, a session) whose
  // connection drops (server shut down or killed) emits 'error' with nobody listening, which would end the process.
  // Its query fails on its own and the request answers 503; here the error is only logged.
  pool.on('connect', (client) => {
    client.on('error', (error) => logger.warn(`PostgreSQL connection failed: ${error.message}`));
  });
  return {
    kind: 'postgres',
    adapter: new PrismaPg(pool),
    async exclusive(fn) {
      return this.session(async (session) => {
        await session.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK]);
        try {
          return await fn(session);
        } finally {
          await session.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK]);
        }
      });
    },
    async session(fn) {
      const client = await pool.connect();
      const session: SqlSession = {
        exec: async (sql) => {
          await client.query(sql);
        },
        query: async (sql, params) => (await client.query(sql, params)).rows,
        transaction: async (txFn) => {
          await client.query('BEGIN');
          try {
            await txFn(session);
            await client.query('COMMIT');
          } catch (error) {
            await client.query('ROLLBACK');
            throw error;
          }
        },
      };
      try {
        return await fn(session);
      } finally {
        client.release();
      }
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    close: () => pool.end(),
  };
}

async function openEmbedded(dir: string): Promise<DatabaseConnection> {
  const db = await acquireEmbedded(dir);
  let closed = false;
  const wrap = (q: PGlite | Transaction): SqlSession => ({
    exec: async (sql) => {
      await q.exec(sql);
    },
    query: async <T>(sql: string, params?: unknown[]) => (await q.query<T>(sql, params)).rows,
    transaction: async (txFn) => {
      if ('transaction' in q) await q.transaction((tx) => txFn(wrap(tx)));
      else await txFn(wrap(q));
    },
  });
  return {
    kind: 'embedded',
    // pglite-prisma-adapter 0.7 is built on driver-adapter-utils 7.2 while the
    // client is 7.10; the driver adapter contract is the same.
    adapter: new PrismaPGlite(db),
    // One process owns the folder (see embedded-registry.ts); within it, a
    // promise chain per folder serialises the holders.
    exclusive: (fn) => withEmbeddedLock(dir, () => fn(wrap(db))),
    // One connection is all PGlite has; its transaction() serialises with everything else.
    session: (fn) => fn(wrap(db)),
    async ping() {
      await db.query('SELECT 1');
    },
    async close() {
      if (closed) return;
      closed = true;
      await releaseEmbedded(dir);
    },
  };
}
