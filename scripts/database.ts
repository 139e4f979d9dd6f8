import { databaseEnv, parseEnv, startupErrorMessage } from '@bastion/config';
import { openDatabase, resolveDatabaseOptions, type DatabaseConnection } from '@bastion/database';

/** Where the committed migrations are; npm runs scripts from the repository root. */
export const MIGRATIONS_DIR = 'prisma/migrations';

/**
 * Opens the database the environment names, as the apps would, but with no statement limit: a migration or a
 * re-encryption may rightly run longer than a request.
 */
export async function openConfiguredDatabase(env = process.env): Promise<DatabaseConnection> {
  const cfg = parseEnv(databaseEnv, env);
  return openDatabase(
    resolveDatabaseOptions({ url: cfg.DATABASE_URL, embeddedDir: cfg.EMBEDDED_DB_DIR, poolSize: 2, statementTimeoutMs: 0 }),
  );
}

/** Runs a command-line script: a ConfigError prints its message alone, anything else its stack. */
export function runScript(main: () => Promise<void>): void {
  main().then(
    () => process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0),
    (error: unknown) => {
      console.error(startupErrorMessage(error));
      process.exit(1);
    },
  );
}
