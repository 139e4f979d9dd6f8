import { registerAs } from '@nestjs/config';
import { ConfigError, flag, parseEnv, port, runtimeEnv } from '@bastion/config';
import { z } from 'zod';

const rate = (fallback: string) =>
  z
    .string()
    .regex(/^\d{1,6}\/\d{1,6}[smhd]$/, { error: 'must look like 5/15m (attempts per window)' })
    .default(fallback);

/** An absolute http(s) URL without a fragment; the issuer must not end with a slash either. */
const httpUrl = z.string().refine(
  (v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'https:' || u.protocol === 'http:') && !u.hash && !v.endsWith('/');
    } catch {
      return false;
    }
  },
  { error: 'must be an http(s) URL with no trailing slash, query or fragment' },
);

const redirectUriList = z.string().refine(
  (v) =>
    v.split(',').every((u) => {
      try {
        const url = new URL(u.trim());
        return (url.protocol === 'https:' || url.protocol === 'http:') && !url.hash;
      } catch {
        return false;
      }
    }),
  { error: 'must be a comma list of absolute http(s) redirect URIs without fragments' },
);

// Values a copied .env.example or a tutorial would leave in place.
const PLACEHOLDER = /change|placeholder|example|secret|demo|password|xxx/i;

/**
 * The OAuth 2.0 / OpenID Connect server: its issuer, the API it issues
 * tokens for, its signing keys and cookie keys, and the login limits it
 * shares with the API (same variables, same defaults).
 */
export const oidcConfig = registerAs('oidc', () => {
  const env = parseEnv(
    runtimeEnv.extend({
      AUTH_SERVER_PORT: port(3001),
      AUTH_SERVER_ISSUER: httpUrl.optional(),
      OAUTH_API_RESOURCE: z.string().min(1).max(200).default('urn:bastion:api'),
      OAUTH_BASTION_API_REDIRECT_URIS: redirectUriList.optional(),
      OIDC_JWKS_FILE: z.string().min(1).max(1024).default('.data/keys/oidc-jwks.json'),
      OIDC_COOKIE_KEYS: z
        .string()
        .refine((v) => v.split(',').every((k) => k.trim().length >= 32), { error: 'must be a comma list of keys of at least 32 characters each' })
        .optional(),
      RATE_LIMIT_LOGIN: rate('5/15m'),
      RATE_LIMIT_LOGIN_ADDRESS: rate('20/15m'),
      LOGIN_LIMITS_FAIL_OPEN: flag(false),
    }),
    process.env,
  );
  const production = env.NODE_ENV === 'production';
  // Production never makes up keys: another instance would not know them, and
  // every session and token would die with the container.
  if (production && !process.env.OIDC_JWKS_FILE) {
    throw new ConfigError([{ variable: 'OIDC_JWKS_FILE', message: 'is required in production (a JWKS file of private signing keys, made and rotated outside the app)' }]);
  }
  if (production && !env.OIDC_COOKIE_KEYS) {
    throw new ConfigError([{ variable: 'OIDC_COOKIE_KEYS', message: 'is required in production (comma list of random keys, at least 32 characters each)' }]);
  }
  if (env.OIDC_COOKIE_KEYS && env.OIDC_COOKIE_KEYS.split(',').some((k) => PLACEHOLDER.test(k))) {
    throw new ConfigError([{ variable: 'OIDC_COOKIE_KEYS', message: 'holds a placeholder; generate keys with `openssl rand -base64 48`' }]);
  }
  if (production && !env.AUTH_SERVER_ISSUER) {
    throw new ConfigError([{ variable: 'AUTH_SERVER_ISSUER', message: 'is required in production (the public https URL of this server)' }]);
  }
  return {
    ...env,
    AUTH_SERVER_ISSUER: env.AUTH_SERVER_ISSUER ?? `http://127.0.0.1:${env.AUTH_SERVER_PORT}`,
    OAUTH_BASTION_API_REDIRECT_URIS: (env.OAUTH_BASTION_API_REDIRECT_URIS ?? '').split(',').map((u) => u.trim()).filter(Boolean),
    OIDC_COOKIE_KEYS: env.OIDC_COOKIE_KEYS?.split(',').map((k) => k.trim()),
  };
});
