import { Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { AuthPrincipal } from '@bastion/auth';
import { type AuthzDenial, type AuthzPrincipal, AuthzModule as AuthzLibModule, MemoryPolicyChangeBus, RedisPolicyChangeBus } from '@bastion/authz';
import { SecurityEvents } from '../audit/security-events.service';
import { PrismaService } from '@bastion/database';
import { REDIS_CLIENT } from '@bastion/redis';
import type Redis from 'ioredis';
import { PrincipalCache } from '../auth/principal-cache.service';
import { authzConfig } from '../config';
import { POLICY_SCHEMA, SCOPE_GRANTS } from './demo-policy';
import { AuthzController } from './authz.controller';
import { PoliciesService } from './policies.service';
import { PrismaPolicyStore } from './prisma-policy.store';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const authzLib = AuthzLibModule.forRootAsync({
  inject: [authzConfig.KEY, PrismaService, REDIS_CLIENT, SecurityEvents, PrincipalCache],
  useFactory: (cfg: ConfigType<typeof authzConfig>, prisma: PrismaService, redis: Redis | null, events: SecurityEvents, principals: PrincipalCache) => ({
    // Every denial reaches the audit trail, the denial alert and /metrics.
    denialSink: {
      record: (d: AuthzDenial) =>
        events.record({
          action: 'authz.denied',
          outcome: 'denied',
          actorId: d.principalId,
          actorType: 'user',
          // Filed under the principal's tenant, so that the tenant's own admin sees it in the audit search.
          tenantId: UUID.test(d.attributes?.tenantId ?? '') ? d.attributes?.tenantId : undefined,
          target: { type: d.subject.slice(0, 32), id: d.subjectId },
          details: { action: d.action, reason: d.reason, role: d.role },
          alertKey: d.principalId,
        }, { id: d.requestId, ip: d.address }),
    },
    schema: POLICY_SCHEMA,
    store: new PrismaPolicyStore(prisma),
    bus: redis ? new RedisPolicyChangeBus(redis as never) : new MemoryPolicyChangeBus(),
    scopeGrants: SCOPE_GRANTS,
    networkRestrictions: [
      {
        allowedCidrs: cfg.ADMIN_ALLOWED_CIDRS,
        rules: [
          { action: ['update', 'create', 'delete'], subject: 'Policy', reason: 'Policies change only from the admin network' },
          { action: 'update', subject: 'User', fields: ['role', 'status', 'department'], reason: 'Roles change only from the admin network' },
        ],
      },
    ],
    // The user as they are now, not as the token says: a role change or a
    // disabled account applies to the next request, not at token expiry. From
    // the principal cache, which every instance empties of a user who changed.
    async principalOf(request: unknown): Promise<AuthzPrincipal | null> {
      const req = request as { user?: AuthPrincipal; ip?: string; id?: string };
      if (!req.user) return null;
      if (req.user.actor === 'client') {
        // A client of an external issuer (client credentials): no user, one
        // tenant, the viewer's rules narrowed by its scopes. It owns nothing.
        const tenantId = req.user.attributes.tid;
        if (!tenantId) return null;
        return { id: req.user.sub, role: 'viewer', attributes: { tenantId, department: '', operator: 'false' }, scopes: req.user.scopes, address: req.ip, requestId: typeof req.id === 'string' ? req.id : undefined };
      }
      const user = await principals.get(req.user.sub);
      if (!user || user.status !== 'active') return null;
      return {
        id: user.id,
        role: user.role,
        attributes: { tenantId: user.tenantId, department: user.department, operator: user.tenantOperator ? 'true' : 'false' },
        // API keys and external tokens are narrowed to their scopes (never
        // beyond the role); a first-party session (a password login) acts with the whole role.
        scopes: req.user.method === 'api-key' || req.user.method === 'oidc' ? req.user.scopes : undefined,
        address: req.ip,
        requestId: typeof req.id === 'string' ? req.id : undefined,
      };
    },
  }),
});

/** Authorization for the demo: CASL abilities from the policies table, the policies API and explain. */
@Module({
  imports: [authzLib],
  controllers: [AuthzController],
  providers: [PoliciesService],
  exports: [authzLib],
})
export class AuthzModule {}
