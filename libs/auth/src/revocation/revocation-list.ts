import { Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { AuthCacheBus } from '../cache/auth-cache-bus.js';
import type { Clock } from '../clock.js';
import { AuthError, type AuthErrorCode } from '../errors.js';
import type { AuthMethod } from '../principal.js';
import { DENY_GRACE_MS, type TokenDenyList } from '../tokens/token-deny-list.js';
import type { NewRevocation, RevocationEntry, RevocationStore } from './revocation-store.js';

/** Options of {@link RevocationList}. */
export interface RevocationListOptions {
  /** The source of truth (a database table in production). */
  store: RevocationStore;
  /** Tells other instances to sync at once (Redis pub/sub); without one they learn at the next poll. */
  bus?: AuthCacheBus;
  clock: Clock;
  /** Longest an access token lives, ms: how long a sign-out of a user's tokens must be remembered. */
  accessTokenTtlMs: number;
  /** How often the store is asked for new entries, ms. Default 1000. */
  syncIntervalMs?: number;
  /** How far back each poll looks again, ms, for rows committed after a later one. Default 5000. */
  overlapMs?: number;
  /** How often everything is reloaded, ms. Default 300000. */
  resyncIntervalMs?: number;
  /** How long without a successful sync before the list is stale, ms. Default 30000. */
  maxStalenessMs?: number;
  /** While stale: true accepts credentials unchecked, false (default) refuses them with 503. */
  failOpen?: boolean;
  /** How often expired entries are deleted from the store, ms. Default 600000. */
  purgeIntervalMs?: number;
}

/** What a credential is checked with: its user, and for an access token its `jti`, `sid` and `iat`. */
export interface RevocationSubject {
  sub: string;
  tokenId?: string;
  /** The session (`sid` claim) an access token belongs to. */
  sessionId?: string;
  /** `iat` in ms (a whole second). */
  issuedAt?: number;
}

interface SubjectState {
  seq: number;
  disabled: boolean;
  revokedBeforeMs: number;
  expiresAtMs: number | null;
}

/**
 * Every revocation in force, held in this process's memory and checked with
 * map lookups: a request costs no database or Redis read for it. The store
 * (the database) is the source of truth; this list is loaded from it at start,
 * polled every `syncIntervalMs` (one query for the rows recorded since the
 * last poll), reloaded whole every `resyncIntervalMs`, and told by the bus to
 * poll at once when another instance revokes something. Redis only carries
 * that nudge: when it loses its data, nothing is un-revoked.
 *
 * Bounds: a revocation applies on the instance that made it before it
 * answers; on the others within the bus's delivery plus one query (ms), and
 * at worst `syncIntervalMs` later when the bus is down. A row whose commit
 * came more than `overlapMs` after its timestamp is picked up by the next
 * full reload. When no sync has succeeded for `maxStalenessMs` (the database
 * is unreachable), credentials are refused with `ERR_AUTH_UNAVAILABLE`
 * unless `failOpen`.
 *
 * Memory: one map entry per access token or session revoked and not yet expired, and
 * one per user disabled or signed out of everything in the last token
 * lifetime.
 */
export class RevocationList implements TokenDenyList, OnModuleInit, OnModuleDestroy {
  private readonly tokens = new Map<string, number>();
  private readonly sessions = new Map<string, number>();
  private readonly subjects = new Map<string, SubjectState>();
  private readonly logger = new Logger('Revocations');
  private readonly syncIntervalMs: number;
  private readonly overlapMs: number;
  private readonly resyncIntervalMs: number;
  private readonly maxStalenessMs: number;
  private readonly purgeIntervalMs: number;
  private cursorMs: number | null = null;
  private cursorMovedAt = -Infinity;
  private lastSyncAt = -Infinity;
  private lastFullAt = -Infinity;
  private lastPurgeAt: number;
  private lastSweepAt = 0;
  private running: Promise<void> | null = null;
  private again = false;
  private timer?: NodeJS.Timeout;
  private stopListening?: () => void;
  private warnedAt = -Infinity;
  private counts = { syncs: 0, failures: 0 };

  constructor(private readonly options: RevocationListOptions) {
    const ms = (name: keyof RevocationListOptions, fallback: number, min = 1) => {
      const value = (options[name] as number | undefined) ?? fallback;
      if (!Number.isSafeInteger(value) || value < min) throw new AuthError('ERR_AUTH_OPTIONS', `revocation option "${name}" must be a whole number of ms, ${min} or more`);
      return value;
    };
    if (!options.store) throw new AuthError('ERR_AUTH_OPTIONS', 'revocation option "store" is required');
    ms('accessTokenTtlMs', options.accessTokenTtlMs);
    this.syncIntervalMs = ms('syncIntervalMs', 1000, 100);
    this.overlapMs = ms('overlapMs', 5000, 0);
    this.resyncIntervalMs = ms('resyncIntervalMs', 300_000);
    this.maxStalenessMs = ms('maxStalenessMs', 30_000);
    this.purgeIntervalMs = ms('purgeIntervalMs', 600_000);
    this.lastPurgeAt = options.clock.now();
  }

  /** Loads every revocation in force, then polls and listens to the bus. */
  async onModuleInit(): Promise<void> {
    await this.start();
  }

  onModuleDestroy(): void {
    this.stop();
  }

  /** Same as the module hook, for use outside Nest. A failed first load is logged; the list stays stale until one succeeds. */
  async start(): Promise<void> {
    if (this.timer) return;
    this.stopListening = this.options.bus?.listen({
      message: (m) => {
        if (m.kind === 'revocation') void this.sync();
      },
      // Back on the bus after a gap: what was announced meanwhile was missed.
      state: (live) => {
        if (live) void this.sync();
      },
    });
    this.timer = setInterval(() => void this.sync(), this.syncIntervalMs);
    this.timer.unref();
    await this.sync();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.stopListening?.();
    this.stopListening = undefined;
  }

  /** Revokes one access token until it expires ({@link TokenDenyList}). */
  async deny(jti: string, expiresAtMs: number): Promise<void> {
    await this.revokeToken(jti, expiresAtMs);
  }

  /** Revokes one access token until `expiresAtMs` (its `exp`) plus {@link DENY_GRACE_MS}. */
  async revokeToken(jti: string, expiresAtMs: number): Promise<void> {
    if (expiresAtMs + DENY_GRACE_MS <= this.options.clock.now()) return;
    await this.record({ kind: 'token', id: jti, expiresAtMs: expiresAtMs + DENY_GRACE_MS });
  }

  /**
   * Ends every access token of session `sid` (their `sid` claim), now and on
   * every instance, for the longest an access token issued just now lives.
   * The caller also ends what issues new ones (the session's refresh family).
   */
  async revokeSession(sid: string): Promise<void> {
    await this.record(this.sessionEntry(sid));
  }

  /**
   * The entry {@link revokeSession} would record, for an app that writes it
   * in its own transaction (with the session's end) and then calls {@link applied}.
   */
  sessionEntry(sid: string): NewRevocation {
    return { kind: 'session', id: sid, expiresAtMs: this.options.clock.now() + this.options.accessTokenTtlMs + DENY_GRACE_MS };
  }

  /**
   * Ends every access token of `sub` issued so far, and while `disabled`
   * refuses every credential of `sub` (tokens, API keys, external tokens).
   * Enabling again (`disabled: false`) does not revive the earlier tokens.
   */
  async revokeSubject(sub: string, options: { disabled: boolean }): Promise<void> {
    await this.record(this.subjectEntry(sub, options.disabled));
  }

  /**
   * The entry {@link revokeSubject} would record, for an app that writes it in
   * its own transaction (with the user's status) and then calls {@link applied}.
   */
  subjectEntry(sub: string, disabled: boolean): NewRevocation {
    const now = this.options.clock.now();
    return { kind: 'subject', id: sub, disabled, revokedBeforeMs: now, expiresAtMs: disabled ? null : now + this.options.accessTokenTtlMs + DENY_GRACE_MS };
  }

  /** Applies an entry the app has recorded itself, here at once and on the other instances through the bus. */
  async applied(entry: RevocationEntry): Promise<void> {
    this.apply(entry);
    await this.announce(entry);
  }

  /** Whether the access token `jti` is revoked ({@link TokenDenyList}); throws while the list is stale and closed. */
  async isDenied(jti: string): Promise<boolean> {
    this.assertFresh();
    return this.tokenRevoked(jti);
  }

  /**
   * Why the credential must be refused, or null: `ERR_AUTH_ACCOUNT_DISABLED`
   * while its user is disabled, `ERR_AUTH_TOKEN_REVOKED` for a revoked or
   * signed-out access token. Memory only.
   */
  verdict(subject: RevocationSubject): Extract<AuthErrorCode, 'ERR_AUTH_ACCOUNT_DISABLED' | 'ERR_AUTH_TOKEN_REVOKED'> | null {
    const state = this.subjects.get(subject.sub);
    const now = this.options.clock.now();
    const inForce = state && (state.expiresAtMs === null || state.expiresAtMs > now);
    if (inForce && state.disabled) return 'ERR_AUTH_ACCOUNT_DISABLED';
    if (subject.tokenId && this.tokenRevoked(subject.tokenId)) return 'ERR_AUTH_TOKEN_REVOKED';
    if (subject.sessionId && this.sessionRevoked(subject.sessionId)) return 'ERR_AUTH_TOKEN_REVOKED';
    // `iat` has whole seconds: a token of the revocation's own second is not
    // refused by this rule (the app revokes those it issued by jti, as the
    // refresh-token store lists them), so a login just after it works.
    if (inForce && subject.issuedAt !== undefined && subject.issuedAt < Math.floor(state.revokedBeforeMs / 1000) * 1000) return 'ERR_AUTH_TOKEN_REVOKED';
    return null;
  }

  /** Throws the `AuthError` of {@link verdict}, or `ERR_AUTH_UNAVAILABLE` while the list is stale and closed. */
  assertAllowed(subject: RevocationSubject, methods?: readonly AuthMethod[]): void {
    try {
      this.assertFresh();
    } catch (error) {
      throw new AuthError('ERR_AUTH_UNAVAILABLE', 'Credential checks are temporarily unavailable; try again shortly', { cause: error });
    }
    const code = this.verdict(subject);
    const details = methods ? { methods } : undefined;
    if (code === 'ERR_AUTH_ACCOUNT_DISABLED') throw new AuthError(code, 'The account is disabled', { details });
    if (code) throw new AuthError(code, 'The access token has been revoked', { details });
  }

  /**
   * For a readiness probe: resolves once the list is fresh, after one read of the store if it is not
   * (never loaded, as after a start without the database, or unread for longer than `maxStalenessMs`).
   * Throws while it stays stale, so that an instance is not ready while every credential would get 503.
   */
  async checkReady(): Promise<void> {
    if (this.isFresh()) return;
    await this.sync();
    this.assertFresh();
  }

  /** Entries held, syncs done and failed, ms since the last successful sync. */
  get stats(): { tokens: number; sessions: number; subjects: number; syncs: number; failures: number; ageMs: number } {
    return { tokens: this.tokens.size, sessions: this.sessions.size, subjects: this.subjects.size, ...this.counts, ageMs: this.options.clock.now() - this.lastSyncAt };
  }

  /**
   * Asks the store for what changed (everything, when a full reload is due).
   * Concurrent calls share one query and ask again once after it.
   */
  sync(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.syncOnce()
      .finally(() => {
        this.running = null;
      })
      .then(() => {
        if (!this.again) return;
        this.again = false;
        return this.sync();
      });
    return this.running;
  }

  private async syncOnce(): Promise<void> {
    const now = this.options.clock.now();
    const full = this.cursorMs === null || now - this.lastFullAt >= this.resyncIntervalMs;
    // Look `overlapMs` back while rows keep coming; once the newest is that old, only past it
    // (a quiet list costs an empty query; a later-committed older row waits for the full reload).
    const cursor = this.cursorMs as number;
    const since = full ? null : now - this.cursorMovedAt > this.overlapMs ? cursor + 1 : cursor - this.overlapMs;
    try {
      const { entries, cursorMs } = await this.options.store.changes(since);
      for (const entry of entries) this.apply(entry);
      if (cursorMs !== null && (this.cursorMs === null || cursorMs > this.cursorMs)) {
        this.cursorMs = cursorMs;
        this.cursorMovedAt = now;
      }
      this.lastSyncAt = now;
      if (full) this.lastFullAt = now;
      this.counts.syncs += 1;
    } catch (error) {
      this.counts.failures += 1;
      if (now - this.warnedAt >= 60_000) {
        this.warnedAt = now;
        this.logger.error(`revocations could not be read (${(error as Error).message}); last read ${Math.round((now - this.lastSyncAt) / 1000)} s ago`);
      }
      return;
    }
    this.sweep(now);
    if (now - this.lastPurgeAt >= this.purgeIntervalMs) {
      this.lastPurgeAt = now;
      // Past their expiry (with a minute for clocks): no credential they name can still verify.
      void this.options.store.purge(now - 60_000).catch((error: Error) => this.logger.warn(`expired revocations could not be purged: ${error.message}`));
    }
  }

  private async record(entry: NewRevocation): Promise<void> {
    const numbered = await this.options.store.append(entry);
    await this.applied(numbered);
  }

  private async announce(entry: RevocationEntry): Promise<void> {
    try {
      await this.options.bus?.publish({ kind: 'revocation', id: String(entry.seq) });
    } catch (error) {
      // Recorded and applied here; the others find it at their next poll.
      this.logger.warn(`revocation ${entry.seq} not announced (${(error as Error).message}); other instances read it within ${this.syncIntervalMs} ms`);
    }
  }

  private apply(entry: RevocationEntry): void {
    if (entry.kind === 'token' || entry.kind === 'session') {
      const map = entry.kind === 'token' ? this.tokens : this.sessions;
      map.set(entry.id, Math.max(entry.expiresAtMs, map.get(entry.id) ?? 0));
      return;
    }
    // The latest entry of a user wins, in whatever order entries arrive.
    const current = this.subjects.get(entry.id);
    if (current && current.seq >= entry.seq) return;
    this.subjects.set(entry.id, { seq: entry.seq, disabled: entry.disabled, revokedBeforeMs: entry.revokedBeforeMs, expiresAtMs: entry.expiresAtMs });
  }

  private tokenRevoked(jti: string): boolean {
    const until = this.tokens.get(jti);
    return until !== undefined && until > this.options.clock.now();
  }

  private sessionRevoked(sid: string): boolean {
    const until = this.sessions.get(sid);
    return until !== undefined && until > this.options.clock.now();
  }

  private isFresh(): boolean {
    return this.options.failOpen || this.options.clock.now() - this.lastSyncAt <= this.maxStalenessMs;
  }

  private assertFresh(): void {
    if (this.isFresh()) return;
    const age = this.options.clock.now() - this.lastSyncAt;
    throw new Error(`revocations not read for ${Number.isFinite(age) ? `${Math.round(age / 1000)} s` : 'ever'}`);
  }

  private sweep(now: number): void {
    if (now - this.lastSweepAt < 10_000) return;
    this.lastSweepAt = now;
    for (const [jti, until] of this.tokens) if (until <= now) this.tokens.delete(jti);
    for (const [sid, until] of this.sessions) if (until <= now) this.sessions.delete(sid);
    for (const [sub, s] of this.subjects) if (s.expiresAtMs !== null && s.expiresAtMs <= now) this.subjects.delete(sub);
  }
}
