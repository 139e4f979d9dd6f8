import { registerAs } from '@nestjs/config';
import { parseEnv, redisEnv } from '@bastion/config';

/** Redis, when REDIS_URL is set: what several instances share. */
export const redisConfig = registerAs('redis', () => parseEnv(redisEnv, process.env));
