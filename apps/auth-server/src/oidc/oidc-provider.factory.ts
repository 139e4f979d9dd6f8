import { Logger } from '@nestjs/common';
import { databaseProblem, type PrismaClient } from '@bastion/database';
import type { Configuration, KoaContextWithOIDC, default as ProviderType } from 'oidc-provider';
import { clientSecretMatches } from './client-secret';
import { importEsm } from './load-esm';
import type { OidcKeys } from './oidc-keys';
import { html, originOf, page, pageCsp } from './pages';
import { type ClientOverrides, PrismaOidcAdapter } from './prisma-oidc.adapter';

/** The scopes of the API as a resource server (apps/api/src/auth/scopes.ts). */
export const API_SCOPES = ['profile:read', 'documents:read', 'documents:write'] as const;

/** Every endpoint of oidc-provider sits under this prefix; discovery stays at the root. */
export const OIDC_PREFIX = '/oidc';

/** Lifetimes in seconds. Short codes and access tokens; refresh tokens rotate on every use. */
export const OIDC_TTL = {
  AccessToken: 15 * 60,
  AuthorizationCode: 60,
  ClientCredentials: 15 * 60,
  IdToken: 60 * 60,
  Interaction: 10 * 60,
  RefreshToken: 14 * 24 * 60 * 60,
  Session: 14 * 24 * 60 * 60,
  Grant: 14 * 24 * 60 * 60,
} as const;

/** What {@link createOidcProvider} needs. */
export interface OidcProviderOptions {
  issuer: string;
  apiResource: string;
  keys: OidcKeys;
  prisma: PrismaClient;
  clientOverrides: ClientOverrides;
  /** Believe X-Forwarded-Proto/-Host (TRUST_PROXY is set). */
  proxy: boolean;
  /** Receives token-endpoint failures (wrong secret, replayed code, reused refresh token) for the audit trail. */
  onTokenError?: (event: { clientId?: string; grantType?: string; error: string; address?: string }) => void;
}

type OidcModule = typeof import('oidc-provider');

let loading: Promise<OidcModule> | undefined;

/**
 * Starts loading oidc-provider (about 0.6 s of CPU, mostly module evaluation)
 * and returns the same promise every time: `npm start` calls it first so the
 * loading overlaps the database start.
 */
export function loadOidcProvider(): Promise<OidcModule> {
  loading ??= importEsm<OidcModule>('oidc-provider');
  return loading;
}

function setPage(ctx: KoaContextWithOIDC, status: number, title: string, body: string, returnOrigin?: string): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('content-security-policy', pageCsp(returnOrigin));
  ctx.set('cache-control', 'no-store');
  ctx.body = page(title, body);
}

/**
 * Builds the oidc-provider instance: authorization code with PKCE (S256,
 * every client), client credentials, rotating refresh tokens, introspection,
 * revocation, RP-initiated logout, and RFC 9068 JWT access tokens for the API
 * as the one resource server (RFC 8707), which is also the default audience.
 * Nothing of the protocol is written here: only oidc-provider's settings and
 * hooks. No implicit or hybrid response types (`responseTypes: ['code']`);
 * oidc-provider has no password grant.
 */
export async function createOidcProvider(o: OidcProviderOptions): Promise<ProviderType> {
  const { Provider, errors } = await loadOidcProvider();
  const logger = new Logger('OidcProvider');
  const apiScopes = new Set<string>(API_SCOPES);

  const configuration: Configuration = {
    adapter: (name: string) => new PrismaOidcAdapter(name, o.prisma, o.clientOverrides),
    clients: [],
    jwks: o.keys.jwks as Configuration['jwks'],
    cookies: {
      keys: o.keys.cookieKeys,
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    // Users are Bastion's users; an account that is gone or disabled has no claims and no tokens.
    findAccount: async (_ctx, sub) => {
      const user = await o.prisma.user.findUnique({ where: { id: sub } });
      if (!user || user.status !== 'active') return undefined;
      return {
        accountId: user.id,
        claims: async () => ({ sub: user.id, email: user.email, email_verified: true, name: user.displayName }),
      };
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // The API scopes too: a client's registered `scope` may only name scopes this server knows.
    scopes: ['openid', 'profile', 'email', 'offline_access', ...API_SCOPES],
    // The ID token carries the profile claims (the API's OIDC login reads them there).
    conformIdTokenClaims: false,
    // RFC 9700 §2.1.1: code flow only, no implicit; §2.1.1 PKCE for every client, S256 only (oidc-provider 9 knows no `plain`).
    responseTypes: ['code'],
    pkce: { required: () => true },
    // client_secret_jwt is left out: it needs the plaintext secret, and only its hash is stored.
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      id_token_signed_response_alg: 'ES256',
      token_endpoint_auth_method: 'client_secret_basic',
    },
    // ES256 everywhere; no HS* (symmetric keys would be derived from the stored hash).
    enabledJWA: {
      idTokenSigningAlgValues: ['ES256'],
      userinfoSigningAlgValues: ['ES256'],
      introspectionSigningAlgValues: ['ES256'],
      authorizationSigningAlgValues: ['ES256'],
      requestObjectSigningAlgValues: ['ES256'],
      clientAuthSigningAlgValues: ['ES256'],
    },
    extraClientMetadata: {
      properties: ['tenant_id'],
      validator(_ctx, key, value) {
        if (key === 'tenant_id' && (typeof value !== 'string' || !/^[0-9a-f-]{36}$/i.test(value))) {
          throw new errors.InvalidClientMetadata('tenant_id must be the uuid of a tenant');
        }
      },
    },
    // RFC 6749 §3.1.2.3: a registered redirect URI must always be named.
    allowOmittingSingleRegisteredRedirectUri: false,
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // RFC 7662 §4: only authenticated clients learn about tokens; a public client only about its own.
      introspection: {
        enabled: true,
        allowedPolicy: async (ctx, client, token) => client.clientAuthMethod !== 'none' || token.clientId === ctx.oidc.client?.clientId,
      },
      // RFC 7009 §2.1: a client revokes only tokens issued to it.
      revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          const returnOrigin = originOf(ctx.oidc.params?.post_logout_redirect_uri);
          setPage(ctx, 200, 'Sign out?', `${form}<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button><button type="submit" form="op.logoutForm">Stay signed in</button>`, returnOrigin);
        },
        postLogoutSuccessSource: async (ctx) => setPage(ctx, 200, 'Signed out', '<p>You are signed out.</p>'),
      },
      resourceIndicators: {
        enabled: true,
        // RFC 8707: a request that names no resource gets the API as audience.
        defaultResource: async (_ctx, _client, oneOf) => oneOf ?? o.apiResource,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, indicator, client) => {
          // Only the API is a resource server here; any other `resource` is invalid_target.
          if (indicator !== o.apiResource) throw new errors.InvalidTarget();
          // A client gets at most the API scopes it is registered for.
          const allowed = String(client.scope ?? '').split(' ').filter((s) => apiScopes.has(s));
          return {
            scope: allowed.join(' '),
            audience: o.apiResource,
            accessTokenTTL: OIDC_TTL.AccessToken,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
    // Client-credentials tokens name the tenant of the client (`tid`); user tokens carry only `sub`.
    extraTokenClaims: async (_ctx, token) => {
      if (token.kind !== 'ClientCredentials') return undefined;
      const client = await provider.Client.find(token.clientId as string);
      const tid = (client?.metadata() as { tenant_id?: string } | undefined)?.tenant_id;
      return tid ? { tid } : undefined;
    },
    // RFC 9700 §4.14.2: refresh tokens rotate on every use; oidc-provider revokes the grant when a used one comes back.
    rotateRefreshToken: () => true,
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    interactions: { url: async (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: { ...OIDC_TTL },
    routes: {
      authorization: `${OIDC_PREFIX}/auth`,
      backchannel_authentication: `${OIDC_PREFIX}/backchannel`,
      code_verification: `${OIDC_PREFIX}/device`,
      device_authorization: `${OIDC_PREFIX}/device/auth`,
      end_session: `${OIDC_PREFIX}/session/end`,
      introspection: `${OIDC_PREFIX}/token/introspection`,
      jwks: `${OIDC_PREFIX}/jwks`,
      pushed_authorization_request: `${OIDC_PREFIX}/request`,
      registration: `${OIDC_PREFIX}/reg`,
      revocation: `${OIDC_PREFIX}/token/revocation`,
      token: `${OIDC_PREFIX}/token`,
      userinfo: `${OIDC_PREFIX}/me`,
    },
    // Errors shown to a browser: the OAuth error code and description only, never internals; no redirect.
    renderError: async (ctx, out) => {
      setPage(ctx, ctx.status >= 400 ? ctx.status : 400, 'Sign-in error', `<p><strong>${html(out.error)}</strong></p><p>${html(out.error_description ?? '')}</p>`);
    },
  };

  const provider = new Provider(o.issuer, configuration);
  provider.proxy = o.proxy;
  // Stored secrets are SHA-256 hashes: hash what the client sent and compare in constant time.
  provider.Client.prototype.compareClientSecret = function (this: { clientSecret?: string }, actual: string) {
    return clientSecretMatches(this.clientSecret, actual);
  };
  provider.on('server_error', (ctx: KoaContextWithOIDC, error: Error) => {
    // The database (where grants, codes and sessions live) cannot answer: a temporary condition, so 503 with
    // Retry-After (RFC 9110 §15.6.4) and OAuth's own temporarily_unavailable code (RFC 6749 §4.1.2.1), not a 500.
    // oidc-provider emits this after it set the body and before Koa sends it.
    const down = databaseProblem(error);
    if (down) {
      logger.warn(`oidc-provider ${ctx.path}: ${down.log}`);
      ctx.status = 503;
      ctx.set('Retry-After', down.headers['Retry-After']);
      if (typeof ctx.body === 'object' && ctx.body !== null && !Buffer.isBuffer(ctx.body)) {
        ctx.body = { error: 'temporarily_unavailable', error_description: 'The service is temporarily unavailable; try again shortly.' };
      }
      return;
    }
    logger.error(`oidc-provider server error: ${error.message}`);
  });
  provider.on('grant.error', (ctx: KoaContextWithOIDC, error: { error?: string }) => {
    o.onTokenError?.({
      clientId: ctx.oidc?.client?.clientId,
      grantType: typeof ctx.oidc?.params?.grant_type === 'string' ? ctx.oidc.params.grant_type : undefined,
      error: error.error ?? 'server_error',
      address: ctx.ip,
    });
  });
  return provider;
}
