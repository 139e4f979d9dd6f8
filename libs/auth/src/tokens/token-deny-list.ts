import type { Clock } from '../clock.js';

/**
 * How long past a token's `exp` its deny-list entry is kept: verification
 * accepts a token up to the clock tolerance after `exp` (capped at this), so
 * a revocation must outlive it.
 */
export const DENY_GRACE_MS = 60_000;

/**
 * Access tokens revoked before they expire, by `jti`. An entry is kept until
 * the token would have expired (plus {@link DENY_GRACE_MS}), then forgotten.
 */
export interface TokenDenyList {
  deny(jti: string, expiresAtMs: number): Promise<void>;
  isDenied(jti: string): Promise<boolean>;
}

/** Injection token of the {@link TokenDenyList}. */
export const TOKEN_DENY_LIST = 'BASTION:TOKEN_DENY_LIST';

/** One process's deny list: right for a single instance and for tests. */
export class MemoryTokenDenyList implements TokenDenyList {
  private readonly entries = new Map<string, number>();
  private sweptAt = 0;

  constructor(private readonly clock: Clock) {}

  async deny(jti: string, expiresAtMs: number): Promise<void> {
    this.entries.set(jti, expiresAtMs + DENY_GRACE_MS);
    this.sweep();
  }

  async isDenied(jti: string): Promise<boolean> {
    const until = this.entries.get(jti);
    return until !== undefined && until > this.clock.now();
  }

  private sweep(): void {
    const now = this.clock.now();
    if (now - this.sweptAt < 60_000) return;
    this.sweptAt = now;
    for (const [jti, until] of this.entries) if (until <= now) this.entries.delete(jti);
  }
}

/** The part of an ioredis client the Redis stores use. */
export interface RedisLike {
  set(key: string, value: string, mode: 'PX', ms: number): Promise<unknown>;
  exists(key: string): Promise<number>;
  eval(script: string, keys: number, ...args: (string | number)[]): Promise<unknown>;
}

/** A deny list every instance sharing the Redis sees at once. */
export class RedisTokenDenyList implements TokenDenyList {
  constructor(
    private readonly redis: RedisLike,
    private readonly clock: Clock,
    private readonly prefix = 'auth:deny:',
  ) {}

  async deny(jti: string, expiresAtMs: number): Promise<void> {
    const ttl = Math.ceil(expiresAtMs + DENY_GRACE_MS - this.clock.now());
    if (ttl > 0) await this.redis.set(this.prefix + jti, '1', 'PX', ttl);
  }

  async isDenied(jti: string): Promise<boolean> {
    return (await this.redis.exists(this.prefix + jti)) === 1;
  }
}
