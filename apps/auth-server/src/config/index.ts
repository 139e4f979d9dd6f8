import { authServerConfig } from './auth-server.config';
import { databaseConfig } from './database.config';

export { authServerConfig, databaseConfig };

/** Every config of the auth server, in the order ConfigModule loads them. */
export const authServerConfigs = [authServerConfig, databaseConfig];

/** Validates the whole environment now; throws a ConfigError naming each bad variable. */
export function validateAuthServerEnvironment(): void {
  for (const load of authServerConfigs) load();
}
