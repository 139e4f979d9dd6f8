import { Prisma } from './generated/prisma/client.js';

/**
 * Why the database could not answer, for the log line: a short, fixed label (`ECONNREFUSED`,
 * `57P01 admin_shutdown`, `P2024 pool timeout`) followed by the driver's message. Never sent to a client.
 */
export interface DatabaseUnavailability {
  /** A fixed label naming the failure, e.g. `57P01 admin_shutdown`. */
  reason: string;
  /** The message of the error that carried it (may name hosts and ports: log only). */
  message: string;
}

// Prisma's own codes for a database that cannot be reached or answers too late
// (https://www.prisma.io/docs/orm/reference/error-reference).
const PRISMA_CODES: Record<string, string> = {
  P1001: 'P1001 database not reachable',
  P1002: 'P1002 database timed out',
  P1008: 'P1008 operation timed out',
  P1017: 'P1017 server closed the connection',
  P2024: 'P2024 pool timeout',
  P2037: 'P2037 too many connections',
};

// What a driver adapter reports (the `cause` of Prisma's DriverAdapterError) when the connection is the problem.
const ADAPTER_KINDS: Record<string, string> = {
  DatabaseNotReachable: 'database not reachable',
  ConnectionClosed: 'connection closed',
  SocketTimeout: 'socket timeout',
  TooManyConnections: '53300 too_many_connections',
};

// SQLSTATEs of PostgreSQL (Appendix A) that say "not now" rather than "never": the server is going away, cannot be
// reached, is overloaded, or a configured limit ended the statement. Class 08 (connection exception) is matched as a
// class below.
const SQLSTATES: Record<string, string> = {
  '57P01': '57P01 admin_shutdown',
  '57P02': '57P02 crash_shutdown',
  '57P03': '57P03 cannot_connect_now',
  '57P05': '57P05 idle_session_timeout',
  '57014': '57014 query_canceled (statement timeout)',
  '55P03': '55P03 lock_not_available (lock timeout)',
  '25P03': '25P03 idle_in_transaction_session_timeout',
  '53300': '53300 too_many_connections',
  '53400': '53400 configuration_limit_exceeded',
};

// Node's socket errors: nothing listens, the peer went away, or the network does not reach it.
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);

// Errors that `pg`, `pg-pool` and PGlite raise as plain Errors, with no code to go by.
const MESSAGES: [RegExp, string][] = [
  [/^Connection terminated/, 'connection terminated'],
  [/^timeout exceeded when trying to connect/, 'pool timeout'],
  [/^Query read timeout/, 'query timeout'],
  [/^Client has encountered a connection error and is not queryable/, 'connection failed'],
  [/^Client was closed and is not queryable/, 'connection closed'],
  [/^Cannot use a pool after calling end on the pool/, 'pool closed'],
  [/^PGlite is clos(ed|ing)/, 'PGlite closed'],
  [/^PGlite failed to initialize/, 'PGlite not ready'],
  [/^Unable to start a transaction in the given time/, 'transaction start timeout'],
  [/^Transaction already closed: .*timeout/i, 'transaction timeout'],
];

function own(value: object, key: string): unknown {
  return (value as Record<string, unknown>)[key];
}

function classify(node: object): string | undefined {
  if (node instanceof Prisma.PrismaClientInitializationError) return `prisma initialization${node.errorCode ? ` ${node.errorCode}` : ''}`;
  if (node instanceof Prisma.PrismaClientKnownRequestError && PRISMA_CODES[node.code]) return PRISMA_CODES[node.code];
  const kind = own(node, 'kind');
  if (typeof kind === 'string' && ADAPTER_KINDS[kind]) return ADAPTER_KINDS[kind];
  // A DriverAdapterError's cause (kind "postgres") and a pg DatabaseError carry the SQLSTATE as `code`;
  // @prisma/adapter-pg also keeps it as `originalCode` on the kinds it maps.
  for (const key of ['code', 'originalCode']) {
    const code = own(node, key);
    if (typeof code !== 'string') continue;
    if (SQLSTATES[code]) return SQLSTATES[code];
    if (/^08[0-9A-Z]{3}$/.test(code)) return `${code} connection_exception`;
    if (SOCKET_CODES.has(code)) return code;
  }
  const message = own(node, 'message');
  if (typeof message === 'string') {
    for (const [pattern, label] of MESSAGES) if (pattern.test(message)) return label;
  }
  return undefined;
}

/**
 * Tells whether `error` means the database is unavailable for now (unreachable, restarting or shutting down, a
 * dropped connection, a pool or statement that waited past its limit, too many connections), as opposed to a bug
 * or a request the database refuses. It looks through the wrappers Prisma and the driver adapters put around the
 * driver's error (`cause`, `meta.driverAdapterError`, an AggregateError's `errors`), so it knows the shapes of
 * Prisma (`PrismaClientKnownRequestError` P1001/P1002/P1008/P1017/P2024/P2037, `PrismaClientInitializationError`),
 * of `@prisma/adapter-pg` and `pg` (socket errors, SQLSTATE 57P01-03, 57014, 08xxx, 53300, "Connection terminated",
 * pool timeouts) and of `pglite-prisma-adapter` (PGlite closed or not ready).
 *
 * The one place that decides it: the app's error filter answers these with 503 and `Retry-After`
 * (RFC 9110 §15.6.4) instead of a 500.
 *
 * @returns what failed, for the log line; `undefined` when the error is not about availability.
 * @example
 * const down = databaseUnavailability(error);
 * if (down) logger.warn(`database unavailable (${down.reason}): ${down.message}`);
 */
export function databaseUnavailability(error: unknown): DatabaseUnavailability | undefined {
  const seen = new Set<object>();
  const queue: unknown[] = [error];
  // Bounded: a cause chain of a few links is normal; a cycle or a huge AggregateError is not followed forever.
  while (queue.length > 0 && seen.size < 16) {
    const node = queue.shift();
    if (typeof node !== 'object' || node === null || seen.has(node)) continue;
    seen.add(node);
    const reason = classify(node);
    if (reason) {
      const message = own(node, 'message');
      return { reason, message: typeof message === 'string' ? message : reason };
    }
    queue.push(own(node, 'cause'));
    const meta = own(node, 'meta');
    if (typeof meta === 'object' && meta !== null) queue.push(own(meta, 'driverAdapterError'));
    const errors = own(node, 'errors');
    if (Array.isArray(errors)) queue.push(...errors.slice(0, 4));
  }
  return undefined;
}

/** What {@link databaseProblem} answers: the members of a problem-details response and the log line. */
export interface DatabaseProblem {
  status: 503;
  code: 'ERR_DATABASE_UNAVAILABLE';
  detail: string;
  headers: { 'Retry-After': string };
  /** For the log, never for the client. */
  log: string;
}

/**
 * The problem-details answer for an error that {@link databaseUnavailability} recognises: 503, code
 * `ERR_DATABASE_UNAVAILABLE`, a `Retry-After` of `retryAfterSeconds`, and a detail that names nothing internal.
 * Give it to the problem-details filter as a mapper; `undefined` lets the filter handle the error as before.
 *
 * @example
 * new ProblemDetailsFilter(adapterHost, { mappers: [(e) => databaseProblem(e)] })
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-15.6.4
 */
export function databaseProblem(error: unknown, retryAfterSeconds = 5): DatabaseProblem | undefined {
  const down = databaseUnavailability(error);
  if (!down) return undefined;
  return {
    status: 503,
    code: 'ERR_DATABASE_UNAVAILABLE',
    detail: 'The database is temporarily unavailable; try again shortly.',
    headers: { 'Retry-After': String(retryAfterSeconds) },
    log: `database unavailable (${down.reason}): ${down.message}`,
  };
}
