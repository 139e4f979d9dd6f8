import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { AuthMethod, AuthPrincipal } from './principal.js';

/** Metadata key of {@link Auth}. */
export const AUTH_METHODS_KEY = 'BASTION:AUTH_METHODS';
/** Metadata key of {@link Public}. */
export const PUBLIC_KEY = 'BASTION:PUBLIC';
/** Metadata key of {@link Scopes}. */
export const SCOPES_KEY = 'BASTION:SCOPES';

/**
 * The credentials a route (or every route of a controller) accepts. Without
 * it, the module's `defaultMethods` apply; a method's setting overrides its
 * class's.
 *
 * @example
 * @Auth('jwt', 'api-key')
 * @Get('me') me() {}
 */
export const Auth = (...methods: [AuthMethod, ...AuthMethod[]]) => SetMetadata(AUTH_METHODS_KEY, methods);

/** Opts a route out of authentication (login, health, JWKS). Everything else is authenticated. */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/**
 * Scopes the credential must all carry (RFC 6750 `insufficient_scope` when
 * one is missing). A password login carries every scope; an API key only
 * those it was created with.
 */
export const Scopes = (...scopes: [string, ...string[]]) => SetMetadata(SCOPES_KEY, scopes);

/** The authenticated {@link AuthPrincipal} of the request. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): AuthPrincipal => ctx.switchToHttp().getRequest<{ user: AuthPrincipal }>().user,
);
