import { ConfigError } from '@bastion/config';
import { withExactEnv } from '../../../../test/support/exact-env';
import { oidcConfig } from './oidc.config';

const load = (env: Record<string, string>) => withExactEnv(env, () => oidcConfig());

const provider = (extra: Record<string, unknown>) =>
  JSON.stringify([
    {
      name: 'corp',
      discoveryUrl: 'https://id.example.com/.well-known/openid-configuration',
      clientId: 'api',
      clientSecret: 'a-real-secret',
      tenant: 'acme',
      redirectUri: 'https://api.example.com/v1/auth/oidc/callback',
      ...extra,
    },
  ]);

describe('oidcConfig trustedDomains', () => {
  it('trusts no domain unless told: a provider links no existing account by default', () => {
    expect(load({ OIDC_LOGIN_PROVIDERS: provider({}) }).OIDC_LOGIN_PROVIDERS[0]?.trustedDomains).toEqual([]);
    expect(load({ OIDC_LOGIN_PROVIDERS: provider({ trustedDomains: ['example.com', 'eu.example.co.uk'] }) }).OIDC_LOGIN_PROVIDERS[0]?.trustedDomains).toEqual(['example.com', 'eu.example.co.uk']);
  });

  it('the demo provider is trusted for the seeded users\' domain only', () => {
    expect(load({}).OIDC_LOGIN_PROVIDERS[0]?.trustedDomains).toEqual(['example.com']);
  });

  it('refuses what is not a lowercase domain, naming the variable', () => {
    for (const bad of ['Example.com', 'localhost', '*.example.com', '-x.example.com', 'example.c0m', 'a@example.com', '']) {
      let error: unknown;
      try {
        load({ OIDC_LOGIN_PROVIDERS: provider({ trustedDomains: [bad] }) });
      } catch (e) {
        error = e;
      }
      expect([bad, error instanceof ConfigError && error.problems.some((p) => p.variable === 'OIDC_LOGIN_PROVIDERS')]).toEqual([bad, true]);
    }
  });
});
