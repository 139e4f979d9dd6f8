/**
 * One revocation as the source of truth keeps it. `token`: the access token
 * with this `jti` is revoked until it expires. `session`: every access token
 * carrying this session id (`sid`) is revoked until the last of them expires.
 * `subject`: every credential of
 * the user `id` is refused while `disabled`, and access tokens issued in a
 * second before `revokedBeforeMs` are refused until they expire.
 */
export type RevocationEntry =
  | { seq: number; kind: 'token'; id: string; expiresAtMs: number }
  | { seq: number; kind: 'session'; id: string; expiresAtMs: number }
  | { seq: number; kind: 'subject'; id: string; disabled: boolean; revokedBeforeMs: number; expiresAtMs: number | null };

/** A {@link RevocationEntry} before the store has numbered it. */
export type NewRevocation = RevocationEntry extends infer E ? (E extends RevocationEntry ? Omit<E, 'seq'> : never) : never;

/**
 * Durable revocations (a database table): the source of truth that every
 * instance's {@link RevocationList} is loaded from and polls. Redis is never
 * one: a cache that comes back empty would un-revoke what it held.
 */
export interface RevocationStore {
  /**
   * Records `entry` durably and returns it numbered. A `subject` entry
   * replaces the earlier ones of the same user (they may be deleted); a
   * `token` or `session` entry for an id already revoked is a no-op.
   */
  append(entry: NewRevocation): Promise<RevocationEntry>;
  /**
   * Entries still in force (`expiresAtMs` null or ahead of the store's
   * clock). `sinceMs` null: all of them (the load at start and the periodic
   * resync); otherwise those recorded at or after `sinceMs` on the store's
   * clock. `cursorMs` is the latest recording time among the entries
   * returned (or `sinceMs` when there are none), on the same clock.
   */
  changes(sinceMs: number | null): Promise<{ entries: RevocationEntry[]; cursorMs: number | null }>;
  /** Deletes entries that expired before `beforeMs`; returns how many. */
  purge(beforeMs: number): Promise<number>;
}

/** Injection token of the {@link RevocationStore}. */
export const REVOCATION_STORE = 'BASTION:REVOCATION_STORE';

/**
 * Revocations in this process's memory: the default, for a single instance
 * and tests. Lost with the process; give several instances (or anything that
 * must survive a restart) a store on the database.
 */
export class MemoryRevocationStore implements RevocationStore {
  private readonly rows: { entry: RevocationEntry; at: number }[] = [];
  private seq = 0;

  constructor(private readonly clock: { now(): number }) {}

  async append(entry: NewRevocation): Promise<RevocationEntry> {
    const at = this.clock.now();
    if (entry.kind === 'token' || entry.kind === 'session') {
      const existing = this.rows.find((r) => r.entry.kind === entry.kind && r.entry.id === entry.id);
      if (existing) return existing.entry;
    } else {
      for (let i = this.rows.length - 1; i >= 0; i -= 1) {
        const row = this.rows[i] as { entry: RevocationEntry };
        if (row.entry.kind === 'subject' && row.entry.id === entry.id) this.rows.splice(i, 1);
      }
    }
    this.seq += 1;
    const numbered = { ...entry, seq: this.seq } as RevocationEntry;
    this.rows.push({ entry: numbered, at });
    return numbered;
  }

  async changes(sinceMs: number | null): Promise<{ entries: RevocationEntry[]; cursorMs: number | null }> {
    const now = this.clock.now();
    const rows = this.rows.filter((r) => (sinceMs === null || r.at >= sinceMs) && (r.entry.expiresAtMs === null || r.entry.expiresAtMs > now));
    const cursorMs = rows.reduce<number | null>((max, r) => (max === null || r.at > max ? r.at : max), sinceMs);
    return { entries: rows.map((r) => r.entry), cursorMs };
  }

  async purge(beforeMs: number): Promise<number> {
    const before = this.rows.length;
    for (let i = this.rows.length - 1; i >= 0; i -= 1) {
      const e = (this.rows[i] as { entry: RevocationEntry }).entry;
      if (e.expiresAtMs !== null && e.expiresAtMs < beforeMs) this.rows.splice(i, 1);
    }
    return before - this.rows.length;
  }
}
