import { withExactEnv } from '../../../../test/support/exact-env';
import { cacheConfig } from './cache.config';

const load = (env: Record<string, string>) => withExactEnv(env, () => cacheConfig());

describe('cache config', () => {
  it('caches for 30 s by default on every storage, and flags PostgreSQL without Redis as per-process state', () => {
    const pg = 'postgresql://app@db.internal:5432/bastion';
    expect(load({})).toEqual({ AUTH_CACHE_TTL_MS: 30_000, perProcessStateOnSharedDatabase: false });
    expect(load({ DATABASE_URL: pg })).toEqual({ AUTH_CACHE_TTL_MS: 30_000, perProcessStateOnSharedDatabase: true });
    expect(load({ DATABASE_URL: pg, REDIS_URL: 'redis://cache.internal:6379/0' })).toEqual({ AUTH_CACHE_TTL_MS: 30_000, perProcessStateOnSharedDatabase: false });
  });

  it('takes a duration, 0s turning the caches off, and names a bad one', () => {
    expect(load({ AUTH_CACHE_TTL: '0s' }).AUTH_CACHE_TTL_MS).toBe(0);
    expect(load({ AUTH_CACHE_TTL: '500ms' }).AUTH_CACHE_TTL_MS).toBe(500);
    expect(load({ AUTH_CACHE_TTL: '2m' }).AUTH_CACHE_TTL_MS).toBe(120_000);
    expect(() => load({ AUTH_CACHE_TTL: '11m' })).toThrow(/AUTH_CACHE_TTL/);
    expect(() => load({ AUTH_CACHE_TTL: 'soon' })).toThrow(/AUTH_CACHE_TTL/);
  });
});
