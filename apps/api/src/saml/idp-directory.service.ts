import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { SamlError, type SamlIdentityProvider } from '@bastion/auth-saml';
import { PrismaService, type Role } from '@bastion/database';
import { ProblemException } from '@bastion/problem-details';
import { samlConfig } from '../config';

/** The key of the identity provider configured in the environment. */
export const ENV_IDP_KEY = 'env';

/** An identity provider with what the demo adds: its tenant and its group-to-role map. */
export interface TenantIdp {
  provider: SamlIdentityProvider;
  tenantId: string;
  groupRoles: Record<string, Role>;
  defaultRole: Role;
}

/**
 * Finds the identity providers the API trusts: the one in the environment
 * (in the tenant `SAML_IDP_TENANT`) and those tenant admins stored in
 * `saml_identity_providers`. Read on every use, so an admin's change applies
 * to the next sign-in on every instance.
 */
@Injectable()
export class IdpDirectory {
  constructor(
    private readonly prisma: PrismaService,
    @Inject(samlConfig.KEY) private readonly cfg: ConfigType<typeof samlConfig>,
  ) {}

  /** The environment's IdP entity id, when one is configured. */
  get envIssuer(): string | undefined {
    return this.cfg.SAML_IDP_ISSUER;
  }

  /** The IdP whose entity id is `issuer` (an assertion's, not yet trusted), or a refusal. */
  async byIssuer(issuer: string): Promise<TenantIdp> {
    if (this.cfg.SAML_IDP_ISSUER !== undefined && issuer === this.cfg.SAML_IDP_ISSUER) {
      const env = await this.envIdp();
      if (env) return env;
    }
    const row = await this.prisma.samlIdentityProvider.findUnique({ where: { entityId: issuer } });
    if (!row || !row.enabled) throw new SamlError('ERR_SAML_UNKNOWN_IDP', 'The response comes from an identity provider this service does not trust');
    return this.fromRow(row);
  }

  /** The IdP a sign-in of `tenantSlug` starts at: the one named by `idp`, or the tenant's only one. */
  async forTenant(tenantSlug: string, idp?: string): Promise<TenantIdp> {
    const tenant = await this.prisma.tenant.findUnique({ where: { slug: tenantSlug } });
    const candidates: TenantIdp[] = [];
    if (tenant) {
      const env = await this.envIdp();
      if (env && env.tenantId === tenant.id) candidates.push(env);
      const rows = await this.prisma.samlIdentityProvider.findMany({ where: { tenantId: tenant.id, enabled: true }, orderBy: { createdAt: 'asc' } });
      candidates.push(...rows.map((r) => this.fromRow(r)));
    }
    const chosen = idp === undefined ? candidates : candidates.filter((c) => c.provider.key === idp);
    if (chosen.length === 0) throw new ProblemException(404, { detail: 'This tenant has no such SAML identity provider', code: 'ERR_SAML_NO_IDP' });
    if (chosen.length > 1) {
      throw new ProblemException(400, { detail: 'This tenant has several identity providers; name one with ?idp=', code: 'ERR_SAML_IDP_AMBIGUOUS', extensions: { idps: chosen.map((c) => c.provider.key) } });
    }
    return chosen[0] as TenantIdp;
  }

  private async envIdp(): Promise<TenantIdp | undefined> {
    const c = this.cfg;
    if (!c.SAML_IDP_ENTRY_POINT || !c.SAML_IDP_ISSUER || !c.SAML_IDP_CERT) return undefined;
    const tenant = await this.prisma.tenant.findUnique({ where: { slug: c.SAML_IDP_TENANT }, select: { id: true } });
    if (!tenant) return undefined;
    return {
      provider: { key: ENV_IDP_KEY, entityId: c.SAML_IDP_ISSUER, entryPoint: c.SAML_IDP_ENTRY_POINT, certificates: c.SAML_IDP_CERT, allowIdpInitiated: c.SAML_IDP_ALLOW_IDP_INITIATED },
      tenantId: tenant.id,
      groupRoles: c.SAML_IDP_GROUP_ROLES,
      defaultRole: c.SAML_IDP_DEFAULT_ROLE,
    };
  }

  private fromRow(row: { id: string; tenantId: string; entityId: string; entryPoint: string; certificates: string[]; allowIdpInitiated: boolean; groupRoles: unknown; defaultRole: Role }): TenantIdp {
    return {
      provider: { key: row.id, entityId: row.entityId, entryPoint: row.entryPoint, certificates: row.certificates, allowIdpInitiated: row.allowIdpInitiated },
      tenantId: row.tenantId,
      groupRoles: (row.groupRoles ?? {}) as Record<string, Role>,
      defaultRole: row.defaultRole,
    };
  }
}
