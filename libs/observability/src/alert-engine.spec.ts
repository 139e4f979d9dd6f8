import { Logger } from '@nestjs/common';
import { AlertEngine } from './alert-engine.js';
import type { Alert, AlertRule, AlertSink } from './alert.types.js';
import type { Clock } from './clock.js';
import { ObservabilityError } from './errors.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

class FakeClock implements Clock {
  constructor(public ms = T0) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

class MemorySink implements AlertSink {
  readonly alerts: Alert[] = [];
  send(alert: Alert): void {
    this.alerts.push(alert);
  }
}

const bruteForce: AlertRule = { name: 'login-bruteforce', event: 'auth.login_failed', threshold: 10, windowMs: 5 * MINUTE };
const denials: AlertRule = {
  name: 'authz-denials',
  event: 'authz.denied',
  threshold: 50,
  windowMs: MINUTE,
  key: (e) => (typeof e.details?.principal === 'string' ? e.details.principal : undefined),
};
const reuse: AlertRule = { name: 'refresh-token-reuse', event: 'auth.refresh_token_reused', threshold: 1, windowMs: 10 * MINUTE };

function setup(rules: AlertRule[] = [bruteForce, denials, reuse], extra: { maxKeysPerRule?: number; sinks?: AlertSink[] } = {}) {
  const clock = new FakeClock();
  const sink = new MemorySink();
  const engine = new AlertEngine({ rules, sinks: extra.sinks ?? [sink], clock, ...extra });
  return { clock, sink, engine };
}

describe('AlertEngine', () => {
  let errors: jest.SpyInstance;
  beforeEach(() => {
    errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => errors.mockRestore());

  it('fires at exactly the threshold (10 failed logins for one account in 5 min), with the window it saw', () => {
    const { clock, sink, engine } = setup();
    for (let i = 0; i < 9; i++) {
      engine.observe({ type: 'auth.login_failed', key: 'alice@example.com', details: { ip: '203.0.113.9' } });
      clock.advance(20_000);
    }
    expect(sink.alerts).toHaveLength(0);
    engine.observe({ type: 'auth.login_failed', key: 'alice@example.com', details: { ip: '203.0.113.9' } });
    expect(sink.alerts).toEqual([
      {
        alert: 'login-bruteforce',
        key: 'alice@example.com',
        count: 10,
        windowMs: 5 * MINUTE,
        firstAt: new Date(T0).toISOString(),
        lastAt: new Date(T0 + 9 * 20_000).toISOString(),
        details: { ip: '203.0.113.9' },
      },
    ]);
  });

  it('fires once per window for a key, then again if the events go on after the window', () => {
    const { clock, sink, engine } = setup();
    const fail = () => engine.observe({ type: 'auth.login_failed', key: 'bob' });
    for (let i = 0; i < 10; i++) fail();
    expect(sink.alerts).toHaveLength(1);
    // 40 more within the same window: quiet.
    for (let i = 0; i < 40; i++) {
      clock.advance(5_000);
      fail();
    }
    expect(sink.alerts).toHaveLength(1);
    // 5 min after firing, the attack still going: one new alert.
    clock.advance(5 * MINUTE - 40 * 5_000);
    fail();
    expect(sink.alerts).toHaveLength(2);
    expect(sink.alerts[1]).toMatchObject({ key: 'bob', count: 10 });
  });

  it('counts over a sliding window: 10 events spread over more than 5 min never fire', () => {
    const { clock, sink, engine } = setup();
    for (let i = 0; i < 30; i++) {
      engine.observe({ type: 'auth.login_failed', key: 'carol' });
      clock.advance(40_000);
    }
    expect(sink.alerts).toHaveLength(0);
  });

  it('counts keys apart, and by the rule’s key function (50 denials for one principal in 1 min)', () => {
    const { sink, engine } = setup();
    for (let i = 0; i < 9; i++) {
      engine.observe({ type: 'auth.login_failed', key: 'dave' });
      engine.observe({ type: 'auth.login_failed', key: 'erin' });
    }
    for (let i = 0; i < 49; i++) engine.observe({ type: 'authz.denied', details: { principal: 'user-1' } });
    for (let i = 0; i < 49; i++) engine.observe({ type: 'authz.denied', details: { principal: 'user-2' } });
    expect(sink.alerts).toHaveLength(0);
    engine.observe({ type: 'authz.denied', details: { principal: 'user-2' } });
    expect(sink.alerts.map((a) => [a.alert, a.key, a.count])).toEqual([['authz-denials', 'user-2', 50]]);
  });

  it('fires on the first refresh-token reuse (threshold 1), once per window per key; keyless events share "*"', () => {
    const { clock, sink, engine } = setup();
    engine.observe({ type: 'auth.refresh_token_reused', key: 'family-1' });
    engine.observe({ type: 'auth.refresh_token_reused', key: 'family-1' });
    engine.observe({ type: 'auth.refresh_token_reused', key: 'family-2' });
    engine.observe({ type: 'auth.refresh_token_reused' });
    expect(sink.alerts.map((a) => a.key)).toEqual(['family-1', 'family-2', '*']);
    clock.advance(10 * MINUTE);
    engine.observe({ type: 'auth.refresh_token_reused', key: 'family-1' });
    expect(sink.alerts.map((a) => a.key)).toEqual(['family-1', 'family-2', '*', 'family-1']);
  });

  it('drops a late event that falls outside the window', () => {
    const { clock, sink, engine } = setup([{ name: 'r', event: 'e', threshold: 2, windowMs: MINUTE }]);
    engine.observe({ type: 'e', key: 'k' });
    engine.observe({ type: 'e', key: 'k', at: clock.now() - 2 * MINUTE });
    expect(sink.alerts).toHaveLength(0);
    engine.observe({ type: 'e', key: 'k', at: clock.now() - 30_000 });
    expect(sink.alerts).toHaveLength(1);
  });

  it('keeps memory bounded: at most maxKeysPerRule keys, and idle keys are swept', () => {
    const { clock, engine } = setup([bruteForce], { maxKeysPerRule: 100 });
    for (let i = 0; i < 5000; i++) engine.observe({ type: 'auth.login_failed', key: `user-${i}` });
    expect(engine.trackedKeys('login-bruteforce')).toBe(100);
    clock.advance(5 * MINUTE);
    engine.sweep();
    expect(engine.trackedKeys('login-bruteforce')).toBe(0);
  });

  it('keeps a key that fired until its quiet period ends, so a sweep cannot make it fire twice', () => {
    const { clock, sink, engine } = setup([reuse]);
    engine.observe({ type: 'auth.refresh_token_reused', key: 'f' });
    clock.advance(MINUTE);
    engine.sweep();
    engine.observe({ type: 'auth.refresh_token_reused', key: 'f' });
    expect(sink.alerts).toHaveLength(1);
  });

  it('never throws from observe: malformed events, a failing key function and failing sinks are contained', async () => {
    const good = new MemorySink();
    const throwing: AlertSink = {
      send: () => {
        throw new Error('sink down');
      },
    };
    const rejecting: AlertSink = { send: () => Promise.reject(new Error('sink rejected')) };
    const { engine } = setup(
      [
        reuse,
        {
          name: 'bad-key',
          event: 'auth.refresh_token_reused',
          threshold: 1,
          windowMs: MINUTE,
          key: () => {
            throw new Error('bad key');
          },
        },
      ],
      { sinks: [throwing, rejecting, good] },
    );
    expect(() => engine.observe(null as never)).not.toThrow();
    expect(() => engine.observe({ type: 42 } as never)).not.toThrow();
    expect(() => engine.observe({ type: 'auth.refresh_token_reused', key: 'x' })).not.toThrow();
    await new Promise((resolve) => setImmediate(resolve));
    expect(good.alerts).toHaveLength(1);
    const logged = errors.mock.calls.map((c) => String(c[0]));
    expect(logged).toHaveLength(3);
    expect(logged).toEqual(
      expect.arrayContaining([expect.stringContaining('bad key'), expect.stringContaining('sink down'), expect.stringContaining('sink rejected')]),
    );
  });

  it('bounds a client-chosen key to 256 characters', () => {
    const { sink, engine } = setup([reuse]);
    engine.observe({ type: 'auth.refresh_token_reused', key: 'k'.repeat(10_000) });
    expect(sink.alerts[0]?.key).toHaveLength(256);
  });

  it('refuses bad rules, naming the field', () => {
    expect(() => new AlertEngine({ rules: [{ ...bruteForce, windowMs: 1.5 }] })).toThrow('observability option "rules[0].windowMs"');
    expect(() => new AlertEngine({ rules: [bruteForce], sinks: [{} as AlertSink] })).toThrow('observability option "sinks[0]"');
    expect(() => new AlertEngine({ rules: [{ ...bruteForce, threshold: 1001 }] })).toThrow(ObservabilityError);
  });

  it('stops counting and closes its sinks at close()', async () => {
    const close = jest.fn();
    const sink = new MemorySink();
    const { engine } = setup([reuse], { sinks: [Object.assign(sink, { close })] });
    await engine.onModuleDestroy();
    engine.observe({ type: 'auth.refresh_token_reused', key: 'late' });
    expect(close).toHaveBeenCalledTimes(1);
    expect(sink.alerts).toHaveLength(0);
  });
});
