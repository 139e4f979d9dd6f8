import { MemoryAuditStore } from './memory-audit.store.js';
import { validateAuditOptions, type AuditModuleOptions } from './audit.options.js';

const store = new MemoryAuditStore();

describe('validateAuditOptions', () => {
  it('fills in the defaults and keeps a hasher, not the key', () => {
    const resolved = validateAuditOptions({ store, hmacKey: 'k'.repeat(32) });
    expect(resolved).toMatchObject({ store, flushIntervalMs: 200, batchSize: 100, maxBuffered: 10_000 });
    expect(resolved.hasher.algorithm).toBe('hmac-sha256');
    expect(JSON.stringify(resolved)).not.toContain('kkkk');
    expect(validateAuditOptions({ store }).hasher.algorithm).toBe('sha256');
  });

  it.each<[Partial<AuditModuleOptions> & Record<string, unknown>, string]>([
    [{ store: undefined }, 'audit option "store" must implement AuditStore (appendBatch and readChain)'],
    [{ store: { appendBatch: async () => undefined } as never }, 'audit option "store" must implement AuditStore (appendBatch and readChain)'],
    [{ hmackey: 'x' }, 'audit option "hmackey" is not a known option'],
    [{ hmacKey: 'short' }, 'audit option "hmacKey" must be at least 32 bytes'],
    [{ hmacKey: 42 as never }, 'audit option "hmacKey" must be a string or a Uint8Array'],
    [{ flushIntervalMs: 0 }, 'audit option "flushIntervalMs" must be an integer from 1 to 60000'],
    [{ flushIntervalMs: 2.5 }, 'audit option "flushIntervalMs" must be an integer from 1 to 60000'],
    [{ batchSize: 1001 }, 'audit option "batchSize" must be an integer from 1 to 1000'],
    [{ batchSize: 50, maxBuffered: 49 }, 'audit option "maxBuffered" must be an integer from 50 to 1000000'],
    [{ clock: {} as never }, 'audit option "clock" must have a now() method'],
  ])('refuses %j: %s', (change, message) => {
    expect(() => validateAuditOptions({ store, ...change } as AuditModuleOptions)).toThrow(
      expect.objectContaining({ code: 'ERR_AUDIT_OPTIONS', message }),
    );
  });
});
