import { GENESIS_HASH, auditHashMatches, canonicalAuditEncoding, canonicalJson, chainAuditEvents, createAuditHasher } from './audit-chain.js';
import { normalizeAuditEvent, type AuditEventInput } from './audit-event.js';
import { AuditError } from './errors.js';

const event: AuditEventInput = {
  action: 'auth.login',
  outcome: 'failure',
  actorType: 'user',
  actorId: 'u1',
  occurredAt: new Date('2025-01-31T09:15:00.123Z'),
};

function codeAndMessage(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (error instanceof AuditError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('did not throw');
}

describe('canonical encoding', () => {
  it('sorts keys at every level and has no whitespace', () => {
    expect(canonicalJson({ b: 1, a: [{ z: null, y: 'é' }], c: { '10': true, '9': false } })).toBe(
      '{"a":[{"y":"é","z":null}],"b":1,"c":{"10":true,"9":false}}',
    );
  });

  it('covers every column but hash, under the column names', () => {
    const [record] = chainAuditEvents(null, [event]);
    expect(record).toBeDefined();
    const { hash: _hash, ...rest } = record!;
    expect(canonicalAuditEncoding(rest)).toBe(
      '{"action":"auth.login","actor_id":"u1","actor_type":"user","client_address":null,"details":{},' +
        `"occurred_at":"2025-01-31T09:15:00.123Z","outcome":"failure","prev_hash":"${GENESIS_HASH}","request_id":null,` +
        '"seq":1,"target_id":null,"target_type":null,"tenant_id":null,"user_agent":null}',
    );
  });
});

describe('chainAuditEvents', () => {
  it('numbers events from the head and links each to the one before', () => {
    const first = chainAuditEvents(null, [event, event]);
    const next = chainAuditEvents({ seq: 2, hash: first[1]!.hash }, [event]);
    expect(first.map((r) => r.seq)).toEqual([1, 2]);
    expect(first[0]!.prevHash).toBe(GENESIS_HASH);
    expect(first[1]!.prevHash).toBe(first[0]!.hash);
    expect(next[0]).toMatchObject({ seq: 3, prevHash: first[1]!.hash });
    expect(first[0]!.hash).not.toBe(first[1]!.hash);
  });

  it('hashes with HMAC-SHA-256 when a key is given, and a hash only matches with the same key', () => {
    const key = 'k'.repeat(32);
    const [withKey] = chainAuditEvents(null, [event], createAuditHasher(key));
    const [without] = chainAuditEvents(null, [event]);
    expect(withKey!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(withKey!.hash).not.toBe(without!.hash);
    expect(auditHashMatches(withKey!, createAuditHasher(key))).toBe(true);
    expect(auditHashMatches(withKey!, createAuditHasher('x'.repeat(32)))).toBe(false);
    expect(auditHashMatches(withKey!, createAuditHasher())).toBe(false);
    expect(auditHashMatches({ ...withKey!, hash: 'not hex' }, createAuditHasher(key))).toBe(false);
  });

  it('refuses a short HMAC key, naming the option', () => {
    expect(codeAndMessage(() => createAuditHasher('short'))).toEqual({
      code: 'ERR_AUDIT_OPTIONS',
      message: 'audit option "hmacKey" must be at least 32 bytes',
    });
    expect(createAuditHasher(new Uint8Array(32)).algorithm).toBe('hmac-sha256');
  });
});

describe('normalizeAuditEvent', () => {
  it('fills defaults, lower-cases the tenant and cuts client-supplied text to its column', () => {
    const out = normalizeAuditEvent(
      {
        action: 'doc.read',
        outcome: 'denied',
        actorType: 'api-key',
        tenantId: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
        targetId: 't'.repeat(100),
        userAgent: 'u'.repeat(1000),
        requestId: 'r\u0000id',
        details: { password: 'p' },
      },
      () => Date.parse('2025-01-01T00:00:00.000Z'),
    );
    expect(out).toMatchObject({
      tenantId: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      targetId: 't'.repeat(64),
      requestId: 'rid',
      actorId: null,
      clientAddress: null,
      details: { password: '[REDACTED]' },
    });
    expect(out.userAgent).toHaveLength(512);
    expect(out.occurredAt.toISOString()).toBe('2025-01-01T00:00:00.000Z');
  });

  it('is idempotent', () => {
    const once = normalizeAuditEvent({ ...event, userAgent: 'x'.repeat(600) + '\uD83D', details: { s: 'y'.repeat(700) } });
    expect(normalizeAuditEvent(once)).toEqual(once);
  });

  it.each([
    [{ action: '' }, 'action'],
    [{ action: 'has space' }, 'action'],
    [{ action: 'a'.repeat(65) }, 'action'],
    [{ outcome: 'ok' }, 'outcome'],
    [{ actorType: undefined }, 'actorType'],
    [{ targetType: 'x y' }, 'targetType'],
    [{ tenantId: 'not-a-uuid' }, 'tenantId'],
    [{ tenantId: '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}' }, 'tenantId'],
    [{ occurredAt: new Date(NaN) }, 'occurredAt'],
    [{ occurredAt: new Date('1969-12-31T23:59:59Z') }, 'occurredAt'],
    [{ actorId: 42 }, 'actorId'],
    [{ details: 'text' }, 'details'],
  ])('refuses %j with ERR_AUDIT_EVENT naming "%s"', (change, field) => {
    const { code, message } = codeAndMessage(() => normalizeAuditEvent({ ...event, ...change } as AuditEventInput));
    expect(code).toBe('ERR_AUDIT_EVENT');
    expect(message).toContain(`audit event "${field}"`);
  });
});
