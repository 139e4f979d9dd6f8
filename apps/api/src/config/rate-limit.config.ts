import { registerAs } from '@nestjs/config';
import { flag, parseEnv } from '@bastion/config';
import { z } from 'zod';

const rate = (fallback: string) =>
  z.string().regex(/^\d{1,7}\/\d{0,6}[smhd]$/, { error: 'must look like 300/1m (requests per window)' }).default(fallback);

/** Request limits of the API (login limits are in auth.config). */
export const rateLimitConfig = registerAs('rateLimit', () =>
  parseEnv(
    z.object({
      RATE_LIMIT_API: rate('300/1m'),
      RATE_LIMIT_REFRESH: rate('30/1m'),
      RATE_LIMIT_API_KEY_CREATE: rate('10/1h'),
      RATE_LIMIT_AUTH_FAILURES: rate('30/1m'),
      RATE_LIMIT_FAIL_OPEN: flag(true),
    }),
    process.env,
  ),
);
