import { registerAs } from '@nestjs/config';
import { databaseEnv, parseEnv, redisEnv } from '@bastion/config';
import { msDuration } from './ms-duration';

/**
 * The short caches of authentication: API-key records and the users that
 * requests act as (role, tenant, status). A change made through the API is
 * seen by every instance's next request (the cache bus: Redis pub/sub, or
 * the process); the TTL bounds how long a change made behind the API's back
 * (straight in the database) can go unseen.
 */
export const cacheConfig = registerAs('cache', () => {
  const env = parseEnv(
    databaseEnv.pick({ DATABASE_URL: true }).extend(redisEnv.shape).extend({
      AUTH_CACHE_TTL: msDuration('must be a duration such as 30s, 500ms or 0s (off)')
        .refine((ms) => ms <= 10 * 60_000, { error: 'must be at most 10m' })
        .optional(),
    }),
    process.env,
  );
  // On by default everywhere. Without Redis the bus is this process, like the
  // token deny list, the login counters and the rate limits: PostgreSQL
  // without Redis is a one-instance deployment (the app says so at start).
  return {
    AUTH_CACHE_TTL_MS: env.AUTH_CACHE_TTL ?? 30_000,
    /** PostgreSQL without Redis: a database other instances could share, with state they would not. */
    perProcessStateOnSharedDatabase: Boolean(env.DATABASE_URL) && !env.REDIS_URL,
  };
});
