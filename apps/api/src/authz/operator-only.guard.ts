import { applyDecorators, type CanActivate, type ExecutionContext, ForbiddenException, Inject, Injectable, SetMetadata, UseGuards } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AUTHZ_DENIAL_SINK, type AuthzContext, type AuthzDenialSink, type AuthzPrincipal } from '@bastion/authz';
import { ProblemResponse } from '../docs/api-docs.decorators';

/** The code of a refusal for an admin whose tenant is not an operator tenant. */
export const OPERATOR_ONLY_CODE = 'ERR_OPERATOR_ONLY';

/** Metadata key of {@link OperatorOnly}: the action and subject a refusal is recorded as. */
export const OPERATOR_ONLY_KEY = 'BASTION:OPERATOR_ONLY';

/** Why: the same words in the 403, the audit event and `/v1/authz/explain`. */
export const OPERATOR_ONLY_REASON = 'Only an operator tenant\'s admins manage the role policies shared by every tenant';

/**
 * Whether the principal belongs to an operator tenant (`tenants.operator`, carried as the `operator` attribute by
 * the principal cache). Anything but the string `'true'` is not: a principal without the attribute has no powers
 * beyond its tenant.
 */
export function isOperator(principal: AuthzPrincipal): boolean {
  return principal.attributes.operator === 'true';
}

/**
 * Refuses a route to everyone but an operator tenant's principals, after the role policies allowed it: 403
 * `ERR_OPERATOR_ONLY`, recorded as an authz denial like the policy guard's.
 *
 * An explicit check rather than a rule in the policy data: the policies are per role and shared by every tenant,
 * and a CASL condition is about the subject (a policy row has no tenant), so no rule of the `admin` policy can tell
 * a signed-up tenant's admin from an operator's. Runs after `PoliciesGuard` (a method guard after a class guard),
 * which leaves the principal on the request.
 */
@Injectable()
export class OperatorOnlyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(AUTHZ_DENIAL_SINK) private readonly denials: AuthzDenialSink,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ authz?: AuthzContext }>();
    const principal = request.authz?.principal;
    // Deny by default: without the policy guard's principal nothing was decided in this guard's favour.
    if (principal && isOperator(principal)) return true;
    if (principal) {
      const what = this.reflector.getAllAndOverride<{ action: string; subject: string } | undefined>(OPERATOR_ONLY_KEY, [context.getHandler(), context.getClass()]);
      this.denials.record({
        principalId: principal.id,
        role: principal.role,
        action: what?.action ?? 'custom',
        subject: what?.subject ?? 'custom',
        reason: OPERATOR_ONLY_REASON,
        at: new Date(),
        requestId: principal.requestId,
        address: principal.address,
        attributes: principal.attributes,
      });
    }
    throw new ForbiddenException({ message: OPERATOR_ONLY_REASON, code: OPERATOR_ONLY_CODE });
  }
}

/**
 * An operator-only route: applies {@link OperatorOnlyGuard} and documents its 403. Put it on a method of a
 * controller that has `@Authorized()`, so that the role policies decide first; `action` and `subject` name what a
 * refusal is recorded as in the audit trail.
 *
 * @example @CheckPolicies({ action: 'read', subject: 'Policy' }) @OperatorOnly('read', 'Policy') @Get('policies') list() {}
 */
export function OperatorOnly(action: string, subject: string): MethodDecorator {
  return applyDecorators(
    SetMetadata(OPERATOR_ONLY_KEY, { action, subject }),
    UseGuards(OperatorOnlyGuard),
    ProblemResponse(
      403,
      'Not allowed: a policy denial (`ERR_AUTHZ_DENIED`: not an admin, or a change from outside `ADMIN_ALLOWED_CIDRS`), a missing scope (`ERR_AUTH_INSUFFICIENT_SCOPE`), plain HTTP where HTTPS is required, or an admin of a tenant that is not an operator tenant (`ERR_OPERATOR_ONLY`: the role policies are shared by every tenant, so only the operator\'s admins read or change them).',
    ),
  ) as MethodDecorator;
}
