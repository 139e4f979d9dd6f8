import { DETAILS_LIMITS, REDACTED, TRUNCATED, redactDetails } from './redact.js';

describe('redactDetails', () => {
  it('redacts secret-looking keys at every depth, whatever the value', () => {
    const out = redactDetails({
      user: 'ann',
      password: 'hunter2',
      form: { newPassword: 'x', confirm_passwd: 'x', username: 'kept', nested: { api_key: 'k', apiKey: 'k', 'X-Api-Key': 'k' } },
      headers: { Authorization: 'Basic YWxhZGRpbjpvcGVuc2VzYW1l', Cookie: 'sid=1', 'user-agent': 'curl' },
      list: [{ refresh_token: 'r' }, { client_secret: { any: 'object' } }, { privateKey: ['a'] }, { credentials: 1 }],
    });
    expect(out).toEqual({
      user: 'ann',
      password: REDACTED,
      form: { newPassword: REDACTED, confirm_passwd: REDACTED, username: 'kept', nested: { api_key: REDACTED, apiKey: REDACTED, 'X-Api-Key': REDACTED } },
      headers: { Authorization: REDACTED, Cookie: REDACTED, 'user-agent': 'curl' },
      list: [{ refresh_token: REDACTED }, { client_secret: REDACTED }, { privateKey: REDACTED }, { credentials: REDACTED }],
    });
  });

  it('redacts bearer and basic credentials and JWTs under any key', () => {
    const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';
    expect(redactDetails({ note: `Bearer ${jwt}`, raw: jwt, b: 'basic Zm9vOmJhcg==', fine: 'bearer of news' })).toEqual({
      note: REDACTED,
      raw: REDACTED,
      b: REDACTED,
      fine: REDACTED,
    });
    expect(redactDetails({ text: 'no secret here' })).toEqual({ text: 'no secret here' });
  });

  it('cuts strings at 512 characters with a marker', () => {
    const out = redactDetails({ s: 'a'.repeat(2000), ok: 'b'.repeat(512) });
    expect(out.s).toHaveLength(DETAILS_LIMITS.maxStringLength);
    expect(String(out.s).endsWith('…[TRUNCATED]')).toBe(true);
    expect(out.ok).toBe('b'.repeat(512));
  });

  it('replaces containers nested deeper than 5 levels', () => {
    const out = redactDetails({ a: { b: { c: { d: { e: { f: 1 } }, dd: [[1]] } } } });
    expect(out).toEqual({ a: { b: { c: { d: { e: TRUNCATED }, dd: [TRUNCATED] } } } });
  });

  it('keeps about 4 kB of JSON and says it truncated', () => {
    const big = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, 'v'.repeat(50)]));
    const out = redactDetails({ first: 1, big, after: 2 });
    expect(JSON.stringify(out).length).toBeLessThanOrEqual(DETAILS_LIMITS.maxJsonLength);
    expect(out._truncated).toBe(true);
    expect(out.first).toBe(1);
    expect(out).not.toHaveProperty('after');
  });

  it('stops early on a huge array and a cycle', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const out = redactDetails({ items: new Array(1_000_000).fill(0), cyclic });
    expect(JSON.stringify(out).length).toBeLessThanOrEqual(DETAILS_LIMITS.maxJsonLength);
    expect(out._truncated).toBe(true);
    expect(redactDetails({ cyclic })).toEqual({ cyclic: { name: 'loop', self: { name: 'loop', self: { name: 'loop', self: { name: 'loop', self: TRUNCATED } } } } });
  });

  it('returns plain JSON that PostgreSQL stores as it is', () => {
    const out = redactDetails({
      nan: NaN,
      inf: -Infinity,
      negZero: -0,
      big: 10n ** 30n,
      when: new Date('2025-01-31T09:15:00.123Z'),
      bad: new Date(NaN),
      bytes: Buffer.from('secret'),
      error: new TypeError('boom'),
      fn: () => 1,
      undef: undefined,
      arr: [undefined, () => 1, Symbol('s')],
      'nul\u0000key': 'a\u0000b',
      lone: 'x\uD800y',
      pair: '😀',
    });
    expect(out).toEqual({
      nan: null,
      inf: null,
      negZero: 0,
      big: '1000000000000000000000000000000',
      when: '2025-01-31T09:15:00.123Z',
      bad: null,
      bytes: '[BINARY]',
      error: { name: 'TypeError', message: 'boom' },
      arr: [null, null, null],
      nulkey: 'ab',
      lone: 'x\uFFFDy',
      pair: '😀',
    });
    expect(Object.is(out.negZero, 0)).toBe(true);
  });

  it('keeps a "__proto__" key as data, never as the prototype', () => {
    const out = redactDetails(JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('wraps anything but a plain object under "value" and never throws', () => {
    expect(redactDetails(undefined)).toEqual({});
    expect(redactDetails(['a'] as never)).toEqual({ value: ['a'] });
    const hostile = {
      get boom(): string {
        throw new Error('getter');
      },
    };
    expect(redactDetails(hostile)).toEqual({ _unreadable: true });
  });

  it('is idempotent: a second pass changes nothing (stores may normalize again)', () => {
    const inputs: Record<string, unknown>[] = [
      { token: 'x', nested: { a: { b: { c: { d: { e: 1 } } } } }, s: 'z'.repeat(900) },
      Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`key${i}`, { v: 'x'.repeat(i % 40), n: [i, i] }])),
      { arr: Array.from({ length: 3000 }, (_, i) => i) },
    ];
    for (const input of inputs) {
      const once = redactDetails(input);
      expect(redactDetails(once)).toEqual(once);
    }
  });
});
