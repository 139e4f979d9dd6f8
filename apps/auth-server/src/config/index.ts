import { auditConfig } from './audit.config';
import { authServerConfig } from './auth-server.config';
import { databaseConfig } from './database.config';
import { oidcConfig } from './oidc.config';
import { redisConfig } from './redis.config';

export { auditConfig, authServerConfig, databaseConfig, oidcConfig, redisConfig };

/** Every config of the auth server, in the order ConfigModule loads them. */
export const authServerConfigs = [authServerConfig, databaseConfig, redisConfig, oidcConfig, auditConfig];

/** Validates the whole environment now; throws a ConfigError naming each bad variable. */
export function validateAuthServerEnvironment(): void {
  for (const load of authServerConfigs) load();
}
