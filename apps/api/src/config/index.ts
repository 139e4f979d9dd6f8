import { apiConfig } from './api.config';
import { authConfig } from './auth.config';
import { authzConfig } from './authz.config';
import { cacheConfig } from './cache.config';
import { databaseConfig } from './database.config';
import { observabilityConfig } from './observability.config';
import { rateLimitConfig } from './rate-limit.config';
import { redisConfig } from './redis.config';

export { apiConfig, authConfig, authzConfig, cacheConfig, databaseConfig, observabilityConfig, rateLimitConfig, redisConfig };

/** Every config of the API, in the order ConfigModule loads them. */
export const apiConfigs = [apiConfig, databaseConfig, redisConfig, authConfig, rateLimitConfig, authzConfig, observabilityConfig, cacheConfig];

/** Validates the whole environment now; throws a ConfigError naming each bad variable. */
export function validateApiEnvironment(): void {
  for (const load of apiConfigs) load();
}
