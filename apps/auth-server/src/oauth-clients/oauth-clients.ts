import type { PrismaClient } from '@bastion/database';
import { generateClientSecret, hashClientSecret } from '../oidc/client-secret';
import { API_SCOPES } from '../oidc/oidc-provider.factory';

/** Scopes a client may be registered for. */
export const CLIENT_SCOPES = ['openid', 'profile', 'email', 'offline_access', ...API_SCOPES] as const;
/** Grants a client may be registered for: no implicit, no password (oidc-provider has neither). */
export const CLIENT_GRANTS = ['authorization_code', 'refresh_token', 'client_credentials'] as const;

/** What `npm run oauth:client -- create` asks for. */
export interface NewClient {
  id: string;
  name: string;
  /** Tenant slug, e.g. `acme`. */
  tenant: string;
  /** confidential: gets a secret (client_secret_basic); public: none, PKCE only. */
  type: 'confidential' | 'public';
  grants: string[];
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  scopes: string[];
}

/** A bad `create` input, naming what was wrong. */
export class OAuthClientError extends Error {}

function checkUri(uri: string, what: string): void {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new OAuthClientError(`${what} "${uri}" is not an absolute URL`);
  }
  // RFC 9700 §4.1: exact, absolute redirect URIs; plain http only on loopback (RFC 8252 §7.3).
  const loopback = ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
  if (url.hash) throw new OAuthClientError(`${what} "${uri}" must not have a fragment`);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) throw new OAuthClientError(`${what} "${uri}" must be https (http only on loopback)`);
}

/** Checks a new client's settings: every problem names the option. */
export function validateNewClient(c: NewClient): void {
  if (!/^[a-z0-9][a-z0-9._-]{2,99}$/.test(c.id)) throw new OAuthClientError('--id must be 3-100 characters: a-z, 0-9, ".", "_", "-"');
  if (!c.name || c.name.length > 200) throw new OAuthClientError('--name is required (at most 200 characters)');
  if (c.type !== 'confidential' && c.type !== 'public') throw new OAuthClientError('--type must be confidential or public');
  if (c.grants.length === 0) throw new OAuthClientError('--grant is required');
  for (const g of c.grants) if (!(CLIENT_GRANTS as readonly string[]).includes(g)) throw new OAuthClientError(`--grant "${g}" is not one of ${CLIENT_GRANTS.join(', ')}`);
  for (const s of c.scopes) if (!(CLIENT_SCOPES as readonly string[]).includes(s)) throw new OAuthClientError(`--scope "${s}" is not one of ${CLIENT_SCOPES.join(', ')}`);
  if (c.type === 'public' && c.grants.includes('client_credentials')) throw new OAuthClientError('a public client cannot use client_credentials (it has no secret)');
  if (c.grants.includes('authorization_code') && c.redirectUris.length === 0) throw new OAuthClientError('--redirect-uri is required for authorization_code');
  if (!c.grants.includes('authorization_code') && c.redirectUris.length > 0) throw new OAuthClientError('--redirect-uri needs the authorization_code grant');
  for (const u of c.redirectUris) checkUri(u, '--redirect-uri');
  for (const u of c.postLogoutRedirectUris ?? []) checkUri(u, '--post-logout-redirect-uri');
}

/** Registers a client; returns its secret (confidential clients), which is not stored and cannot be shown again. */
export async function createOAuthClient(prisma: PrismaClient, c: NewClient): Promise<{ id: string; secret?: string }> {
  validateNewClient(c);
  const tenant = await prisma.tenant.findUnique({ where: { slug: c.tenant } });
  if (!tenant) throw new OAuthClientError(`--tenant "${c.tenant}" does not exist`);
  if (await prisma.oAuthClient.findUnique({ where: { id: c.id } })) throw new OAuthClientError(`a client "${c.id}" exists already (revoked clients keep their id)`);
  const secret = c.type === 'confidential' ? generateClientSecret() : undefined;
  const code = c.grants.includes('authorization_code');
  await prisma.oAuthClient.create({
    data: {
      id: c.id,
      name: c.name,
      tenantId: tenant.id,
      secretHash: secret ? hashClientSecret(secret) : null,
      metadata: {
        grant_types: c.grants,
        response_types: code ? ['code'] : [],
        redirect_uris: c.redirectUris,
        ...(c.postLogoutRedirectUris?.length ? { post_logout_redirect_uris: c.postLogoutRedirectUris } : {}),
        token_endpoint_auth_method: secret ? 'client_secret_basic' : 'none',
        scope: c.scopes.join(' '),
      },
    },
  });
  return { id: c.id, secret };
}

/** Every client, without secrets (only hashes exist). */
export async function listOAuthClients(prisma: PrismaClient) {
  const rows = await prisma.oAuthClient.findMany({ include: { tenant: true }, orderBy: { createdAt: 'asc' } });
  return rows.map((r) => {
    const m = r.metadata as { grant_types?: string[]; scope?: string; redirect_uris?: string[] };
    return {
      id: r.id,
      name: r.name,
      tenant: r.tenant.slug,
      type: r.secretHash ? 'confidential' : 'public',
      grants: m.grant_types ?? [],
      scopes: m.scope ?? '',
      redirectUris: m.redirect_uris ?? [],
      createdAt: r.createdAt,
      revokedAt: r.revokedAt,
    };
  });
}

/**
 * Revokes a client: it can no longer authenticate or be found, and its
 * grants, codes, refresh tokens and pending interactions are deleted. Its
 * JWT access tokens stay valid until they expire (at most 15 minutes).
 */
export async function revokeOAuthClient(prisma: PrismaClient, id: string): Promise<boolean> {
  const { count } = await prisma.oAuthClient.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
  await prisma.oidcPayload.deleteMany({ where: { payload: { path: ['clientId'], equals: id } } });
  return count === 1;
}
