import { registerAs } from '@nestjs/config';
import { parseEnv, redisEnv } from '@bastion/config';

/** Redis, when REDIS_URL is set: failed-login counters shared with the API and every instance. */
export const redisConfig = registerAs('redis', () => parseEnv(redisEnv, process.env));
