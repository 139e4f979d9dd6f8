import { Injectable, NotFoundException } from '@nestjs/common';
import { type AuthzContext, AuthzService } from '@bastion/authz';
import { Prisma, PrismaService, type Role, type SamlIdentityProvider } from '@bastion/database';
import { ProblemException } from '@bastion/problem-details';
import { SecurityEvents } from '../audit/security-events.service';
import { tenantOf } from '../authz/tenant';
import { certificatesIn } from '../config/saml.config';
import type { CreateIdentityProviderDto, UpdateIdentityProviderDto } from './dto/identity-provider.dto';
import { IdpDirectory } from './idp-directory.service';
import { isUniqueViolation } from './unique-violation';

const ROLES: Role[] = ['admin', 'editor', 'viewer'];
const SUBJECT = 'SamlIdentityProvider';

function invalid(detail: string): never {
  throw new ProblemException(400, { detail, code: 'ERR_SAML_IDP_INVALID' });
}

/** Exactly one PEM certificate per entry, each one parseable. */
function checkCertificates(list: string[]): string[] {
  return list.map((text, i) => {
    let found: string[] = [];
    try {
      found = certificatesIn(text);
    } catch {
      // reported below
    }
    if (found.length !== 1) invalid(`certificates[${i}] must be one PEM certificate`);
    return found[0] as string;
  });
}

function checkGroupRoles(map: Record<string, string>): Record<string, Role> {
  const entries = Object.entries(map);
  if (entries.length > 100) invalid('groupRoles may map at most 100 groups');
  for (const [group, role] of entries) {
    if (group.length === 0 || group.length > 256) invalid('groupRoles keys are group names of 1 to 256 characters');
    if (!ROLES.includes(role as Role)) invalid(`groupRoles["${group.slice(0, 64)}"] must be admin, editor or viewer`);
  }
  return map as Record<string, Role>;
}

/**
 * A tenant's SAML identity providers, for its admins: every row is read and
 * written inside the caller's tenant and checked against the caller's CASL
 * ability; another tenant's IdP is a 404.
 */
@Injectable()
export class IdentityProvidersService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly authz: AuthzService,
    private readonly directory: IdpDirectory,
    private readonly events: SecurityEvents,
  ) {}

  list(ctx: AuthzContext): Promise<SamlIdentityProvider[]> {
    const where = { AND: [{ tenantId: tenantOf(ctx) }, this.authz.accessibleWhere(ctx.ability, 'read', SUBJECT) as Prisma.SamlIdentityProviderWhereInput] };
    return this.prisma.samlIdentityProvider.findMany({ where, orderBy: { createdAt: 'asc' } });
  }

  async read(ctx: AuthzContext, id: string): Promise<SamlIdentityProvider> {
    const row = await this.load(ctx, id);
    this.authz.assert(ctx.principal, ctx.ability, 'read', SUBJECT, row as never);
    return row;
  }

  async create(ctx: AuthzContext, dto: CreateIdentityProviderDto): Promise<SamlIdentityProvider> {
    const data = {
      tenantId: tenantOf(ctx),
      name: dto.name,
      entityId: this.entityId(dto.entityId),
      entryPoint: dto.entryPoint,
      certificates: checkCertificates(dto.certificates),
      allowIdpInitiated: dto.allowIdpInitiated ?? false,
      groupRoles: checkGroupRoles(dto.groupRoles ?? {}),
      defaultRole: dto.defaultRole ?? 'viewer',
      enabled: dto.enabled ?? true,
    };
    this.authz.assert(ctx.principal, ctx.ability, 'create', SUBJECT, data);
    const row = await this.unique(() => this.prisma.samlIdentityProvider.create({ data }));
    this.record(ctx, 'saml.idp.create', row);
    return row;
  }

  async update(ctx: AuthzContext, id: string, dto: UpdateIdentityProviderDto): Promise<SamlIdentityProvider> {
    const row = await this.load(ctx, id);
    this.authz.assert(ctx.principal, ctx.ability, 'update', SUBJECT, row as never);
    const data: Prisma.SamlIdentityProviderUpdateInput = {
      ...(dto.name !== undefined ? { name: dto.name } : {}),
      ...(dto.entityId !== undefined ? { entityId: this.entityId(dto.entityId) } : {}),
      ...(dto.entryPoint !== undefined ? { entryPoint: dto.entryPoint } : {}),
      ...(dto.certificates !== undefined ? { certificates: checkCertificates(dto.certificates) } : {}),
      ...(dto.allowIdpInitiated !== undefined ? { allowIdpInitiated: dto.allowIdpInitiated } : {}),
      ...(dto.groupRoles !== undefined ? { groupRoles: checkGroupRoles(dto.groupRoles) } : {}),
      ...(dto.defaultRole !== undefined ? { defaultRole: dto.defaultRole } : {}),
      ...(dto.enabled !== undefined ? { enabled: dto.enabled } : {}),
    };
    const updated = await this.unique(() => this.prisma.samlIdentityProvider.update({ where: { id: row.id }, data }));
    this.record(ctx, 'saml.idp.update', updated);
    return updated;
  }

  async remove(ctx: AuthzContext, id: string): Promise<void> {
    const row = await this.load(ctx, id);
    this.authz.assert(ctx.principal, ctx.ability, 'delete', SUBJECT, row as never);
    await this.prisma.$transaction([
      this.prisma.samlIdentity.deleteMany({ where: { idpKey: row.id } }),
      this.prisma.samlIdentityProvider.delete({ where: { id: row.id } }),
    ]);
    this.record(ctx, 'saml.idp.delete', row);
  }

  // Rows of another tenant do not exist for the caller (no existence leak).
  private async load(ctx: AuthzContext, id: string): Promise<SamlIdentityProvider> {
    const row = await this.prisma.samlIdentityProvider.findFirst({ where: { id, tenantId: tenantOf(ctx) } });
    if (!row) throw new NotFoundException('No such identity provider');
    return row;
  }

  // The environment's IdP owns its entity id: a stored IdP may not claim it.
  private entityId(value: string): string {
    if (value === this.directory.envIssuer) this.taken();
    return value;
  }


  private taken(): never {
    throw new ProblemException(409, { detail: 'Another identity provider already has this entity id', code: 'ERR_SAML_IDP_EXISTS' });
  }

  private async unique<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (isUniqueViolation(error)) this.taken();
      throw error;
    }
  }

  private record(ctx: AuthzContext, action: string, row: SamlIdentityProvider): void {
    this.events.record({ action, outcome: 'success', actorId: ctx.principal.id, actorType: 'user', tenantId: row.tenantId, target: { type: 'saml-idp', id: row.id }, details: { entityId: row.entityId.slice(0, 200), enabled: row.enabled } });
  }
}
