import { auditHashMatches, createAuditHasher, GENESIS_HASH, type AuditHasher } from './audit-chain.js';
import type { AuditStore } from './audit-store.js';

/**
 * What is wrong at the first bad event:
 * - `altered`: its hash is not the hash of its columns (edited in place, forged without the key, or hashed with
 *   another key);
 * - `gap`: its seq is not the previous seq + 1 (events deleted before it);
 * - `broken-link`: its `prevHash` is not the previous event's hash (an event deleted or inserted before it);
 * - `first-link`: it is the first event and its `prevHash` is not 64 zeros (the start of the chain was cut).
 */
export type AuditChainProblem = 'altered' | 'gap' | 'broken-link' | 'first-link';

/** The verdict of {@link verifyAuditChain}. */
export type AuditVerification =
  | {
      ok: true;
      /** Events checked. */
      count: number;
      /** The last event; record it somewhere else to detect later deletion of the newest events. Null when empty. */
      last: { seq: number; hash: string } | null;
    }
  | { ok: false; seq: number; problem: AuditChainProblem };

/** Options of {@link verifyAuditChain}. */
export interface VerifyAuditChainOptions {
  /** The key the chain was written with (`AuditModule`'s `hmacKey`); none for plain SHA-256. */
  hmacKey?: string | Uint8Array;
  /** Events read per `readChain` call. Default 1000. */
  pageSize?: number;
}

/**
 * Walks the whole chain from seq 1 and reports the first event that was altered, or that follows a deleted or
 * inserted one. Reads `pageSize` events at a time, so memory stays flat; time grows with the table.
 *
 * A chain only proves what lies between its first and its last event: deleting the newest events leaves a valid,
 * shorter chain. Compare `last` with a copy kept elsewhere (a log line, another store) to see that.
 *
 * @example
 * const result = await verifyAuditChain(store, { hmacKey: config.auditHmacKey });
 * if (!result.ok) logger.error(`audit chain ${result.problem} at seq ${result.seq}`);
 */
export async function verifyAuditChain(store: AuditStore, options: VerifyAuditChainOptions = {}): Promise<AuditVerification> {
  return verifyWithHasher(store, createAuditHasher(options.hmacKey), options.pageSize ?? 1000);
}

/** {@link verifyAuditChain} with a hasher already made (what `AuditTrail.verify` uses). */
export async function verifyWithHasher(store: AuditStore, hasher: AuditHasher, pageSize = 1000): Promise<AuditVerification> {
  let prevSeq = 0;
  let prevHash = GENESIS_HASH;
  let count = 0;
  for (;;) {
    const page = await store.readChain(prevSeq, pageSize);
    for (const record of page) {
      // The row's own content first: an edited row is reported as itself, not as a broken link after it.
      if (!auditHashMatches(record, hasher)) return { ok: false, seq: record.seq, problem: 'altered' };
      if (record.seq !== prevSeq + 1) return { ok: false, seq: record.seq, problem: 'gap' };
      if (record.prevHash !== prevHash) return { ok: false, seq: record.seq, problem: prevSeq === 0 ? 'first-link' : 'broken-link' };
      prevSeq = record.seq;
      prevHash = record.hash;
      count += 1;
    }
    if (page.length < pageSize) break;
  }
  return { ok: true, count, last: count > 0 ? { seq: prevSeq, hash: prevHash } : null };
}
