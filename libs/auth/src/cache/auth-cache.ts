import { LRUCache } from 'lru-cache';
import { AuthError } from '../errors.js';
import type { AuthCacheBus, AuthCacheMessage } from './auth-cache-bus.js';

/** Options of {@link AuthCache}. */
export interface AuthCacheOptions {
  /** How long an entry is served at most, ms; 0 turns the cache off (every call reads through). */
  ttlMs: number;
  /** Most entries kept (least recently used go first). Default 10000. */
  max?: number;
  /** Tells this cache (and every instance's) what changed. */
  bus: AuthCacheBus;
  /** The time source of the TTL (ms). Default `performance.now`. */
  clock?: { now(): number };
}

/** The bus tags that invalidate an entry: `user:<id>`, `api-key:<id>`. */
export type AuthCacheTag = `${AuthCacheMessage['kind']}:${string}`;

/**
 * A short positive cache of what authentication reads per request (an API
 * key's record, a user's role and status), invalidated through an
 * {@link AuthCacheBus}: an instance that changes a user or revokes a key
 * publishes it, and every instance forgets the entries tagged with it before
 * its next request. Misses are never cached (a guessed key costs a lookup
 * every time, as it should).
 *
 * A read that was under way when an invalidation arrived is used for its own
 * request but not kept, so a stale row cannot re-enter the cache. While the
 * bus cannot hear other instances, nothing is served from the cache.
 *
 * @example
 * const users = new AuthCache<UserRow>({ ttlMs: 30_000, bus });
 * const row = await users.get(id, () => db.user(id), (r) => [`user:${r.id}`]);
 */
export class AuthCache<V extends object> {
  private readonly entries: LRUCache<string, V>;
  private readonly byTag = new Map<AuthCacheTag, Set<string>>();
  private readonly tagsOf = new Map<string, AuthCacheTag[]>();
  // Bumped by every invalidation: a load that started before it does not store its result.
  private epoch = 0;
  private readonly stopListening: () => void;
  private counts = { hits: 0, misses: 0 };

  constructor(private readonly options: AuthCacheOptions) {
    if (!Number.isSafeInteger(options.ttlMs) || options.ttlMs < 0) throw new AuthError('ERR_AUTH_OPTIONS', 'auth cache option "ttlMs" must be a whole number of ms, 0 or more');
    const max = options.max ?? 10_000;
    if (!Number.isSafeInteger(max) || max < 1) throw new AuthError('ERR_AUTH_OPTIONS', 'auth cache option "max" must be a positive whole number');
    this.entries = new LRUCache<string, V>({
      max,
      ttl: Math.max(options.ttlMs, 1),
      // Expired entries are never returned (checked on read), whatever the timer does.
      ttlAutopurge: false,
      // Read the clock on every get (lru-cache otherwise reuses one reading for a while).
      ttlResolution: 0,
      ...(options.clock ? { perf: options.clock } : {}),
      dispose: (_value, key) => this.untag(key),
    });
    this.stopListening = options.bus.listen({
      message: (m) => this.invalidate(`${m.kind}:${m.id}`),
      state: () => this.clear(),
    });
  }

  /** Hits and misses since start. */
  get stats(): { hits: number; misses: number; size: number } {
    return { ...this.counts, size: this.entries.size };
  }

  /**
   * The cached value of `key`, or `load()`'s (kept when it is not null, tagged
   * with `tags(value)`, unless something was invalidated while it loaded).
   */
  async get(key: string, load: () => Promise<V | null>, tags: (value: V) => AuthCacheTag[]): Promise<V | null> {
    const serving = this.options.ttlMs > 0 && this.options.bus.live;
    if (serving) {
      const hit = this.entries.get(key);
      if (hit) {
        this.counts.hits += 1;
        return hit;
      }
    }
    this.counts.misses += 1;
    const startedAt = this.epoch;
    const value = await load();
    if (value && serving && this.options.bus.live && this.epoch === startedAt) {
      this.entries.set(key, value);
      const list = tags(value);
      this.tagsOf.set(key, list);
      for (const tag of list) {
        let keys = this.byTag.get(tag);
        if (!keys) this.byTag.set(tag, (keys = new Set()));
        keys.add(key);
      }
    }
    return value;
  }

  /** Forgets every entry tagged `tag`. */
  invalidate(tag: AuthCacheTag): void {
    this.epoch += 1;
    for (const key of [...(this.byTag.get(tag) ?? [])]) this.entries.delete(key);
    this.byTag.delete(tag);
  }

  /** Forgets everything. */
  clear(): void {
    this.epoch += 1;
    this.entries.clear();
    this.byTag.clear();
    this.tagsOf.clear();
  }

  /** Stops listening to the bus. */
  close(): void {
    this.stopListening();
    this.clear();
  }

  private untag(key: string): void {
    for (const tag of this.tagsOf.get(key) ?? []) {
      const keys = this.byTag.get(tag);
      keys?.delete(key);
      if (keys?.size === 0) this.byTag.delete(tag);
    }
    this.tagsOf.delete(key);
  }
}
