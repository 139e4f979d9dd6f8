import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { SAML_MALFORMED_CODES, SamlError, type SamlIdentity, SamlServiceProvider } from '@bastion/auth-saml';
import { PrismaService, type Role, type User } from '@bastion/database';
import { ProblemException } from '@bastion/problem-details';
import { isEmail } from 'class-validator';
import { SecurityEvents } from '../audit/security-events.service';
import { PrincipalCache } from '../auth/principal-cache.service';
import type { ClientRequest } from '../common/client-request';
import { samlConfig } from '../config';
import { IdpDirectory, type TenantIdp } from './idp-directory.service';
import { isUniqueViolation } from './unique-violation';

// Most privileged first: a user in several mapped groups gets the highest role.
const ROLE_ORDER: Role[] = ['admin', 'editor', 'viewer'];

/** Passwords no argon2 verify can match: a federated user signs in through the IdP only. */
const NO_PASSWORD = '!federated';

/**
 * Turns a posted `SAMLResponse` into a Bastion user: validated by the SAML
 * lib, then linked by NameID, or by email inside the IdP's tenant, or
 * created (JIT); the IdP's groups set the role. Every sign-in and every
 * refusal goes to the audit trail.
 */
@Injectable()
export class SamlLoginService {
  private readonly logger = new Logger('Saml');

  constructor(
    private readonly sp: SamlServiceProvider,
    private readonly directory: IdpDirectory,
    private readonly prisma: PrismaService,
    private readonly events: SecurityEvents,
    private readonly principals: PrincipalCache,
    @Inject(samlConfig.KEY) private readonly cfg: ConfigType<typeof samlConfig>,
  ) {}

  async signIn(samlResponse: unknown, req: ClientRequest): Promise<User> {
    let idp: TenantIdp | undefined;
    let identity: SamlIdentity | undefined;
    try {
      const inspected = this.sp.inspect(samlResponse);
      idp = await this.directory.byIssuer(inspected.issuer);
      identity = await this.sp.validate(inspected, idp.provider);
      const user = await this.provision(identity, idp);
      this.events.record(
        {
          action: 'auth.saml.login',
          outcome: 'success',
          actorId: user.id,
          actorType: 'user',
          tenantId: user.tenantId,
          target: { type: 'saml-idp', id: idp.provider.key },
          details: { role: user.role, solicited: identity.solicited, assertion: identity.assertionId.slice(0, 64) },
        },
        req,
      );
      return user;
    } catch (error) {
      const refusal = this.toProblem(error);
      this.events.record(
        {
          action: 'auth.saml.login',
          outcome: 'failure',
          tenantId: idp?.tenantId,
          target: idp ? { type: 'saml-idp', id: idp.provider.key } : undefined,
          details: { code: refusal.problem.code },
          alertKey: identity?.email ?? idp?.provider.key ?? req.ip,
        },
        req,
      );
      throw refusal;
    }
  }

  /** SAML errors and refusals as problem details; anything else is logged and becomes a bare 500. */
  private toProblem(error: unknown): ProblemException {
    if (error instanceof ProblemException) return error;
    if (error instanceof SamlError) {
      if (error.cause) this.logger.warn(`${error.code}: ${(error.cause as Error).message ?? ''}`);
      const status = SAML_MALFORMED_CODES.includes(error.code) ? 400 : error.code === 'ERR_SAML_UNAVAILABLE' ? 503 : 401;
      return new ProblemException(status, { detail: error.message, code: error.code });
    }
    throw error;
  }

  /** Links or creates the user of `identity` in the IdP's tenant and applies the role its groups map to. */
  private async provision(identity: SamlIdentity, idp: TenantIdp): Promise<User> {
    const role = this.roleOf(identity, idp);
    const link = await this.prisma.samlIdentity.findUnique({ where: { idpKey_nameId: { idpKey: identity.idpKey, nameId: identity.nameId } }, include: { user: true } });
    let user = link?.user ?? null;
    if (!user) {
      const email = identity.email;
      // Step: an email is required to link or create an account, and must look like one.
      if (!email || email.length > 254 || !isEmail(email)) {
        throw new ProblemException(401, { detail: 'The identity provider sent no usable email address', code: 'ERR_SAML_NO_EMAIL' });
      }
      const existing = await this.prisma.user.findUnique({ where: { email } });
      // Step: an IdP speaks for its own tenant only; an account of another tenant is never linked (no cross-tenant takeover).
      if (existing && existing.tenantId !== idp.tenantId) {
        throw new ProblemException(403, { detail: 'This account belongs to another organisation', code: 'ERR_SAML_ACCOUNT_CONFLICT' });
      }
      user = existing ?? (await this.create(identity, email, role, idp.tenantId));
      await this.prisma.samlIdentity.upsert({
        where: { idpKey_nameId: { idpKey: identity.idpKey, nameId: identity.nameId } },
        create: { idpKey: identity.idpKey, nameId: identity.nameId, userId: user.id },
        update: { lastLoginAt: new Date() },
      });
    } else {
      await this.prisma.samlIdentity.update({ where: { id: (link as { id: string }).id }, data: { lastLoginAt: new Date() } });
    }
    if (user.tenantId !== idp.tenantId) throw new ProblemException(403, { detail: 'This account belongs to another organisation', code: 'ERR_SAML_ACCOUNT_CONFLICT' });
    if (user.status !== 'active') throw new ProblemException(403, { detail: 'The account is disabled', code: 'ERR_SAML_ACCOUNT_DISABLED' });
    // The IdP is the source of truth for a federated user's role: applied at every sign-in.
    if (user.role !== role) {
      user = await this.prisma.user.update({ where: { id: user.id }, data: { role } });
      // Every instance drops its cached copy of this user before the new session starts (see PrincipalCache).
      await this.principals.changed(user.id);
    }
    return user;
  }

  private async create(identity: SamlIdentity, email: string, role: Role, tenantId: string): Promise<User> {
    const first = (names: string[]) => names.map((n) => identity.attributes[n]?.[0]).find((v) => typeof v === 'string' && v.trim() !== '');
    const displayName = (first(['displayName', 'name', 'http://schemas.microsoft.com/identity/claims/displayname']) ?? email.split('@')[0] ?? email).slice(0, 100);
    const department = (first(['department', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/department']) ?? 'federated').slice(0, 64);
    try {
      return await this.prisma.user.create({ data: { email, displayName, department, role, tenantId, passwordHash: NO_PASSWORD } });
    } catch (error) {
      // Two first sign-ins of one person at once: the other one created the row.
      if (isUniqueViolation(error)) return this.prisma.user.findUniqueOrThrow({ where: { email } });
      throw error;
    }
  }

  /** The most privileged role any of the user's groups maps to, else the IdP's default. */
  roleOf(identity: SamlIdentity, idp: TenantIdp): Role {
    const groups = new Set(this.cfg.SAML_GROUP_ATTRIBUTES.flatMap((name) => identity.attributes[name] ?? []));
    const mapped = [...groups].map((g) => (Object.hasOwn(idp.groupRoles, g) ? idp.groupRoles[g] : undefined)).filter((r): r is Role => r !== undefined && ROLE_ORDER.includes(r));
    return ROLE_ORDER.find((r) => mapped.includes(r)) ?? idp.defaultRole;
  }
}
