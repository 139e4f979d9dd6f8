import { ConfigError } from '@bastion/config';
import { withExactEnv } from '../../../../test/support/exact-env';
import { docsConfig } from './docs.config';
import { isPlaceholderSecret } from './placeholder-secret';

const load = (env: Record<string, string>) => withExactEnv(env, () => docsConfig());

describe('docsConfig', () => {
  it('serves the docs by default, but not in production', () => {
    expect(load({}).API_DOCS).toBe('on');
    expect(load({ NODE_ENV: 'production' }).API_DOCS).toBe('off');
    expect(load({ NODE_ENV: 'production', API_DOCS: 'on' }).API_DOCS).toBe('on');
  });

  it('derives the OAuth endpoints from the issuer, each overridable', () => {
    const cfg = load({ API_DOCS_OAUTH_ISSUER: 'https://id.example.com/' });
    expect(cfg.API_DOCS_OAUTH_AUTHORIZATION_URL).toBe('https://id.example.com/oidc/auth');
    expect(cfg.API_DOCS_OAUTH_TOKEN_URL).toBe('https://id.example.com/oidc/token');
    expect(cfg.API_DOCS_OIDC_DISCOVERY_URL).toBe('https://id.example.com/.well-known/openid-configuration');
    expect(load({ API_DOCS_OAUTH_TOKEN_URL: 'https://id.example.com/oauth/token' }).API_DOCS_OAUTH_TOKEN_URL).toBe('https://id.example.com/oauth/token');
  });

  it('refuses a bad mode, a token mode without token, a short or placeholder token in production, and URLs with credentials', () => {
    const variable = (env: Record<string, string>) => {
      try {
        load(env);
      } catch (e) {
        return (e as ConfigError).problems.map((p) => `${p.variable}: ${p.message}`);
      }
      return [];
    };
    expect(variable({ API_DOCS: 'public' })).toEqual(['API_DOCS: must be one of: on, off, token']);
    expect(variable({ API_DOCS: 'token' })).toEqual(['API_DOCS_TOKEN: is required when API_DOCS=token']);
    expect(variable({ API_DOCS: 'token', API_DOCS_TOKEN: 'short' })).toEqual(['API_DOCS_TOKEN: must be at least 32 characters']);
    expect(variable({ NODE_ENV: 'production', API_DOCS: 'token', API_DOCS_TOKEN: 'change-me-change-me-change-me-change-me' })).toEqual([
      'API_DOCS_TOKEN: is a placeholder; generate one (e.g. openssl rand -base64 32)',
    ]);
    expect(variable({ API_DOCS_OAUTH_ISSUER: 'https://user:pw@id.example.com' })).toEqual(['API_DOCS_OAUTH_ISSUER: must be an http(s) URL without credentials, query or fragment']);
  });

  it('tells placeholders from generated secrets', () => {
    for (const v of ['change-me', 'CHANGEME', '<your-token>', '${TOKEN}', 'xxxxxxxxxxxxxxxx', 'secret', 'your_secret_here']) expect([v, isPlaceholderSecret(v)]).toEqual([v, true]);
    expect(isPlaceholderSecret('k3Jx9vQ2mZ8pL5wR7tY1uE4iO6aS0dF2')).toBe(false);
  });
});
