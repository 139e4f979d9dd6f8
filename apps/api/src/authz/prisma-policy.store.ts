import type { PolicyRule, PolicySet, PolicyStore } from '@bastion/authz';
import type { PrismaService } from '@bastion/database';

/** Policies in the `policies` table; the set's version is the highest role version. */
export class PrismaPolicyStore implements PolicyStore {
  constructor(private readonly prisma: PrismaService) {}

  async load(): Promise<PolicySet> {
    const rows = await this.prisma.policy.findMany();
    return {
      version: rows.reduce((v, r) => Math.max(v, r.version), 0),
      roles: Object.fromEntries(rows.map((r) => [r.role, r.rules as unknown as PolicyRule[]])),
    };
  }
}
