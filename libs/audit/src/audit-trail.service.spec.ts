import type { PGlite } from '@electric-sql/pglite';
import { Global, Inject, Injectable, Logger, Module, type OnModuleDestroy } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { countRows, openAuditDatabase, pgliteSession } from '../test/pglite-session.js';
import type { AuditHasher } from './audit-chain.js';
import type { AuditEventInput } from './audit-event.js';
import { AuditStore } from './audit-store.js';
import { AuditTrail } from './audit-trail.service.js';
import { AuditModule } from './audit.module.js';
import { validateAuditOptions, type AuditModuleOptions } from './audit.options.js';
import { AuditError } from './errors.js';
import { MemoryAuditStore } from './memory-audit.store.js';
import { SqlAuditStore } from './sql-audit.store.js';
import { verifyAuditChain } from './verify-audit-chain.js';

const event = (n = 0): AuditEventInput => ({ action: 'auth.login', outcome: 'success', actorType: 'user', actorId: `u${n}`, details: { n } });

/** A store whose writes wait until the test lets them go, and which says when one starts. */
class GatedStore extends MemoryAuditStore {
  readonly batches: number[] = [];
  failNext = 0;
  private release!: () => void;
  private gate = Promise.resolve();
  private started: (() => void)[] = [];

  hold(): void {
    this.gate = new Promise((resolve) => (this.release = resolve));
  }

  open(): void {
    this.release();
    this.gate = Promise.resolve();
  }

  /** Resolves when the next appendBatch starts. */
  nextWrite(): Promise<void> {
    return new Promise((resolve) => this.started.push(resolve));
  }

  override async appendBatch(events: readonly AuditEventInput[], hasher?: AuditHasher): Promise<void> {
    this.started.splice(0).forEach((resolve) => resolve());
    await this.gate;
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('database unavailable');
    }
    this.batches.push(events.length);
    await super.appendBatch(events, hasher);
  }
}

function trail(options: Partial<AuditModuleOptions> & { store: AuditModuleOptions['store'] }): AuditTrail {
  return new AuditTrail(validateAuditOptions({ flushIntervalMs: 60_000, ...options }));
}

describe('AuditTrail', () => {
  let warn: jest.SpyInstance;
  let error: jest.SpyInstance;

  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('buffers, then writes a batch as soon as batchSize events wait', async () => {
    const store = new GatedStore();
    const audit = trail({ store, batchSize: 5 });
    const written = store.nextWrite();
    for (let i = 0; i < 4; i += 1) expect(audit.record(event(i))).toBe(true);
    expect(audit.depth).toBe(4);
    audit.record(event(4));
    await written;
    await audit.flush();
    expect(store.batches).toEqual([5]);
    expect(audit.depth).toBe(0);
    await audit.onApplicationShutdown();
  });

  it('writes a partial batch after flushIntervalMs', async () => {
    const store = new GatedStore();
    const audit = trail({ store, flushIntervalMs: 5 });
    const written = store.nextWrite();
    audit.record(event());
    await written;
    await audit.flush();
    expect(store.batches).toEqual([1]);
    await audit.onApplicationShutdown();
  });

  it('redacts details when recording, before the event waits in memory', async () => {
    const store = new MemoryAuditStore();
    const audit = trail({ store });
    audit.record({ ...event(), details: { login: 'ann', password: 'hunter2', nested: { session: { cookie: 'sid=1', accessToken: 'x' } } } });
    await audit.flush();
    const [stored] = await store.readChain(0, 1);
    expect(stored?.details).toEqual({ login: 'ann', password: '[REDACTED]', nested: { session: { cookie: '[REDACTED]', accessToken: '[REDACTED]' } } });
    await audit.onApplicationShutdown();
  });

  it('throws ERR_AUDIT_EVENT at once for an event the program built wrong', async () => {
    const audit = trail({ store: new MemoryAuditStore() });
    expect(() => audit.record({ ...event(), outcome: 'ok' as never })).toThrow(expect.objectContaining({ code: 'ERR_AUDIT_EVENT' }));
    expect(audit.depth).toBe(0);
    await audit.onApplicationShutdown();
  });

  it('when the buffer is full, drops and counts new events without waiting, and warns at most once a minute', async () => {
    let now = Date.parse('2025-01-01T00:00:00Z');
    const store = new GatedStore();
    store.hold();
    const audit = trail({ store, batchSize: 5, maxBuffered: 10, clock: { now: () => now } });
    const writing = store.nextWrite();
    // The store never answers while this loop runs: record() must return anyway.
    const accepted = Array.from({ length: 25 }, (_, i) => audit.record(event(i)));
    expect(accepted.filter(Boolean)).toHaveLength(10);
    expect(accepted.slice(10).every((a) => a === false)).toBe(true);
    expect(audit.depth).toBe(10);
    expect(audit.dropped).toBe(15);
    const drops = () => warn.mock.calls.filter(([m]) => String(m).includes('audit buffer full'));
    expect(drops()).toHaveLength(1);
    expect(String(drops()[0]?.[0])).toContain('1 dropped since start');

    now += 59_000;
    audit.record(event());
    expect(drops()).toHaveLength(1);
    now += 1_000;
    audit.record(event());
    expect(drops()).toHaveLength(2);
    expect(String(drops()[1]?.[0])).toContain('17 dropped since start');

    await writing;
    store.open();
    await audit.flush();
    expect(audit.depth).toBe(0);
    expect(store.batches.reduce((a, b) => a + b, 0)).toBe(10);
    // Room again: accepted.
    expect(audit.record(event())).toBe(true);
    await audit.onApplicationShutdown();
    await expect(verifyAuditChain(store)).resolves.toMatchObject({ ok: true, count: 11 });
  });

  it('keeps the events of a failed write and retries them in the background', async () => {
    const store = new GatedStore();
    store.failNext = 1;
    const audit = trail({ store, batchSize: 3, flushIntervalMs: 1 });
    const firstTry = store.nextWrite();
    for (let i = 0; i < 3; i += 1) audit.record(event(i));
    await firstTry;
    const retry = store.nextWrite();
    await retry;
    await audit.flush();
    expect(store.batches).toEqual([3]);
    expect(audit.depth).toBe(0);
    expect(warn.mock.calls.some(([m]) => String(m).includes('writing audit events failed (database unavailable); 3 events stay buffered'))).toBe(true);
    await audit.onApplicationShutdown();
  });

  it('rejects flush() with the store error and keeps the events', async () => {
    const store = new GatedStore();
    store.failNext = 1;
    const audit = trail({ store });
    audit.record(event());
    await expect(audit.flush()).rejects.toThrow('database unavailable');
    expect(audit.depth).toBe(1);
    await audit.flush();
    expect(audit.depth).toBe(0);
    await audit.onApplicationShutdown();
  });

  it('drops a batch the store refuses as events (it would never be written) and counts it', async () => {
    const store = new GatedStore();
    jest.spyOn(store, 'appendBatch').mockRejectedValueOnce(new AuditError('ERR_AUDIT_EVENT', 'audit event "action" is wrong'));
    const audit = trail({ store, batchSize: 2 });
    audit.record(event(1));
    audit.record(event(2));
    await audit.flush();
    expect(audit.dropped).toBe(2);
    expect(error).toHaveBeenCalledWith(expect.stringContaining('refused 2 events'));
    await audit.onApplicationShutdown();
  });

  it('counts events recorded after shutdown as dropped', async () => {
    const audit = trail({ store: new MemoryAuditStore() });
    await audit.onApplicationShutdown();
    expect(audit.record(event())).toBe(false);
    expect(audit.dropped).toBe(1);
  });

  it('verifies with its own key', async () => {
    const store = new MemoryAuditStore();
    const audit = trail({ store, hmacKey: 'a'.repeat(32) });
    audit.record(event());
    await audit.flush();
    await expect(audit.verify()).resolves.toMatchObject({ ok: true, count: 1 });
    await expect(verifyAuditChain(store)).resolves.toEqual({ ok: false, seq: 1, problem: 'altered' });
    await audit.onApplicationShutdown();
  });
});

// A database module as an app has one: global, closing its connection in onModuleDestroy.
const DB = 'TEST_DB';

@Injectable()
class DbCloser implements OnModuleDestroy {
  constructor(@Inject(DB) private readonly db: PGlite) {}

  async onModuleDestroy(): Promise<void> {
    await this.db.close();
  }
}

describe('AuditModule', () => {
  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('writes every buffered event when the app closes', async () => {
    const db = await openAuditDatabase();
    const moduleRef = await Test.createTestingModule({
      imports: [
        AuditModule.forRoot({ store: new SqlAuditStore(pgliteSession(db)), flushIntervalMs: 60_000, batchSize: 1000, maxBuffered: 1000 }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication();
    await app.init();
    const audit = app.get(AuditTrail);
    for (let i = 0; i < 500; i += 1) audit.record(event(i));
    expect(await countRows(db)).toBe(0);
    await app.close();
    expect(await countRows(db)).toBe(500);
    await expect(verifyAuditChain(new SqlAuditStore(pgliteSession(db)))).resolves.toMatchObject({ ok: true, count: 500 });
    await db.close();
  });

  // Rows in the table at the moment the database module closes, with AuditModule registered after or before it.
  async function rowsWhenTheDatabaseCloses(auditFirst: boolean): Promise<number[]> {
    const db = await openAuditDatabase();
    // The fake connection counts instead of closing: PGlite in memory is gone once closed.
    const rows: number[] = [];
    const connection = { close: async () => rows.push(await countRows(db)) };

    @Global()
    @Module({ providers: [{ provide: DB, useValue: connection }, DbCloser], exports: [DB] })
    class DbModule {}

    const audit = AuditModule.forRootAsync({
      inject: [DB],
      useFactory: () => ({ store: new SqlAuditStore(pgliteSession(db)), flushIntervalMs: 60_000 }),
    });
    const moduleRef = await Test.createTestingModule({ imports: auditFirst ? [audit, DbModule] : [DbModule, audit] }).compile();
    const app = moduleRef.createNestApplication();
    await app.init();
    const trail = app.get(AuditTrail);
    for (let i = 0; i < 250; i += 1) trail.record(event(i));
    await app.close();
    await db.close();
    return rows;
  }

  it('writes the buffer before a database module registered before it closes its connection', async () => {
    expect(await rowsWhenTheDatabaseCloses(false)).toEqual([250]);
  });

  it('is too late when registered before the database module (why the README asks for the order)', async () => {
    expect(await rowsWhenTheDatabaseCloses(true)).toEqual([0]);
  });

  it('provides the store under its token, and validates options naming the option', async () => {
    const store = new MemoryAuditStore();
    const moduleRef = await Test.createTestingModule({ imports: [AuditModule.forRoot({ store })] }).compile();
    expect(moduleRef.get(AuditStore)).toBe(store);
    await moduleRef.close();
    await expect(
      Test.createTestingModule({ imports: [AuditModule.forRoot({ store, batchSize: 0 })] }).compile(),
    ).rejects.toThrow('audit option "batchSize" must be an integer from 1 to 1000');
  });
});
