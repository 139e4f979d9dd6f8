import { withExactEnv } from '../../../../test/support/exact-env';
import { oidcConfig } from './oidc.config';

const load = (env: Record<string, string>) => withExactEnv(env, () => oidcConfig());

describe('oidc config', () => {
  it('has embedded-demo defaults: the issuer on loopback, the API as resource, the API login limits', () => {
    const cfg = load({});
    expect(cfg.AUTH_SERVER_ISSUER).toBe('http://127.0.0.1:3001');
    expect(cfg.OAUTH_API_RESOURCE).toBe('urn:bastion:api');
    expect(cfg.RATE_LIMIT_LOGIN).toBe('5/15m');
    expect(cfg.RATE_LIMIT_LOGIN_ADDRESS).toBe('20/15m');
    expect(cfg.OAUTH_BASTION_API_REDIRECT_URIS).toEqual([]);
    expect(load({ AUTH_SERVER_PORT: '4001' }).AUTH_SERVER_ISSUER).toBe('http://127.0.0.1:4001');
    expect(load({ OAUTH_BASTION_API_REDIRECT_URIS: 'http://127.0.0.1:5000/cb, https://a.example/cb' }).OAUTH_BASTION_API_REDIRECT_URIS).toEqual(['http://127.0.0.1:5000/cb', 'https://a.example/cb']);
  });

  it('refuses to start in production without issuer, keys and cookie keys, or with a placeholder', () => {
    const good = { NODE_ENV: 'production', AUTH_SERVER_ISSUER: 'https://auth.example.org', OIDC_JWKS_FILE: '/run/keys/oidc.json', OIDC_COOKIE_KEYS: 'q3JzVbN1l0m8yYtP7cX2fW9kR4sD6hG0aB5eT1uI' };
    expect(load(good).OIDC_COOKIE_KEYS).toEqual([good.OIDC_COOKIE_KEYS]);
    expect(() => load({ ...good, OIDC_JWKS_FILE: '' })).toThrow(/OIDC_JWKS_FILE/);
    const { OIDC_COOKIE_KEYS: _, ...noCookies } = good;
    expect(() => load(noCookies)).toThrow(/OIDC_COOKIE_KEYS/);
    const { AUTH_SERVER_ISSUER: __, ...noIssuer } = good;
    expect(() => load(noIssuer)).toThrow(/AUTH_SERVER_ISSUER/);
    expect(() => load({ ...good, OIDC_COOKIE_KEYS: 'change-me-change-me-change-me-change-me' })).toThrow(/placeholder/);
    expect(() => load({ ...good, OIDC_COOKIE_KEYS: 'short' })).toThrow(/32 characters/);
  });

  it('names bad values', () => {
    expect(() => load({ AUTH_SERVER_ISSUER: 'http://127.0.0.1:3001/' })).toThrow(/AUTH_SERVER_ISSUER/);
    expect(() => load({ AUTH_SERVER_ISSUER: 'ftp://x' })).toThrow(/AUTH_SERVER_ISSUER/);
    expect(() => load({ OAUTH_BASTION_API_REDIRECT_URIS: 'not a url' })).toThrow(/OAUTH_BASTION_API_REDIRECT_URIS/);
    expect(() => load({ RATE_LIMIT_LOGIN: 'lots' })).toThrow(/RATE_LIMIT_LOGIN/);
  });
});
