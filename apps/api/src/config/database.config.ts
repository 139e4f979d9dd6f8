import { registerAs } from '@nestjs/config';
import { databaseEnv, parseEnv } from '@bastion/config';

/** Where the API's data lives: PostgreSQL (DATABASE_URL) or the embedded PGlite folder. */
export const databaseConfig = registerAs('database', () => parseEnv(databaseEnv, process.env));
