import { type ExecutionContext, Logger, ServiceUnavailableException } from '@nestjs/common';
import type { AuditEventInput } from './audit-event.js';
import { AuditBackpressureGuard } from './audit-backpressure.guard.js';
import { AuditTrail } from './audit-trail.service.js';
import { validateAuditOptions } from './audit.options.js';
import { MemoryAuditStore } from './memory-audit.store.js';

/** A store that is down (every write fails, as with the database unreachable) until `up()`. */
class OutageStore extends MemoryAuditStore {
  down = true;

  override async appendBatch(...args: Parameters<MemoryAuditStore['appendBatch']>): Promise<void> {
    if (this.down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    return super.appendBatch(...args);
  }
}

function event(i: number): AuditEventInput {
  return { action: 'test.event', outcome: 'success', actorType: 'system', details: { i } };
}

function http(method: string): { context: ExecutionContext; headers: Record<string, string> } {
  const headers: Record<string, string> = {};
  const context = {
    getType: () => 'http',
    switchToHttp: () => ({ getRequest: () => ({ method }), getResponse: () => ({ header: (k: string, v: string) => (headers[k] = v) }) }),
  } as unknown as ExecutionContext;
  return { context, headers };
}

describe('AuditBackpressureGuard and the saturated trail', () => {
  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('refuses writes with 503 ERR_AUDIT_BACKLOG before an event is dropped, then writes the backlog in order on one chain', async () => {
    const store = new OutageStore();
    const trail = new AuditTrail(validateAuditOptions({ store, batchSize: 2, maxBuffered: 10, flushIntervalMs: 60_000 }));
    const guard = new AuditBackpressureGuard(trail);
    expect(validateAuditOptions({ store, batchSize: 2, maxBuffered: 10 }).refuseWritesAt).toBe(8);

    for (let i = 0; i < 7; i += 1) trail.record(event(i));
    expect(trail.saturated).toBe(false);
    expect(guard.canActivate(http('POST').context)).toBe(true);

    trail.record(event(7));
    expect(trail.saturated).toBe(true);
    expect(Logger.prototype.error).toHaveBeenCalledWith(expect.stringContaining('audit buffer saturated'));
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const { context, headers } = http(method);
      let refused: unknown;
      try {
        guard.canActivate(context);
      } catch (error) {
        refused = error;
      }
      expect(refused).toBeInstanceOf(ServiceUnavailableException);
      expect((refused as ServiceUnavailableException).getResponse()).toMatchObject({ code: 'ERR_AUDIT_BACKLOG' });
      expect(headers['Retry-After']).toBe('5');
    }
    expect(trail.refusedRequests).toBe(4);
    // Reads go on, and the headroom takes their events: nothing dropped.
    expect(guard.canActivate(http('GET').context)).toBe(true);
    trail.record(event(8));
    trail.record(event(9));
    expect(trail.dropped).toBe(0);
    await expect(trail.flush()).rejects.toThrow('ECONNREFUSED');
    expect(trail.depth).toBe(10);

    store.down = false;
    await trail.flush();
    expect(trail.depth).toBe(0);
    expect(trail.saturated).toBe(false);
    expect(guard.canActivate(http('POST').context)).toBe(true);
    const chain = await store.readChain(0, 100);
    expect(chain.map((r) => r.details.i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await trail.verify()).toMatchObject({ ok: true });
    await trail.onApplicationShutdown();
  });

  it('refuseWritesAt is checked: from 1 to maxBuffered', () => {
    const store = new MemoryAuditStore();
    expect(() => validateAuditOptions({ store, maxBuffered: 100, refuseWritesAt: 101 })).toThrow('audit option "refuseWritesAt" must be an integer from 1 to 100');
    expect(() => validateAuditOptions({ store, refuseWritesAt: 0 })).toThrow('"refuseWritesAt"');
  });
});
