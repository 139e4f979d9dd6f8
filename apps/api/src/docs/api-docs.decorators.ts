import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiExcludeController, ApiExcludeEndpoint, ApiExtension, ApiHeader, ApiResponse, ApiSecurity } from '@nestjs/swagger';
import { Auth, type AuthMethod, Public, Scopes } from '@bastion/auth';
import { PoliciesGuard } from '@bastion/authz';
import { SuccessorVersion } from '@bastion/versioning';

/** Names of the security schemes in the OpenAPI document (`components.securitySchemes`). */
export const SECURITY_SCHEMES = {
  apiKey: 'apiKey',
  bearer: 'bearer',
  oauth2: 'oauth2',
  openIdConnect: 'openIdConnect',
} as const;

/** Schema name of RFC 9457 problem details in the document. */
export const PROBLEM_SCHEMA = 'ProblemDetails';

/** Operation extension that marks a route as deliberately public (no credential). */
export const PUBLIC_EXTENSION = 'x-public';

/**
 * Which security requirement documents each credential the auth guard
 * accepts. A `Record` over `AuthMethod`: a method added to the auth lib
 * (e.g. OAuth access tokens from the auth server) does not compile until it
 * is given its scheme here.
 */
export const SECURITY_REQUIREMENT_OF: Record<AuthMethod, string> = {
  jwt: SECURITY_SCHEMES.bearer,
  'api-key': SECURITY_SCHEMES.apiKey,
  // Access tokens of the issuers in OIDC_ISSUERS (the demo auth server by default).
  oidc: SECURITY_SCHEMES.oauth2,
};

const problem = (status: number, description: string, headers?: Record<string, { description: string; schema: { type: 'string' | 'integer' } }>) =>
  ApiResponse({
    status,
    description,
    headers,
    content: { 'application/problem+json': { schema: { $ref: `#/components/schemas/${PROBLEM_SCHEMA}` } } },
  });

/** `Retry-After`, on every 429 and 503 (RFC 9110 §10.2.3). */
const RETRY_AFTER_HEADER = { 'Retry-After': { description: 'Seconds until a request may succeed', schema: { type: 'integer' as const } } };

const RATE_LIMIT_HEADERS = {
  RateLimit: { description: 'IETF RateLimit fields of the policy that applies: `"api";r=0;t=42`', schema: { type: 'string' as const } },
  'RateLimit-Policy': { description: 'The policy: `"api";q=300;w=60`', schema: { type: 'string' as const } },
  ...RETRY_AFTER_HEADER,
};

/** The 429 every rate-limited route may answer. */
export const RateLimitedResponse = () => problem(429, 'Too many requests (`ERR_RATE_LIMITED`), or too many failed authentications from this address (`RATE_LIMIT_AUTH_FAILURES`); wait `Retry-After` seconds.', RATE_LIMIT_HEADERS);

/**
 * The 503 any route that reaches the database may answer while it cannot (docs/failure-modes.md), or a write while
 * the audit trail is saturated; both carry `Retry-After` (RFC 9110 §15.6.4).
 */
export const UnavailableResponse = () =>
  problem(503, 'Temporarily unavailable: the database cannot answer (`ERR_DATABASE_UNAVAILABLE`), or writes are paused while security events are written (`ERR_AUDIT_BACKLOG`); retry after `Retry-After` seconds.', RETRY_AFTER_HEADER);

/** Problem responses by status, for routes to declare the errors they answer besides the common ones. */
export const ProblemResponse = (status: 400 | 403 | 404 | 409 | 413 | 503, description: string) => problem(status, description);

/**
 * A route (or every route of a controller) that needs a credential: applies
 * the auth lib's `@Auth(...methods)` *and* documents the same methods as the
 * operation's security (alternatives), with its 401, 403 and 429 problem
 * responses. One decorator for both, so the document cannot drift from what
 * the guard enforces.
 *
 * @example
 * @Secured('jwt', 'api-key')
 * @Get('me') me() {}
 */
export function Secured(...methods: [AuthMethod, ...AuthMethod[]]): ClassDecorator & MethodDecorator {
  return applyDecorators(
    Auth(...methods),
    ...methods.map((m) => ApiSecurity(SECURITY_REQUIREMENT_OF[m])),
    problem(401, 'No credential, or an invalid, expired or revoked one, or one of a disabled account (`ERR_AUTH_ACCOUNT_DISABLED`) (RFC 6750 `WWW-Authenticate` challenge).', {
      'WWW-Authenticate': { description: 'RFC 6750 / API-key challenge naming what went wrong', schema: { type: 'string' } },
    }),
    problem(403, 'Authenticated, but not allowed: a missing scope (`ERR_AUTH_INSUFFICIENT_SCOPE`), a policy denial (`ERR_AUTHZ_DENIED`) or plain HTTP where HTTPS is required.'),
    RateLimitedResponse(),
    UnavailableResponse(),
  ) as ClassDecorator & MethodDecorator;
}

/**
 * Routes decided by the role policies: applies `PoliciesGuard` *and*
 * documents the 503 it answers while this instance has no policies loaded
 * (`ERR_AUTHZ_UNAVAILABLE`, with `Retry-After`), so the document cannot drift
 * from the guard. Put it after `@Secured(...)`: authentication runs first.
 *
 * @example
 * @Secured('jwt') @Authorized() @Controller('documents') class DocumentsController {}
 */
export function Authorized(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    UseGuards(PoliciesGuard),
    problem(503, 'The authorization policies are not loaded on this instance yet (`ERR_AUTHZ_UNAVAILABLE`; the database was unavailable when it started); retry after `Retry-After` seconds. Never a denial.', RETRY_AFTER_HEADER),
  ) as ClassDecorator & MethodDecorator;
}

/**
 * A route that deliberately takes no credential (sign-in, JWKS, health):
 * applies `@Public()` and marks the operation `x-public: true` with an empty
 * security list. Pass `{ rateLimited: false }` for routes the rate limits skip.
 */
export function PublicRoute(options: { rateLimited?: boolean } = {}): ClassDecorator & MethodDecorator {
  return applyDecorators(Public(), ApiExtension(PUBLIC_EXTENSION, true), ...(options.rateLimited === false ? [] : [RateLimitedResponse(), UnavailableResponse()])) as ClassDecorator &
    MethodDecorator;
}

/** Operation extension naming the route that replaces a deprecated one (`@Successor`). */
export const SUCCESSOR_EXTENSION = 'x-successor-version';

/**
 * Deprecates this route in favour of `path` in a newer version: the
 * versioning lib's `@SuccessorVersion` (the `Deprecation`, `Sunset` and
 * `Link: <path>; rel="successor-version"` headers) *and* the operation's
 * `deprecated: true` with `x-successor-version` in the document. One
 * decorator, so Swagger UI strikes out exactly the routes whose answers say
 * they are deprecated.
 *
 * @example @Successor('/v2/users/me') @Get('me') me() {}
 */
export function Successor(path: string): MethodDecorator {
  return applyDecorators(SuccessorVersion(path), ApiExtension(SUCCESSOR_EXTENSION, path));
}

/** Operation extension carrying a route's required scopes, for the `oauth2` requirement (`buildApiDocument`). */
export const SCOPES_EXTENSION = 'x-required-scopes';

/**
 * The auth lib's `@Scopes(...)` (RFC 6750 `insufficient_scope` when one is
 * missing) that also writes the scopes into the document, where they become
 * the scopes of the route's `oauth2` security requirement: one decorator, so
 * the documented scopes are the enforced ones.
 */
export function RequiredScopes(...scopes: [string, ...string[]]): MethodDecorator {
  return applyDecorators(Scopes(...scopes), ApiExtension(SCOPES_EXTENSION, scopes)) as MethodDecorator;
}

/**
 * A redirect answer (302 to an IdP, 303 after a sign-in), documented as what
 * it is: no body, a `Location` header. Swagger UI cannot follow it; a browser
 * does.
 */
export function RedirectResponse(status: 302 | 303, description: string): MethodDecorator {
  return ApiResponse({
    status,
    description,
    headers: { Location: { description: 'Where the browser goes next', schema: { type: 'string', format: 'uri' } } },
  }) as MethodDecorator;
}

/** An optional request header a route reads (e.g. `Accept` choosing JSON over a redirect). */
export const RequestHeader = (name: string, description: string) => ApiHeader({ name, description, required: false });

/** Metadata key of {@link Undocumented}: why a route is left out of the document. */
export const UNDOCUMENTED_KEY = 'BASTION:UNDOCUMENTED';

/**
 * Leaves a route (or a controller) out of the OpenAPI document, with the
 * reason; the docs coverage test accepts a missing route only with one.
 * For routes that must not be advertised (e.g. `/metrics`, which answers
 * 404 to strangers).
 */
export function Undocumented(reason: string): ClassDecorator & MethodDecorator {
  return ((target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    if (descriptor) {
      SetMetadata(UNDOCUMENTED_KEY, reason)(target, key as string, descriptor);
      ApiExcludeEndpoint()(target, key as string, descriptor);
      return descriptor;
    }
    SetMetadata(UNDOCUMENTED_KEY, reason)(target as never);
    ApiExcludeController()(target as never);
    return target;
  }) as ClassDecorator & MethodDecorator;
}
