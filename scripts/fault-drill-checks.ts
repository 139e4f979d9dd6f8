import type { Outcome } from './fault-drill-traffic';

// The assertions of `npm run test:faults` (scripts/fault-drill.ts), as pure
// functions over recorded outcomes so that their own spec can show each one
// fails when it should (fault-drill-checks.spec.ts).

/** The bounds the drill asserts. */
export const LIMITS = {
  /** A refusal (503) must come within this long: a dependency outage is never a hang (RFC 9110 §15.6.4). */
  refusalMs: 5_000,
  /** After a dependency answers again, every route works within this long, without an API restart. */
  recoveryMs: 10_000,
  /** An API instance stopped with SIGTERM exits within this long (a drain delay before closing fits in it). */
  shutdownMs: 20_000,
} as const;

/** What each kind of request answers when all is well. */
export const EXPECTED_STATUS: Readonly<Record<string, number>> = {
  me: 200,
  'doc-read': 200,
  'doc-write': 201,
  live: 200,
  login: 200,
  // A token signed out before the drills: refused, whatever Redis went through.
  revoked: 401,
};

/** One drill's time window; outcomes are assigned to the drill during which they started. */
export interface DrillWindow {
  name: string;
  from: number;
  to: number;
  /** A dependency outage: when it was killed (or flushed) and when it answered again. */
  outage?: { dependency: string; from: number; back: number };
  /** The outage must be visible to clients (a killed dependency); false for a flush, which should go unnoticed. */
  expectRefusals?: boolean;
  /** Start of the first probe round after `outage.back` in which every route worked on every instance. */
  recoveredAt?: number;
}

/** A broken assertion, with the requests that show it. */
export interface Finding {
  drill: string;
  message: string;
  count: number;
  examples: Outcome[];
}

const isProblem = (contentType: string | undefined) => /^application\/problem\+json\b/i.test(contentType ?? '');

/** RFC 9110 §10.2.3: delay-seconds or an HTTP-date. */
export function validRetryAfter(value: string | undefined): boolean {
  if (value === undefined) return false;
  if (/^\d{1,9}$/.test(value.trim())) return true;
  return /GMT$/.test(value) && Number.isFinite(Date.parse(value));
}

/** Whether a 503 that started at `o.start` falls in the drill's refusal window: from the kill until recovery. */
function inRefusalWindow(o: Outcome, w: DrillWindow): boolean {
  if (!w.outage) return false;
  const until = w.recoveredAt ?? w.to;
  return o.end >= w.outage.from && o.start < until;
}

/**
 * What is wrong with one answer from an instance that was up, or undefined.
 * The message names the rule; identical messages are counted together.
 */
export function judge(o: Outcome, w: DrillWindow): string | undefined {
  const what = `${o.method} ${o.path.replace(/[0-9a-f-]{36}/, ':id')} (${o.op})`;
  if (o.error === 'TIMEOUT') return `${what}: no answer within 10 s (a hang)`;
  if (o.error) return `${what}: connection dropped (${o.error}) while the API was up`;
  const status = o.status as number;
  if (o.op === 'revoked' && status >= 200 && status < 300) return `${what}: a token revoked by logout was accepted (${status})`;
  // A dependency that hangs must end in a bounded 503, not a wait: any answer slower than the limit while it is down.
  if (status !== 503 && inRefusalWindow(o, w) && o.end - o.start > LIMITS.refusalMs) {
    return `${what}: answered ${status} only after more than ${LIMITS.refusalMs} ms while ${w.outage?.dependency} was down (a wait, not a bounded 503)`;
  }
  if (status === 503) {
    if (o.op === 'live') return `${what}: liveness answered 503 (${o.code}); only readiness may follow dependencies`;
    if (!inRefusalWindow(o, w)) {
      return w.outage
        ? `${what}: 503 (${o.code}) after recovery`
        : `${what}: 503 (${o.code}) with no dependency down`;
    }
    if (!isProblem(o.contentType)) return `${what}: 503 is not application/problem+json (content-type ${o.contentType ?? 'none'})`;
    if (!validRetryAfter(o.retryAfter)) return `${what}: 503 without a valid Retry-After (${o.retryAfter ?? 'none'})`;
    if (o.end - o.start > LIMITS.refusalMs) return `${what}: 503 took more than ${LIMITS.refusalMs} ms`;
    return undefined;
  }
  if (status >= 500) return `${what}: ${status} ${o.code ?? ''}`.trimEnd();
  const expected = EXPECTED_STATUS[o.op];
  if (expected !== undefined && status !== expected) return `${what}: ${status} ${o.code ?? ''}, expected ${expected}`.replace(/ ,/, ',');
  return undefined;
}

/** Problems of one drill, counted by message, with up to three example requests each. */
export function groupFindings(drill: string, problems: [message: string, example?: Outcome][]): Finding[] {
  const byMessage = new Map<string, Finding>();
  for (const [message, o] of problems) {
    const f = byMessage.get(message) ?? { drill, message, count: 0, examples: [] };
    f.count += 1;
    if (o && f.examples.length < 3) f.examples.push(o);
    else if (o?.note && !f.examples.some((e) => e.note === o.note)) {
      // Revoked tokens: one example per token rather than three of the first one, and the token
      // signed out just before this drill first (the others may have come back in an earlier one).
      const own = o.note.includes(`"${drill}"`);
      const i = own ? 0 : f.examples.findIndex((e, k) => f.examples.findIndex((x) => x.note === e.note) !== k);
      if (i >= 0) f.examples[i] = o;
    }
    byMessage.set(message, f);
  }
  return [...byMessage.values()];
}

/** The findings of one drill over its outcomes (those sent to an instance that was down are left out by the caller). */
export function judgeDrill(w: DrillWindow, outcomes: Outcome[]): Finding[] {
  const problems: [string, Outcome?][] = [];
  // Which revoked tokens came back to life, named once per message rather than once per request.
  const revived = new Map<string, Set<string>>();
  for (const o of outcomes) {
    const problem = judge(o, w);
    if (!problem) continue;
    if (o.op === 'revoked' && o.note) revived.set(problem, (revived.get(problem) ?? new Set()).add(o.note));
    problems.push([problem, o]);
  }
  for (const p of problems) {
    const notes = revived.get(p[0]);
    if (notes) p[0] = `${p[0]}; tokens signed out ${[...notes].join(', ')}`;
  }
  if (w.outage && w.expectRefusals) {
    const { from, back } = w.outage;
    const seen = outcomes.some((o) => o.end >= from && o.start <= back && (o.status === 503 || judge(o, w) !== undefined));
    if (!seen) problems.push([`the ${w.outage.dependency} outage was not observed: no request was refused between the kill and the restart`]);
  }
  if (w.outage) {
    const took = w.recoveredAt === undefined ? undefined : w.recoveredAt - w.outage.back;
    if (took === undefined || took > LIMITS.recoveryMs) {
      problems.push([`not recovered within ${LIMITS.recoveryMs / 1000} s of ${w.outage.dependency} answering again (every route on every instance, no API restart)`]);
    }
  }
  return groupFindings(w.name, problems);
}

/** `200×812 201×120 503×40 ECONNRESET×2`, most frequent first. */
export function statusesSeen(outcomes: Outcome[]): string {
  const counts = new Map<string, number>();
  for (const o of outcomes) {
    const key = o.error ?? String(o.status);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => `${k}×${n}`)
    .join(' ');
}

/** The slowest 503 or 5xx, in ms (0 when there was none). */
export function maxRefusalMs(outcomes: Outcome[]): number {
  return outcomes.reduce((max, o) => ((o.status ?? 0) >= 500 ? Math.max(max, o.end - o.start) : max), 0);
}
