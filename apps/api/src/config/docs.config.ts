import { registerAs } from '@nestjs/config';
import { ConfigError, parseEnv, runtimeEnv } from '@bastion/config';
import { z } from 'zod';
import { isPlaceholderSecret } from './placeholder-secret';

const httpUrl = z.string().max(500).refine(
  (v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password && !u.search && !u.hash;
    } catch {
      return false;
    }
  },
  { error: 'must be an http(s) URL without credentials, query or fragment' },
);

/** The demo auth server, where the `oauth2` and `openIdConnect` schemes point until configured otherwise. */
export const DEFAULT_OAUTH_ISSUER = 'http://127.0.0.1:3001';

/**
 * The API documentation: `/docs` (Swagger UI) and `/docs-json` (OpenAPI 3).
 * `on` serves them to anyone, `token` only with `API_DOCS_TOKEN`, `off` not
 * at all. Production defaults to `off` (ASVS v5 13.4.5: documentation of
 * internal APIs is not exposed unless intended).
 */
export const docsConfig = registerAs('docs', () => {
  const env = parseEnv(
    runtimeEnv.pick({ NODE_ENV: true }).extend({
      API_DOCS: z.enum(['on', 'off', 'token'], { error: 'must be one of: on, off, token' }).optional(),
      API_DOCS_TOKEN: z.string().min(32, { error: 'must be at least 32 characters' }).max(512).optional(),
      API_DOCS_OAUTH_ISSUER: httpUrl.default(DEFAULT_OAUTH_ISSUER),
      API_DOCS_OAUTH_AUTHORIZATION_URL: httpUrl.optional(),
      API_DOCS_OAUTH_TOKEN_URL: httpUrl.optional(),
    }),
    process.env,
  );
  const production = env.NODE_ENV === 'production';
  // Unset: on for the demo and development, off in production.
  const mode = env.API_DOCS ?? (production ? 'off' : 'on');
  if (mode === 'token' && !env.API_DOCS_TOKEN) {
    throw new ConfigError([{ variable: 'API_DOCS_TOKEN', message: 'is required when API_DOCS=token' }]);
  }
  if (production && env.API_DOCS_TOKEN && isPlaceholderSecret(env.API_DOCS_TOKEN)) {
    throw new ConfigError([{ variable: 'API_DOCS_TOKEN', message: 'is a placeholder; generate one (e.g. openssl rand -base64 32)' }]);
  }
  const issuer = env.API_DOCS_OAUTH_ISSUER.replace(/\/+$/, '');
  return {
    API_DOCS: mode,
    API_DOCS_TOKEN: env.API_DOCS_TOKEN,
    API_DOCS_OAUTH_ISSUER: issuer,
    // oidc-provider's default endpoint paths; correct them here when the auth server moves them.
    API_DOCS_OAUTH_AUTHORIZATION_URL: env.API_DOCS_OAUTH_AUTHORIZATION_URL ?? `${issuer}/oidc/auth`,
    API_DOCS_OAUTH_TOKEN_URL: env.API_DOCS_OAUTH_TOKEN_URL ?? `${issuer}/oidc/token`,
    API_DOCS_OIDC_DISCOVERY_URL: `${issuer}/.well-known/openid-configuration`,
  };
});
