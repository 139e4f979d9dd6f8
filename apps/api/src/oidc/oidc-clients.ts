import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { ProblemException } from '@bastion/problem-details';
// openid-client v5: CommonJS and OpenID-certified. v6 is ESM-only: Node
// 20.20 can require() it, Jest's module loader cannot (docs/oidc.md).
import { type BaseClient, custom, Issuer } from 'openid-client';
import { oidcConfig } from '../config';
import type { OidcLoginProvider } from '../config/oidc.config';

interface Entry {
  client?: BaseClient;
  pending?: Promise<BaseClient>;
  retryAt: number;
  backoffMs: number;
}

/**
 * One openid-client `Client` per login provider, discovered on first use
 * (the API starts while a provider is down), retried with exponential
 * backoff after a failure.
 */
@Injectable()
export class OidcClients {
  private readonly logger = new Logger('OidcLogin');
  private readonly providers = new Map<string, OidcLoginProvider>();
  private readonly entries = new Map<string, Entry>();

  constructor(@Inject(oidcConfig.KEY) cfg: ConfigType<typeof oidcConfig>) {
    for (const p of cfg.OIDC_LOGIN_PROVIDERS) this.providers.set(p.name, p);
  }

  /** The provider's settings, or undefined for a name that is not configured. */
  provider(name: string): OidcLoginProvider | undefined {
    return this.providers.get(name);
  }

  /** The provider's client; a 503 problem while its discovery fails. */
  async client(p: OidcLoginProvider): Promise<BaseClient> {
    const entry = this.entries.get(p.name) ?? { retryAt: 0, backoffMs: 0 };
    this.entries.set(p.name, entry);
    if (entry.client) return entry.client;
    if (!entry.pending) {
      if (Date.now() < entry.retryAt) throw this.unavailable();
      entry.pending = this.discover(p).then(
        (client) => {
          entry.client = client;
          entry.backoffMs = 0;
          return client;
        },
        (error: unknown) => {
          entry.backoffMs = Math.min(entry.backoffMs ? entry.backoffMs * 2 : 1000, 300_000);
          entry.retryAt = Date.now() + entry.backoffMs;
          this.logger.warn(`discovery of login provider ${p.name} failed: ${(error as Error).message}`);
          throw this.unavailable();
        },
      );
      void entry.pending.finally(() => (entry.pending = undefined)).catch(() => undefined);
    }
    return entry.pending;
  }

  private async discover(p: OidcLoginProvider): Promise<BaseClient> {
    const issuer = await Issuer.discover(p.discoveryUrl);
    const listed = issuer.metadata.id_token_signing_alg_values_supported;
    // One algorithm, fixed per client: from the settings, else from the provider's own metadata (never from a token).
    const alg = p.idTokenAlg ?? (!Array.isArray(listed) || listed.includes('RS256') ? 'RS256' : String(listed.find((a) => a !== 'none' && !String(a).startsWith('HS')) ?? 'RS256'));
    const client = new issuer.Client({
      client_id: p.clientId,
      client_secret: p.clientSecret,
      redirect_uris: [p.redirectUri],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      // OIDC Core §3.1.3.7: the ID token must be signed with the registered algorithm.
      id_token_signed_response_alg: alg,
    });
    client[custom.clock_tolerance] = 5;
    client[custom.http_options] = () => ({ timeout: 5000 });
    return client;
  }

  private unavailable(): ProblemException {
    return new ProblemException(503, { detail: 'The identity provider cannot be reached; try again shortly', code: 'ERR_OIDC_PROVIDER_UNAVAILABLE' });
  }
}
