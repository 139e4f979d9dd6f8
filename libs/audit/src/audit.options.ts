import { createAuditHasher, type AuditHasher } from './audit-chain.js';
import type { AuditStore } from './audit-store.js';
import { optionsError } from './errors.js';

/** A time source, injectable so that tests need not sleep. */
export interface AuditClock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** Options of `AuditModule`. */
export interface AuditModuleOptions {
  /** Where events are chained and kept: `SqlAuditStore` in production, `MemoryAuditStore` in tests. */
  store: AuditStore;
  /**
   * Turns the chain's SHA-256 into HMAC-SHA-256 so that someone who can write the table cannot forge valid hashes.
   * At least 32 bytes (a string counts its UTF-8 bytes); keep it out of the database. Default: none.
   */
  hmacKey?: string | Uint8Array;
  /** Longest time an event waits in the buffer before a write, in ms. 1 to 60000; default 200. */
  flushIntervalMs?: number;
  /** Events per write; a full batch is written at once. 1 to 1000; default 100. */
  batchSize?: number;
  /** Events the buffer holds; past it new events are dropped and counted. From `batchSize` to 1000000; default 10000. */
  maxBuffered?: number;
  /**
   * Buffered events from which the trail counts as saturated (`AuditTrail.saturated`): `AuditBackpressureGuard`
   * then refuses state-changing requests with 503 and readiness should fail, so that writes stop before events are
   * dropped; the headroom above it takes the events of reads and refusals. From 1 to `maxBuffered`; default 80 % of
   * `maxBuffered`.
   */
  refuseWritesAt?: number;
  /** Time source of event timestamps and of the once-a-minute warnings. Default `Date.now`. */
  clock?: AuditClock;
}

/** {@link AuditModuleOptions} after validation: defaults filled in, the key turned into a hasher (and not kept). */
export interface ResolvedAuditOptions {
  store: AuditStore;
  hasher: AuditHasher;
  flushIntervalMs: number;
  batchSize: number;
  maxBuffered: number;
  refuseWritesAt: number;
  clock: AuditClock;
}

const KNOWN = new Set(['store', 'hmacKey', 'flushIntervalMs', 'batchSize', 'maxBuffered', 'refuseWritesAt', 'clock']);

function integer(options: AuditModuleOptions, key: 'flushIntervalMs' | 'batchSize' | 'maxBuffered' | 'refuseWritesAt', fallback: number, min: number, max: number): number {
  const value = options[key] ?? fallback;
  if (!Number.isSafeInteger(value) || value < min || value > max) throw optionsError(key, `must be an integer from ${min} to ${max}`);
  return value;
}

/**
 * Checks every option and fills in defaults. Unknown keys are refused, so that a typo such as `hmackey` cannot
 * silently turn the HMAC off.
 *
 * @throws {AuditError} `ERR_AUDIT_OPTIONS`, naming the option.
 */
export function validateAuditOptions(options: AuditModuleOptions): ResolvedAuditOptions {
  if (typeof options !== 'object' || options === null) throw optionsError('options', 'must be an object');
  for (const key of Object.keys(options)) if (!KNOWN.has(key)) throw optionsError(key, 'is not a known option');
  const store = options.store as Partial<AuditStore> | undefined;
  if (typeof store?.appendBatch !== 'function' || typeof store.readChain !== 'function') {
    throw optionsError('store', 'must implement AuditStore (appendBatch and readChain)');
  }
  const batchSize = integer(options, 'batchSize', 100, 1, 1000);
  const clock = options.clock ?? { now: () => Date.now() };
  if (typeof clock.now !== 'function') throw optionsError('clock', 'must have a now() method');
  const maxBuffered = integer(options, 'maxBuffered', 10_000, batchSize, 1_000_000);
  return {
    store: options.store,
    hasher: createAuditHasher(options.hmacKey),
    flushIntervalMs: integer(options, 'flushIntervalMs', 200, 1, 60_000),
    batchSize,
    maxBuffered,
    refuseWritesAt: integer(options, 'refuseWritesAt', Math.max(1, Math.floor(maxBuffered * 0.8)), 1, maxBuffered),
    clock,
  };
}
