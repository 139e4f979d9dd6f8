import { AuthCache, type AuthCacheOptions } from '../cache/auth-cache.js';
import type { ApiKeyRecord, ApiKeyStore } from './api-key.service.js';

/**
 * An {@link ApiKeyStore} that keeps the records it found for a short while,
 * so that a key in steady use costs no database read per request. What is
 * cached is the stored record (its SHA-256 digest, never the key): every
 * request still hashes the presented key and compares it in constant time,
 * and still checks expiry, revocation and the owner's status on the record.
 *
 * Kept until the TTL ends, or until the bus says the key (`api-key:<id>`,
 * published on revocation) or its owner (`user:<id>`, published when the
 * user is disabled or changes role) changed, on every instance. Unknown
 * prefixes are not cached.
 *
 * @example
 * apiKeyStore: new CachedApiKeyStore(new PrismaApiKeyStore(prisma), { ttlMs: 30_000, bus })
 */
export class CachedApiKeyStore implements ApiKeyStore {
  private readonly cache: AuthCache<ApiKeyRecord>;

  constructor(
    private readonly inner: ApiKeyStore,
    options: AuthCacheOptions,
  ) {
    this.cache = new AuthCache<ApiKeyRecord>(options);
  }

  findByPrefix(prefix: string): Promise<ApiKeyRecord | null> {
    return this.cache.get(prefix, () => this.inner.findByPrefix(prefix), (r) => [`api-key:${r.id}`, `user:${r.ownerId}`]);
  }

  touch(id: string, at: Date): Promise<void> {
    return this.inner.touch(id, at);
  }

  /** Hits and misses of the cache. */
  get stats() {
    return this.cache.stats;
  }

  /** Stops listening to the bus. */
  close(): void {
    this.cache.close();
  }
}
