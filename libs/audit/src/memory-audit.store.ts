import { chainAuditEvents, createAuditHasher, type AuditHasher } from './audit-chain.js';
import { normalizeAuditEvent, type AuditEventInput, type AuditEventRecord } from './audit-event.js';
import { validateChainRange, validateSearchQuery, type AuditSearchPage, type AuditSearchQuery, type AuditStore } from './audit-store.js';

/**
 * An {@link AuditStore} in this process's memory, for tests and demos: one instance, nothing kept after a restart.
 * Same chaining and the same `search` as `SqlAuditStore`.
 */
export class MemoryAuditStore implements AuditStore {
  private readonly records: AuditEventRecord[] = [];

  constructor(private readonly clock: { now(): number } = { now: () => Date.now() }) {}

  async appendBatch(events: readonly AuditEventInput[], hasher: AuditHasher = createAuditHasher()): Promise<void> {
    const now = () => this.clock.now();
    // Normalized first so that a wrong event leaves the chain as it was (all or none).
    const normalized = events.map((event) => normalizeAuditEvent(event, now));
    const last = this.records[this.records.length - 1];
    this.records.push(...chainAuditEvents(last ? { seq: last.seq, hash: last.hash } : null, normalized, hasher, now));
  }

  async readChain(afterSeq: number, limit: number): Promise<AuditEventRecord[]> {
    validateChainRange(afterSeq, limit);
    // seq n is at index n - 1: the chain has no gaps here.
    return this.records.slice(afterSeq, afterSeq + limit).map((r) => structuredClone(r));
  }

  /** As `SqlAuditStore.search`: newest first, `from` inclusive, `to` exclusive. */
  async search(query: AuditSearchQuery): Promise<AuditSearchPage> {
    const q = validateSearchQuery(query);
    const from = q.from?.toISOString();
    const to = q.to?.toISOString();
    const tenantId = q.tenantId?.toLowerCase();
    const items: AuditEventRecord[] = [];
    for (let i = Math.min(this.records.length, (q.cursor ?? Infinity) - 1) - 1; i >= 0 && items.length <= q.limit; i -= 1) {
      const r = this.records[i];
      if (!r) continue;
      if (q.action !== undefined && r.action !== q.action) continue;
      if (q.outcome !== undefined && r.outcome !== q.outcome) continue;
      if (q.actorId !== undefined && r.actorId !== q.actorId) continue;
      if (tenantId !== undefined && r.tenantId !== tenantId) continue;
      // ISO strings with milliseconds in UTC sort as the times they name.
      if (from !== undefined && r.occurredAt < from) continue;
      if (to !== undefined && r.occurredAt >= to) continue;
      items.push(structuredClone(r));
    }
    const more = items.length > q.limit;
    if (more) items.length = q.limit;
    return { items, nextCursor: more ? (items[items.length - 1]?.seq ?? null) : null };
  }
}
