import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { AuthError, type AuthPrincipal, type ExternalTokenVerifier } from '@bastion/auth';
import { OidcTokenError, OidcTokenVerifier, type VerifiedOidcToken } from '@bastion/auth-oidc';
import { PrismaService } from '@bastion/database';
import { oidcConfig } from '../config';
import type { OidcIssuerSetting } from '../config/oidc.config';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A stable UUID for a client of an external issuer: the principal's `sub`
 * must be a UUID (routes look users up by it) and must never be a user's.
 */
export function clientPrincipalId(issuer: string, clientId: string): string {
  const h = createHash('sha256').update(`${issuer}\n${clientId}`).digest('hex');
  // RFC 9562 version 8 (custom), variant 10.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The API's side of external access tokens: `@bastion/auth-oidc` verifies
 * the token, this maps it to a principal. A user behind the token acts as
 * that user narrowed by the token's scopes (authz intersects them with the
 * role); a client (RFC 9068 §2.2: `sub` equals `client_id`, or a subject no
 * OIDC login has linked) acts in one tenant only: the one a trusted claim
 * names, or the issuer's configured tenant.
 */
@Injectable()
export class ExternalTokens implements ExternalTokenVerifier {
  private readonly settings = new Map<string, OidcIssuerSetting>();
  private readonly tenants = new Map<string, string | null>();

  constructor(
    private readonly verifier: OidcTokenVerifier,
    private readonly prisma: PrismaService,
    @Inject(oidcConfig.KEY) cfg: ConfigType<typeof oidcConfig>,
  ) {
    for (const s of cfg.OIDC_ISSUERS) this.settings.set(s.name, s);
  }

  accepts(issuer: string): boolean {
    return this.verifier.accepts(issuer);
  }

  async verify(token: string): Promise<AuthPrincipal> {
    let t: VerifiedOidcToken;
    try {
      t = await this.verifier.verify(token);
    } catch (cause) {
      if (cause instanceof OidcTokenError && cause.code === 'ERR_OIDC_TOKEN_EXPIRED') throw new AuthError('ERR_AUTH_TOKEN_EXPIRED', cause.message, { cause });
      // An unreachable issuer refuses its own tokens only (401, not 5xx): the API and other issuers go on.
      if (cause instanceof OidcTokenError) throw new AuthError('ERR_AUTH_TOKEN_INVALID', cause.message, { cause });
      throw new AuthError('ERR_AUTH_TOKEN_INVALID', 'The access token is invalid', { cause });
    }
    const setting = this.settings.get(t.issuerName) as OidcIssuerSetting;
    // `iat` (required by the verifier): a user's sign-out or disabling also ends the tokens other issuers gave them before it.
    const issuedAt = typeof t.claims.iat === 'number' ? Math.floor(t.claims.iat) * 1000 : undefined;
    const base = { method: 'oidc' as const, scopes: t.scopes, issuer: t.issuer, tokenId: t.tokenId, expiresAt: t.expiresAt, issuedAt };
    const isClient = t.clientId !== undefined && t.subject === t.clientId;
    if (!isClient) {
      const userId = await this.userOf(setting, t);
      if (userId) return { ...base, sub: userId, actor: 'user', attributes: t.clientId ? { client_id: t.clientId } : {} };
    }
    const tenantId = await this.tenantOf(setting, t);
    if (!tenantId) throw new AuthError('ERR_AUTH_TOKEN_INVALID', 'The access token names no tenant this API knows');
    return { ...base, sub: clientPrincipalId(t.issuer, t.subject), actor: 'client', attributes: { tid: tenantId, client_id: t.subject } };
  }

  /** The Bastion user behind the token, if any. */
  private async userOf(setting: OidcIssuerSetting, t: VerifiedOidcToken): Promise<string | undefined> {
    if (setting.subject === 'bastion-user') {
      // The demo server's user tokens carry the user id; anything else there is not a user.
      if (!UUID.test(t.subject)) throw new AuthError('ERR_AUTH_TOKEN_INVALID', 'The access token is invalid');
      return t.subject.toLowerCase();
    }
    const link = await this.prisma.federatedIdentity.findUnique({ where: { issuer_subject: { issuer: t.issuer, subject: t.subject } }, select: { userId: true } });
    return link?.userId;
  }

  /** A client's tenant: a claim only from issuers configured to assert tenants, else the issuer's own tenant. */
  private async tenantOf(setting: OidcIssuerSetting, t: VerifiedOidcToken): Promise<string | undefined> {
    if (setting.tenantClaim && Object.hasOwn(t.claims, setting.tenantClaim)) {
      const claimed = t.claims[setting.tenantClaim];
      if (typeof claimed !== 'string' || !UUID.test(claimed)) return undefined;
      return (await this.tenant({ id: claimed.toLowerCase() })) ?? undefined;
    }
    return setting.tenant ? ((await this.tenant({ slug: setting.tenant })) ?? undefined) : undefined;
  }

  private async tenant(where: { id: string } | { slug: string }): Promise<string | null> {
    const key = JSON.stringify(where);
    if (this.tenants.has(key)) return this.tenants.get(key) as string | null;
    const row = await this.prisma.tenant.findUnique({ where, select: { id: true } });
    // Known tenants are remembered; an unknown one is asked again (it may be created later), at most 1000 remembered.
    if (row && this.tenants.size < 1000) this.tenants.set(key, row.id);
    return row?.id ?? null;
  }
}
