import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { DriverAdapterError } from '@prisma/driver-adapter-utils';
import { createServer } from 'node:net';
import { DatabaseError as PgDatabaseError, Pool } from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { Prisma, PrismaClient } from './generated/prisma/client.js';
import { databaseProblem, databaseUnavailability } from './unavailable.js';

const CLIENT_VERSION = Prisma.prismaVersion.client;

/** A pg DatabaseError as pg-protocol builds it from a server's ErrorResponse. */
function pgError(code: string, message: string): PgDatabaseError {
  const error = new PgDatabaseError(message, message.length, 'error');
  error.code = code;
  error.severity = 'FATAL';
  return error;
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('databaseUnavailability', () => {
  describe('Prisma error shapes', () => {
    it.each(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2037'])('%s (PrismaClientKnownRequestError) is unavailable', (code) => {
      const error = new Prisma.PrismaClientKnownRequestError('db trouble', { code, clientVersion: CLIENT_VERSION });
      expect(databaseUnavailability(error)?.reason).toMatch(new RegExp(`^${code} `));
    });

    it('PrismaClientInitializationError is unavailable', () => {
      const error = new Prisma.PrismaClientInitializationError("Can't reach database server", CLIENT_VERSION, 'P1001');
      expect(databaseUnavailability(error)?.reason).toBe('prisma initialization P1001');
    });

    it.each([
      ['P2002', 'Unique constraint failed'],
      ['P2025', 'Record to update not found'],
      ['P2003', 'Foreign key constraint failed'],
    ])('%s is a request problem, not an outage', (code, message) => {
      expect(databaseUnavailability(new Prisma.PrismaClientKnownRequestError(message, { code, clientVersion: CLIENT_VERSION }))).toBeUndefined();
    });

    it('P2010 (a raw query) is judged by the driver error it carries', () => {
      const driver = new DriverAdapterError({ kind: 'postgres', code: '57P01', severity: 'FATAL', message: 'terminating connection due to administrator command', detail: undefined, column: undefined, hint: undefined });
      const error = new Prisma.PrismaClientKnownRequestError('Raw query failed. Code: `57P01`', { code: 'P2010', clientVersion: CLIENT_VERSION, meta: { driverAdapterError: driver } });
      expect(databaseUnavailability(error)?.reason).toBe('57P01 admin_shutdown');
    });

    it('a raw-query P2010 for a syntax error is not an outage', () => {
      const driver = new DriverAdapterError({ kind: 'postgres', code: '42601', severity: 'ERROR', message: 'syntax error', detail: undefined, column: undefined, hint: undefined });
      const error = new Prisma.PrismaClientKnownRequestError('Raw query failed', { code: 'P2010', clientVersion: CLIENT_VERSION, meta: { driverAdapterError: driver } });
      expect(databaseUnavailability(error)).toBeUndefined();
    });

    it('an interactive transaction that could not start in time is unavailable', () => {
      const error = new Prisma.PrismaClientKnownRequestError('Unable to start a transaction in the given time.', { code: 'P2028', clientVersion: CLIENT_VERSION });
      expect(databaseUnavailability(error)?.reason).toBe('transaction start timeout');
    });
  });

  describe('DriverAdapterError (both adapters)', () => {
    it.each([
      [{ kind: 'DatabaseNotReachable', host: '127.0.0.1', port: 5432 }, 'database not reachable'],
      [{ kind: 'ConnectionClosed' }, 'connection closed'],
      [{ kind: 'SocketTimeout' }, 'socket timeout'],
      [{ kind: 'TooManyConnections', cause: 'sorry, too many clients already' }, '53300 too_many_connections'],
      [{ kind: 'postgres', code: '57P01', severity: 'FATAL', message: 'terminating connection due to administrator command' }, '57P01 admin_shutdown'],
      [{ kind: 'postgres', code: '57P02', severity: 'FATAL', message: 'crash shutdown' }, '57P02 crash_shutdown'],
      [{ kind: 'postgres', code: '57P03', severity: 'FATAL', message: 'the database system is starting up' }, '57P03 cannot_connect_now'],
      [{ kind: 'postgres', code: '57014', severity: 'ERROR', message: 'canceling statement due to statement timeout' }, '57014 query_canceled (statement timeout)'],
      [{ kind: 'postgres', code: '08006', severity: 'FATAL', message: 'connection failure' }, '08006 connection_exception'],
      [{ kind: 'postgres', code: '08P01', severity: 'FATAL', message: 'protocol violation' }, '08P01 connection_exception'],
    ] as const)('%p is unavailable', (cause, reason) => {
      expect(databaseUnavailability(new DriverAdapterError(cause as never))?.reason).toBe(reason);
    });

    it.each([
      { kind: 'UniqueConstraintViolation', constraint: { fields: ['email'] } },
      { kind: 'postgres', code: '22P02', severity: 'ERROR', message: 'invalid input syntax for type uuid' },
      { kind: 'postgres', code: '42P01', severity: 'ERROR', message: 'relation does not exist' },
    ] as const)('%p is not', (cause) => {
      expect(databaseUnavailability(new DriverAdapterError(cause as never))).toBeUndefined();
    });
  });

  describe('pg errors', () => {
    it.each([
      ['57P01', '57P01 admin_shutdown'],
      ['57P02', '57P02 crash_shutdown'],
      ['57P03', '57P03 cannot_connect_now'],
      ['53300', '53300 too_many_connections'],
      ['57014', '57014 query_canceled (statement timeout)'],
      ['08000', '08000 connection_exception'],
      ['08003', '08003 connection_exception'],
      ['08006', '08006 connection_exception'],
      ['55P03', '55P03 lock_not_available (lock timeout)'],
    ])('DatabaseError %s', (code, reason) => {
      expect(databaseUnavailability(pgError(code, 'server says no'))?.reason).toBe(reason);
    });

    it.each(['23505', '22P02', '42501', '28P01', '3D000'])('DatabaseError %s is not an outage', (code) => {
      expect(databaseUnavailability(pgError(code, 'refused'))).toBeUndefined();
    });

    it.each([
      ['Connection terminated unexpectedly', 'connection terminated'],
      ['Connection terminated', 'connection terminated'],
      ['Connection terminated due to connection timeout', 'connection terminated'],
      ['timeout exceeded when trying to connect', 'pool timeout'],
      ['Query read timeout', 'query timeout'],
      ['Client has encountered a connection error and is not queryable', 'connection failed'],
      ['Cannot use a pool after calling end on the pool', 'pool closed'],
    ])('Error("%s") from pg / pg-pool', (message, reason) => {
      expect(databaseUnavailability(new Error(message))?.reason).toBe(reason);
    });

    it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH'])('socket error %s', (code) => {
      const error = Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, errno: -1, syscall: 'connect' });
      expect(databaseUnavailability(error)?.reason).toBe(code);
    });

    it('an AggregateError of refused addresses (localhost resolving to ::1 and 127.0.0.1)', () => {
      const refused = (address: string) => Object.assign(new Error(`connect ECONNREFUSED ${address}:5432`), { code: 'ECONNREFUSED', syscall: 'connect' });
      expect(databaseUnavailability(new AggregateError([refused('::1'), refused('127.0.0.1')]))?.reason).toBe('ECONNREFUSED');
    });
  });

  describe('what the real drivers throw', () => {
    it('pg on a port nothing listens on: ECONNREFUSED', async () => {
      const pool = new Pool({ host: '127.0.0.1', port: await closedPort(), user: 'x', database: 'x', connectionTimeoutMillis: 2000 });
      const error = await pool.query('SELECT 1').catch((e: unknown) => e);
      await pool.end();
      expect(databaseUnavailability(error)?.reason).toBe('ECONNREFUSED');
    });

    it('pg-pool waiting past connectionTimeoutMillis: pool timeout', async () => {
      // A server that accepts connections and never answers: the pool's wait is what ends it.
      const sockets: import('node:net').Socket[] = [];
      const silent = createServer((socket) => void sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const { port } = silent.address() as { port: number };
      const pool = new Pool({ host: '127.0.0.1', port, user: 'x', database: 'x', connectionTimeoutMillis: 200 });
      const error = await pool.query('SELECT 1').catch((e: unknown) => e);
      for (const socket of sockets) socket.destroy();
      await pool.end();
      await new Promise((resolve) => silent.close(resolve));
      expect(databaseUnavailability(error)?.reason).toMatch(/pool timeout|connection terminated/);
    });

    it('PrismaClient on @prisma/adapter-pg with nothing listening', async () => {
      const pool = new Pool({ host: '127.0.0.1', port: await closedPort(), user: 'x', database: 'x', connectionTimeoutMillis: 2000 });
      const client = new PrismaClient({ adapter: new PrismaPg(pool) as never });
      const error = await client.$queryRawUnsafe('SELECT 1').catch((e: unknown) => e);
      await client.$disconnect();
      await pool.end().catch(() => undefined);
      expect(error).toBeInstanceOf(Error);
      expect(databaseUnavailability(error)).toBeDefined();
      expect(databaseProblem(error)?.status).toBe(503);
    });

    it('PrismaClient on pglite-prisma-adapter after PGlite closed', async () => {
      const db = await PGlite.create();
      const client = new PrismaClient({ adapter: new PrismaPGlite(db) as never });
      await client.$queryRawUnsafe('SELECT 1');
      await db.close();
      const error = await client.tenant.findFirst().catch((e: unknown) => e);
      await client.$disconnect();
      expect(databaseUnavailability(error)?.reason).toBe('PGlite closed');
    });

    it('a bug is not an outage: a real syntax error through the PGlite adapter', async () => {
      const db = await PGlite.create();
      const client = new PrismaClient({ adapter: new PrismaPGlite(db) as never });
      const error = await client.$queryRawUnsafe('SELEC 1').catch((e: unknown) => e);
      await client.$disconnect();
      await db.close();
      expect(error).toBeInstanceOf(Error);
      expect(databaseUnavailability(error)).toBeUndefined();
    });
  });

  it('ignores what is not an error, and stops on a cause cycle', () => {
    expect(databaseUnavailability(undefined)).toBeUndefined();
    expect(databaseUnavailability('ECONNREFUSED')).toBeUndefined();
    const a: Error & { cause?: unknown } = new Error('a');
    a.cause = a;
    expect(databaseUnavailability(a)).toBeUndefined();
  });

  it('follows a cause chain', () => {
    const root = pgError('57P01', 'terminating connection due to administrator command');
    expect(databaseUnavailability(new Error('load failed', { cause: new Error('query failed', { cause: root }) }))?.reason).toBe('57P01 admin_shutdown');
  });
});

describe('databaseProblem', () => {
  it('is a 503 with a code, Retry-After and a detail that names nothing internal', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 10.1.2.3:5432'), { code: 'ECONNREFUSED', syscall: 'connect' });
    const problem = databaseProblem(error, 7);
    expect(problem).toMatchObject({ status: 503, code: 'ERR_DATABASE_UNAVAILABLE', headers: { 'Retry-After': '7' } });
    expect(problem?.detail).not.toMatch(/10\.1\.2\.3|5432|ECONN|postgres|prisma/i);
    expect(problem?.log).toContain('ECONNREFUSED');
  });

  it('is undefined for any other error, so the filter keeps its 500', () => {
    expect(databaseProblem(new Error('boom'))).toBeUndefined();
  });
});
