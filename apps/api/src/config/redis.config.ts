import { registerAs } from '@nestjs/config';
import { parseEnv, redisEnv } from '@bastion/config';
import { z } from 'zod';

/** Redis, when REDIS_URL is set: what several instances share. */
export const redisConfig = registerAs('redis', () =>
  parseEnv(
    redisEnv.extend({
      // An evicting maxmemory-policy deletes rate-limit counters and replay entries silently (docs/failure-modes.md#redis).
      REDIS_SETTINGS_CHECK: z.enum(['warn', 'refuse', 'off']).default('warn'),
    }),
    process.env,
  ),
);
