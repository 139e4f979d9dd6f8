import { registerAs } from '@nestjs/config';
import { ConfigError, flag, parseEnv, runtimeEnv } from '@bastion/config';
import { z } from 'zod';
import { msDuration } from './ms-duration';

const duration = (fallback: string) =>
  z.string().regex(/^\d{1,6}[smhd]$/, { error: 'must be a number followed by s, m, h or d (e.g. 15m)' }).default(fallback);

const rate = (fallback: string) =>
  z
    .string()
    .regex(/^\d{1,6}\/\d{1,6}[smhd]$/, { error: 'must look like 5/15m (attempts per window)' })
    .default(fallback);

const millis = (fallback: string, min: number, max: number) =>
  z
    .string()
    .default(fallback)
    .pipe(msDuration('must be a duration such as 1s, 500ms or 2m'))
    .refine((ms) => ms >= min && ms <= max, { error: `must be from ${min} ms to ${max / 1000} s` });

const signingKeys = z.string().refine(
  (text) => {
    try {
      return Array.isArray((JSON.parse(text) as { keys?: unknown }).keys);
    } catch {
      return false;
    }
  },
  { error: 'must be a JSON object {"keys": [private EC P-256 JWKs]}' },
);

/** Tokens, keys and login limits of the API. */
export const authConfig = registerAs('auth', () => {
  const env = parseEnv(
    runtimeEnv.extend({
      JWT_ISSUER: z.string().min(1).max(200).default('urn:bastion:api'),
      JWT_AUDIENCE: z.string().min(1).max(200).default('urn:bastion:api'),
      JWT_ACCESS_TTL: duration('15m'),
      JWT_REFRESH_TTL: duration('7d'),
      JWT_REFRESH_FAMILY_TTL: duration('30d'),
      JWT_KEYS_FILE: z.string().min(1).max(1024).optional(),
      JWT_SIGNING_KEYS: signingKeys.optional(),
      RATE_LIMIT_LOGIN: rate('5/15m'),
      RATE_LIMIT_LOGIN_ADDRESS: rate('20/15m'),
      LOGIN_LIMITS_FAIL_OPEN: flag(false),
      TOKEN_REVOCATION_FAIL_OPEN: flag(false),
      REVOCATION_SYNC_INTERVAL: millis('1s', 100, 60_000),
      REVOCATION_MAX_STALENESS: millis('30s', 1000, 3_600_000),
      API_KEY_PREFIX: z
        .string()
        .regex(/^[a-z][a-z0-9_]{0,15}_$/, { error: 'must be lower-case letters, digits and _ ending in _ (e.g. bst_live_)' })
        .default('bst_live_'),
    }),
    process.env,
  );
  // Production never makes up keys: tokens signed by a key that only one
  // instance has would fail everywhere else, and vanish with the container.
  if (env.NODE_ENV === 'production' && !env.JWT_SIGNING_KEYS && !env.JWT_KEYS_FILE) {
    throw new ConfigError([
      { variable: 'JWT_SIGNING_KEYS', message: 'is required in production (or JWT_KEYS_FILE naming an existing key ring)' },
    ]);
  }
  return { ...env, JWT_KEYS_FILE: env.JWT_KEYS_FILE ?? '.data/keys/jwt-keys.json' };
});
