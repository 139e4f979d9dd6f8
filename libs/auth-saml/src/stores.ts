/** The time source of every expiry decision of this lib, injectable so that tests need not sleep. */
export interface SamlClock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** The real clock. */
export const systemSamlClock: SamlClock = { now: () => Date.now() };

/**
 * Assertion ids already accepted, so that a captured response cannot be
 * posted twice (SAML 2.0 Profiles §4.1.4.5, ASVS v5 6.8.3 one-time use).
 * Shared between instances when it lives in Redis.
 */
export interface SamlReplayCache {
  /** Records `key` until `expiresAtMs`; false when it was already there (a replay). Atomic. */
  markUsed(key: string, expiresAtMs: number): Promise<boolean>;
}

/**
 * The ids of AuthnRequests this SP sent and not yet answered (`InResponseTo`,
 * SAML 2.0 Core §3.2.2). Values are the request's issue instant.
 */
export interface SamlRequestStore {
  save(key: string, value: string, ttlMs: number): Promise<void>;
  get(key: string): Promise<string | null>;
  remove(key: string): Promise<void>;
}

/** One process's replay cache: right for a single instance and for tests. */
export class MemorySamlReplayCache implements SamlReplayCache {
  private readonly entries = new Map<string, number>();

  constructor(private readonly clock: SamlClock = systemSamlClock) {}

  async markUsed(key: string, expiresAtMs: number): Promise<boolean> {
    const now = this.clock.now();
    for (const [k, until] of this.entries) if (until <= now) this.entries.delete(k);
    const until = this.entries.get(key);
    if (until !== undefined && until > now) return false;
    this.entries.set(key, expiresAtMs);
    return true;
  }
}

/** One process's request ids. */
export class MemorySamlRequestStore implements SamlRequestStore {
  private readonly entries = new Map<string, { value: string; until: number }>();

  constructor(private readonly clock: SamlClock = systemSamlClock) {}

  async save(key: string, value: string, ttlMs: number): Promise<void> {
    const now = this.clock.now();
    for (const [k, e] of this.entries) if (e.until <= now) this.entries.delete(k);
    this.entries.set(key, { value, until: now + ttlMs });
  }

  async get(key: string): Promise<string | null> {
    const entry = this.entries.get(key);
    return entry && entry.until > this.clock.now() ? entry.value : null;
  }

  async remove(key: string): Promise<void> {
    this.entries.delete(key);
  }
}

/** The part of an ioredis client the Redis stores use. */
export interface SamlRedisLike {
  set(key: string, value: string, px: 'PX', ms: number, nx: 'NX'): Promise<'OK' | null>;
  set(key: string, value: string, px: 'PX', ms: number): Promise<unknown>;
  get(key: string): Promise<string | null>;
  del(key: string): Promise<number>;
}

/** A replay cache every instance sharing the Redis sees at once: `SET key 1 PX ttl NX` is the atomic check-and-mark. */
export class RedisSamlReplayCache implements SamlReplayCache {
  constructor(
    private readonly redis: SamlRedisLike,
    private readonly clock: SamlClock = systemSamlClock,
    private readonly prefix = 'saml:replay:',
  ) {}

  async markUsed(key: string, expiresAtMs: number): Promise<boolean> {
    const ttl = Math.max(1000, Math.ceil(expiresAtMs - this.clock.now()));
    return (await this.redis.set(this.prefix + key, '1', 'PX', ttl, 'NX')) === 'OK';
  }
}

/** Request ids in Redis, so that the IdP's answer may reach any instance. */
export class RedisSamlRequestStore implements SamlRequestStore {
  constructor(
    private readonly redis: SamlRedisLike,
    private readonly prefix = 'saml:request:',
  ) {}

  async save(key: string, value: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.prefix + key, value, 'PX', Math.max(1, Math.ceil(ttlMs)));
  }

  get(key: string): Promise<string | null> {
    return this.redis.get(this.prefix + key);
  }

  async remove(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }
}
