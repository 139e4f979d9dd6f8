import { registerAs } from '@nestjs/config';
import { databaseEnv, parseEnv } from '@bastion/config';

/** The auth server shares the API's database (clients, grants and sessions live there). */
export const databaseConfig = registerAs('database', () => parseEnv(databaseEnv, process.env));
