import { apiConfig } from './api.config';
import { databaseConfig } from './database.config';
import { redisConfig } from './redis.config';

export { apiConfig, databaseConfig, redisConfig };

/** Every config of the API, in the order ConfigModule loads them. */
export const apiConfigs = [apiConfig, databaseConfig, redisConfig];

/** Validates the whole environment now; throws a ConfigError naming each bad variable. */
export function validateApiEnvironment(): void {
  for (const load of apiConfigs) load();
}
