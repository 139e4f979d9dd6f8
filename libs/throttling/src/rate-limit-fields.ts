// The RateLimit-Policy and RateLimit fields of draft-ietf-httpapi-ratelimit-headers-11
// (23 May 2026, https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/):
// each is a Structured Fields List (RFC 9651) of String items named after the policy.
//   RateLimit-Policy: "api";q=300;w=60   q = quota, w = window in seconds (non-zero, §3.1.3)
//   RateLimit: "api";r=42;t=17           r = available quota, t = effective window in seconds (§4.1)
// The older drafts' RateLimit-Limit / -Remaining / -Reset and throttler's X-RateLimit-* are not sent.

/** The per-response lists, one item per throttler, keyed by throttler name. */
export interface RateLimitFields {
  policies: Map<string, string>;
  limits: Map<string, string>;
}

const quoted = new Map<string, string>();

// Throttler names are few and fixed: each is quoted once.
function sfString(value: string): string {
  let result = quoted.get(value);
  if (result === undefined) {
    result = `"${value.replace(/[\\"]/g, '\\$&')}"`;
    if (quoted.size < 1_000) quoted.set(value, result);
  }
  return result;
}

/** Seconds for `w`: at least 1, since the draft has no sub-second windows. */
export function windowSeconds(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs / 1000));
}

/** One `RateLimit-Policy` item: `"api";q=300;w=60`. */
export function policyItem(name: string, limit: number, ttlMs: number): string {
  return `${sfString(name)};q=${limit};w=${windowSeconds(ttlMs)}`;
}

/** One `RateLimit` item: `"api";r=42;t=17` (both clamped to non-negative integers). */
export function limitItem(name: string, remaining: number, resetSeconds: number): string {
  return `${sfString(name)};r=${Math.max(0, Math.floor(remaining))};t=${Math.max(0, Math.ceil(resetSeconds))}`;
}

/** The field value: the items in insertion order, as an sf-list. */
export function serialize(items: Map<string, string>): string {
  return [...items.values()].join(', ');
}
