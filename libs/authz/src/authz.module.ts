import { Module } from '@nestjs/common';
import { AuthzConfigurableModule, AUTHZ_MODULE_OPTIONS, type AuthzModuleOptions } from './authz.module-definition.js';
import { AuthzService } from './authz.service.js';
import { PoliciesGuard } from './check-policies.js';
import { AUTHZ_DENIAL_SINK, LogDenialSink } from './denial-sink.js';

/**
 * CASL authorization with policies stored as data: RBAC (role rules), ABAC
 * (conditions on the subject and the principal's attributes, network
 * restrictions), claims (scopes narrow the role) and PBAC (rules in a store,
 * changed at run time, seen by every instance).
 *
 * @example
 * AuthzModule.forRootAsync({ inject: [PrismaService], useFactory: (prisma) => ({ schema, store: new MyPolicyStore(prisma), principalOf }) })
 */
@Module({
  providers: [
    { provide: AUTHZ_DENIAL_SINK, inject: [AUTHZ_MODULE_OPTIONS], useFactory: (o: AuthzModuleOptions) => o.denialSink ?? new LogDenialSink() },
    AuthzService,
    PoliciesGuard,
  ],
  exports: [AuthzService, PoliciesGuard, AUTHZ_DENIAL_SINK],
})
export class AuthzModule extends AuthzConfigurableModule {}
