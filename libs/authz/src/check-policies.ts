import {
  type CanActivate,
  createParamDecorator,
  type ExecutionContext,
  Inject,
  Injectable,
  SetMetadata,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AppAbility } from './ability.factory.js';
import { AuthzService } from './authz.service.js';
import { AUTHZ_DENIAL_SINK, type AuthzDenialSink } from './denial-sink.js';
import { AuthzDeniedException, AuthzUnavailableException } from './errors.js';
import type { AuthzPrincipal } from './policy.types.js';

/** A function-level check: an action on a subject type, or a predicate on the ability. */
export type PolicyCheck = { action: string; subject: string } | ((ability: AppAbility) => boolean);

/** Metadata key of {@link CheckPolicies}. */
export const POLICIES_KEY = 'BASTION:POLICIES';

/**
 * The function-level checks of a route; a method's list replaces its
 * class's. A route of a guarded controller without any is refused (deny by
 * default). Object-level checks happen in the service with the loaded row.
 *
 * @example @CheckPolicies({ action: 'read', subject: 'Document' })
 */
export const CheckPolicies = (...checks: PolicyCheck[]) => SetMetadata(POLICIES_KEY, checks);

/** What the guard leaves on the request for handlers and services. */
export interface AuthzContext {
  principal: AuthzPrincipal;
  ability: AppAbility;
}

/** The request's {@link AuthzContext}. */
export const Authz = createParamDecorator((_d: unknown, ctx: ExecutionContext): AuthzContext => ctx.switchToHttp().getRequest<{ authz: AuthzContext }>().authz);

/** The parts of an Express response or a Fastify reply used to set a header. */
interface HeaderTarget {
  header?: (name: string, value: string) => unknown;
  setHeader?: (name: string, value: string) => unknown;
}

/**
 * Builds the caller's ability (fresh principal, cached ability) and applies
 * the route's `@CheckPolicies`. Use it on controllers, after authentication.
 * While the policies are not loaded it answers 503 `ERR_AUTHZ_UNAVAILABLE`
 * with `Retry-After` (a temporary condition, RFC 9110 §15.6.4) and records
 * no denial: nothing was decided.
 */
@Injectable()
export class PoliciesGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authz: AuthzService,
    @Inject(AUTHZ_DENIAL_SINK) private readonly denials: AuthzDenialSink,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const checks = this.reflector.getAllAndOverride<PolicyCheck[]>(POLICIES_KEY, [context.getHandler(), context.getClass()]);
    const request = context.switchToHttp().getRequest<{ authz?: AuthzContext }>();
    // First, before the principal is read: without policies no answer but "retry" is possible.
    if (!this.authz.loaded) {
      await this.authz.requirePolicies().catch((error: unknown) => {
        if (error instanceof AuthzUnavailableException) this.setRetryAfter(context, error.retryAfterSeconds);
        throw error;
      });
    }
    const principal = await this.authz.principalOf(request);
    if (!principal) throw new UnauthorizedException({ message: 'The account cannot be used', code: 'ERR_AUTHZ_NO_PRINCIPAL' });
    const ability = this.authz.abilityFor(principal);
    request.authz = { principal, ability };
    if (!checks || checks.length === 0) {
      throw new AuthzDeniedException('This route declares no policy');
    }
    for (const check of checks) {
      const ok = typeof check === 'function' ? check(ability) : ability.can(check.action, check.subject);
      if (!ok) {
        const reason =
          typeof check === 'function'
            ? 'You are not allowed to do this'
            : (ability.relevantRuleFor(check.action, check.subject)?.reason ?? `You are not allowed to ${check.action} ${check.subject}`);
        this.denials.record({
          principalId: principal.id,
          role: principal.role,
          action: typeof check === 'function' ? 'custom' : check.action,
          subject: typeof check === 'function' ? 'custom' : check.subject,
          reason,
          at: new Date(),
          requestId: principal.requestId,
          address: principal.address,
          attributes: principal.attributes,
        });
        throw new AuthzDeniedException(reason);
      }
    }
    return true;
  }

  /** Sets `Retry-After` on the response (Express or Fastify); the problem filter keeps it. */
  protected setRetryAfter(context: ExecutionContext, seconds: number): void {
    const response = context.switchToHttp().getResponse<HeaderTarget>();
    if (typeof response.header === 'function') response.header('Retry-After', String(seconds));
    else if (typeof response.setHeader === 'function') response.setHeader('Retry-After', String(seconds));
  }
}
