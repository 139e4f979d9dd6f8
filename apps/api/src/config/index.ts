import { accountsConfig, mailConfig } from './accounts.config';
import { apiConfig } from './api.config';
import { authConfig } from './auth.config';
import { authzConfig } from './authz.config';
import { cacheConfig } from './cache.config';
import { databaseConfig } from './database.config';
import { encryptionConfig } from './encryption.config';
import { docsConfig } from './docs.config';
import { observabilityConfig } from './observability.config';
import { oidcConfig } from './oidc.config';
import { rateLimitConfig } from './rate-limit.config';
import { redisConfig } from './redis.config';
import { samlConfig } from './saml.config';

export { accountsConfig, mailConfig, apiConfig, authConfig, authzConfig, cacheConfig, databaseConfig, docsConfig, encryptionConfig, observabilityConfig, oidcConfig, rateLimitConfig, redisConfig, samlConfig };

/** Every config of the API, in the order ConfigModule loads them. */
export const apiConfigs = [apiConfig, databaseConfig, redisConfig, authConfig, rateLimitConfig, authzConfig, observabilityConfig, oidcConfig, cacheConfig, encryptionConfig, samlConfig, docsConfig, accountsConfig, mailConfig];

/** Validates the whole environment now; throws a ConfigError naming each bad variable. */
export function validateApiEnvironment(): void {
  for (const load of apiConfigs) load();
}
