import { Injectable, NotFoundException } from '@nestjs/common';
import { AuthzError, AuthzService, type PolicyRule, validatePolicyRules } from '@bastion/authz';
import { PrismaService, type Role } from '@bastion/database';
import { ProblemException } from '@bastion/problem-details';
import { SecurityEvents } from '../audit/security-events.service';
import { POLICY_SCHEMA } from './demo-policy';

/** A role's policy as the API shows it. */
export interface PolicyView {
  role: Role;
  rules: PolicyRule[];
  version: number;
  updatedAt: Date;
  updatedBy: string | null;
}

const ROLES: Role[] = ['admin', 'editor', 'viewer'];

/** Reads and replaces role policies: validated, versioned, with history, announced to every instance. */
@Injectable()
export class PoliciesService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly authz: AuthzService,
    private readonly events: SecurityEvents,
  ) {}

  async list(): Promise<PolicyView[]> {
    const rows = await this.prisma.policy.findMany({ orderBy: { role: 'asc' } });
    return rows.map((r) => ({ ...r, rules: r.rules as unknown as PolicyRule[] }));
  }

  async replace(role: string, rules: unknown, actorId: string): Promise<PolicyView> {
    if (!ROLES.includes(role as Role)) throw new NotFoundException(`No role "${role}"`);
    let valid: PolicyRule[];
    try {
      valid = validatePolicyRules(rules, POLICY_SCHEMA);
    } catch (error) {
      if (error instanceof AuthzError) throw new ProblemException(400, { detail: error.message, code: 'ERR_POLICY_INVALID' });
      throw error;
    }
    const saved = await this.prisma.$transaction(async (tx) => {
      // A transaction-scoped advisory lock serialises version numbers across instances.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(7270736901)`;
      const top = await tx.policy.aggregate({ _max: { version: true } });
      const version = (top._max.version ?? 0) + 1;
      const data = { rules: valid as never, version, updatedAt: new Date(), updatedBy: actorId };
      await tx.policyHistory.create({ data: { role: role as Role, ...data } });
      return tx.policy.upsert({ where: { role: role as Role }, create: { role: role as Role, ...data }, update: data });
    });
    await this.authz.changed();
    this.events.record({ action: 'policy.update', outcome: 'success', actorId, actorType: 'user', target: { type: 'policy', id: role }, details: { version: saved.version, rules: valid.length } });
    return { ...saved, rules: saved.rules as unknown as PolicyRule[] };
  }
}
