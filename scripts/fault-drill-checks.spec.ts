import { judge, judgeDrill, LIMITS, maxRefusalMs, statusesSeen, validRetryAfter, type DrillWindow } from './fault-drill-checks';
import type { Outcome } from './fault-drill-traffic';

// The drill's assertions, shown to fail on what they must catch: a drill
// whose checks cannot fail would pass on a broken API.

const T0 = 1_000_000;
const window: DrillWindow = {
  name: 'PostgreSQL killed',
  from: T0,
  to: T0 + 20_000,
  outage: { dependency: 'PostgreSQL', from: T0 + 1_000, back: T0 + 6_000 },
  expectRefusals: true,
  recoveredAt: T0 + 6_500,
};

function outcome(over: Partial<Outcome>): Outcome {
  return { op: 'doc-read', instance: 'A', method: 'GET', path: '/v1/documents/0b6c3c8e-0000-4000-8000-000000000001', start: T0 + 2_000, end: T0 + 2_050, status: 200, ...over };
}

const refusal = (over: Partial<Outcome> = {}) =>
  outcome({ status: 503, contentType: 'application/problem+json; charset=utf-8', retryAfter: '5', code: 'ERR_DATABASE_UNAVAILABLE', ...over });

describe('fault drill checks', () => {
  it('accepts a bounded 503 problem with Retry-After during the outage, and the expected status otherwise', () => {
    expect(judge(refusal(), window)).toBeUndefined();
    expect(judge(outcome({}), window)).toBeUndefined();
    expect(judge(outcome({ op: 'doc-write', method: 'POST', path: '/v1/documents', status: 201 }), window)).toBeUndefined();
    expect(judge(outcome({ op: 'revoked', path: '/v1/users/me', status: 401 }), window)).toBeUndefined();
    expect(judge(refusal({ op: 'revoked', path: '/v1/users/me' }), window)).toBeUndefined();
  });

  it('names a 500, a hang and a dropped connection', () => {
    expect(judge(outcome({ status: 500, code: 'Internal Server Error' }), window)).toBe('GET /v1/documents/:id (doc-read): 500 Internal Server Error');
    expect(judge(outcome({ status: undefined, error: 'TIMEOUT' }), window)).toMatch(/no answer within 10 s/);
    expect(judge(outcome({ status: undefined, error: 'ECONNRESET' }), window)).toMatch(/connection dropped \(ECONNRESET\) while the API was up/);
  });

  it('refuses a 503 that is not a problem, has no Retry-After, is slow, or comes outside the outage', () => {
    expect(judge(refusal({ contentType: 'application/json' }), window)).toMatch(/not application\/problem\+json/);
    expect(judge(refusal({ retryAfter: undefined }), window)).toMatch(/without a valid Retry-After \(none\)/);
    expect(judge(refusal({ retryAfter: 'soon' }), window)).toMatch(/without a valid Retry-After \(soon\)/);
    expect(judge(refusal({ end: T0 + 2_000 + LIMITS.refusalMs + 1 }), window)).toMatch(/503 took more than 5000 ms/);
    expect(judge(refusal({ start: T0 + 7_000, end: T0 + 7_010 }), window)).toMatch(/503 \(ERR_DATABASE_UNAVAILABLE\) after recovery/);
    expect(judge(refusal(), { name: 'baseline', from: T0, to: T0 + 3_000 })).toMatch(/with no dependency down/);
    expect(judge(refusal({ op: 'live', path: '/health/live' }), window)).toMatch(/liveness answered 503/);
  });

  it('an answer that waited out the limit while the dependency was down is a finding, whatever its status', () => {
    expect(judge(outcome({ end: T0 + 2_000 + LIMITS.refusalMs + 1 }), window)).toBe(
      'GET /v1/documents/:id (doc-read): answered 200 only after more than 5000 ms while PostgreSQL was down (a wait, not a bounded 503)',
    );
    expect(judge(outcome({ start: T0 + 8_000, end: T0 + 8_000 + LIMITS.refusalMs + 1 }), window)).toBeUndefined();
  });

  it('a revoked token accepted is a finding at any time, naming which tokens came back', () => {
    const accepted = outcome({ op: 'revoked', path: '/v1/users/me', status: 200, note: 'before the drills' });
    expect(judge(accepted, window)).toMatch(/a token revoked by logout was accepted \(200\)/);
    const findings = judgeDrill(window, [accepted, { ...accepted, note: 'before "Redis FLUSHALL"' }, { ...accepted, status: 401 }]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ count: 2, message: expect.stringContaining('tokens signed out before the drills, before "Redis FLUSHALL"') });
  });

  it('shows one example per revived token, the one signed out just before the drill first', () => {
    const accepted = (note: string) => outcome({ op: 'revoked', path: '/v1/users/me', status: 200, note });
    const notes = ['before the drills', 'before "X"', 'before the drills', 'before "Y"', `before "${window.name}"`];
    const [finding] = judgeDrill(window, notes.map(accepted));
    expect(finding!.examples.map((e) => e.note)).toEqual([`before "${window.name}"`, 'before "X"', 'before "Y"']);
  });

  it('an unexpected status is named with what was expected', () => {
    expect(judge(outcome({ op: 'me', path: '/v1/users/me', status: 401, code: 'ERR_AUTH_TOKEN_REVOKED' }), window)).toBe(
      'GET /v1/users/me (me): 401 ERR_AUTH_TOKEN_REVOKED, expected 200',
    );
  });

  it('an outage nobody saw, and a recovery too slow or missing, are findings', () => {
    expect(judgeDrill(window, [outcome({})]).map((f) => f.message)).toEqual([
      'the PostgreSQL outage was not observed: no request was refused between the kill and the restart',
    ]);
    expect(judgeDrill({ ...window, recoveredAt: undefined }, [refusal()]).map((f) => f.message)).toEqual([
      'not recovered within 10 s of PostgreSQL answering again (every route on every instance, no API restart)',
    ]);
    expect(judgeDrill({ ...window, recoveredAt: window.outage!.back + LIMITS.recoveryMs + 1 }, [refusal()])).toHaveLength(1);
    expect(judgeDrill(window, [refusal(), outcome({})])).toEqual([]);
  });

  it('counts identical problems once, with at most three examples', () => {
    const many = Array.from({ length: 5 }, (_, i) => outcome({ status: 500, code: 'Internal Server Error', start: T0 + 2_000 + i }));
    const [finding] = judgeDrill(window, many);
    expect(finding).toMatchObject({ count: 5, drill: 'PostgreSQL killed' });
    expect(finding!.examples).toHaveLength(3);
  });

  it('reads Retry-After as delay-seconds or an HTTP-date (RFC 9110 §10.2.3)', () => {
    expect(validRetryAfter('5')).toBe(true);
    expect(validRetryAfter('Fri, 04 Dec 2026 15:00:00 GMT')).toBe(true);
    expect(validRetryAfter('-1')).toBe(false);
    expect(validRetryAfter('')).toBe(false);
  });

  it('summarises statuses and the slowest refusal', () => {
    const seen = [outcome({}), outcome({}), refusal({ end: T0 + 2_300 }), outcome({ status: undefined, error: 'ECONNRESET' })];
    expect(statusesSeen(seen)).toBe('200×2 503×1 ECONNRESET×1');
    expect(maxRefusalMs(seen)).toBe(300);
  });
});
