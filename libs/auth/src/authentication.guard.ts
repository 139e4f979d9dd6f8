import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { decodeJwt } from 'jose';
import { Passport } from 'passport';
import { AUTH_MODULE_OPTIONS, type AuthModuleOptions } from './auth.module-definition.js';
import { AUTH_METHODS_KEY, PUBLIC_KEY, SCOPES_KEY } from './decorators.js';
import { AuthError } from './errors.js';
import type { AuthMethod, AuthPrincipal } from './principal.js';
import { RevocationList } from './revocation/revocation-list.js';
import { API_KEY_HEADER, ApiKeyStrategy } from './strategies/api-key.strategy.js';
import { ExternalJwtStrategy } from './strategies/external-jwt.strategy.js';
import { JwtStrategy } from './strategies/jwt.strategy.js';
import { AccessTokenService } from './tokens/access-token.service.js';

interface RequestLike {
  headers: Record<string, string | string[] | undefined>;
  query?: Record<string, unknown>;
  user?: AuthPrincipal;
}

/** A route's authentication requirements, from its decorators. */
interface RouteAuth {
  public: boolean;
  methods: AuthMethod[];
  scopes: string[];
}

const DEFAULT_REFUSED_QUERY = ['api_key', 'apikey', 'apiKey', 'x-api-key', 'access_token'];

// Named imports only from CommonJS packages: a default import needs esModuleInterop in a CommonJS app, which not
// every app sets. The authenticator is this lib's own, not passport's process-wide one (see runStrategy).
const authenticator = new Passport();

type Strategy = Parameters<typeof authenticator.authenticate>[0];

// Refusals that are not a failed authentication: the credential was good (scope), or we could not tell.
const NOT_A_FAILURE = new Set(['ERR_AUTH_INSUFFICIENT_SCOPE', 'ERR_AUTH_UNAVAILABLE', 'ERR_AUTH_OPTIONS', 'ERR_AUTH_KEYS']);

/**
 * Runs one passport strategy on the request, on a fresh object per request:
 * passport sets the request's `success`/`fail`/`error` callbacks on the
 * object it is given, so a shared instance would hand one request's user to
 * another request that is still awaiting. The instance (not a name in
 * passport's process-wide registry) also keeps a second app in the same
 * process from taking over this app's strategy, keys and deny list.
 */
function runStrategy(instance: Strategy, method: AuthMethod, request: unknown, response: unknown): Promise<AuthPrincipal> {
  return new Promise((resolve, reject) => {
    const done = (err: unknown, user: AuthPrincipal | false, info: unknown) => {
      if (err) return reject(err);
      if (user) return resolve(user);
      if (info instanceof AuthError) return reject(info);
      reject(
        method === 'api-key'
          ? new AuthError('ERR_AUTH_API_KEY_INVALID', 'The API key is invalid, expired or revoked')
          : new AuthError('ERR_AUTH_TOKEN_INVALID', 'The access token is invalid'),
      );
    };
    const perRequest = Object.create(instance as object) as Strategy;
    authenticator.authenticate(perRequest, { session: false }, done)(request as never, response as never, (err?: unknown) => (err ? reject(err) : undefined));
  });
}

/**
 * Authenticates every route unless it is `@Public()`: deny by default. The
 * credential presented picks the strategy (a bearer token: `jwt`; an
 * `X-API-Key` header: `api-key`); it must be one the route accepts
 * (`@Auth(...)`), and carry every `@Scopes(...)`. Register it as `APP_GUARD`.
 * Override {@link AuthenticationGuard.presented} to accept other carriers.
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  private readonly strategies: Record<AuthMethod, Strategy>;
  private readonly refusedQuery: string[];
  private readonly defaultMethods: AuthMethod[];
  private readonly ownIssuer: string;
  private readonly externalTokens: AuthModuleOptions['externalTokens'];
  private readonly onRejected: AuthModuleOptions['onRejected'];

  constructor(
    private readonly reflector: Reflector,
    @Inject(AUTH_MODULE_OPTIONS) options: AuthModuleOptions,
    jwt: JwtStrategy,
    apiKey: ApiKeyStrategy,
    external: ExternalJwtStrategy,
    private readonly revocations: RevocationList,
    private readonly tokens: AccessTokenService,
  ) {
    this.strategies = { jwt: jwt as unknown as Strategy, 'api-key': apiKey as unknown as Strategy, oidc: external as unknown as Strategy };
    this.ownIssuer = options.issuer;
    this.externalTokens = options.externalTokens;
    this.refusedQuery = (options.refusedQueryParams ?? DEFAULT_REFUSED_QUERY).map((n) => n.toLowerCase());
    this.defaultMethods = options.defaultMethods ?? ['jwt'];
    this.onRejected = options.onRejected;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const route = this.routeOf(context);
    if (route.public) return true;
    try {
      return await this.authenticate(context, route);
    } catch (error) {
      if (error instanceof AuthError && !NOT_A_FAILURE.has(error.code)) await this.rejected(context, error);
      throw error;
    }
  }

  /**
   * Called with every request that failed authentication (a missing, malformed,
   * forged, expired or revoked credential, a disabled account), before its
   * error is answered. The default calls the `onRejected` option, e.g. to
   * count the failure against the client address's rate limits (what a guard
   * after this one never sees: nestjs/throttler#522). Throw to answer with
   * another error (a 429); keep it cheap, it runs for every forged token.
   */
  protected async rejected(context: ExecutionContext, error: AuthError): Promise<void> {
    await this.onRejected?.(context, error);
  }

  // What the decorators say of a route (`@Public()`, `@Auth()`, `@Scopes()`), read once per handler
  // and class: they cannot change after start, and reading metadata on every request cost more
  // than the rest of this guard for a remembered token.
  private readonly routes = new WeakMap<object, WeakMap<object, RouteAuth>>();

  private routeOf(context: ExecutionContext): RouteAuth {
    const handler = context.getHandler();
    const classRef = context.getClass();
    let byClass = this.routes.get(handler);
    let route = byClass?.get(classRef);
    if (!route) {
      const targets = [handler, classRef];
      route = {
        public: Boolean(this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)),
        methods: this.reflector.getAllAndOverride<AuthMethod[]>(AUTH_METHODS_KEY, targets) ?? this.defaultMethods,
        scopes: this.reflector.getAllAndOverride<string[]>(SCOPES_KEY, targets) ?? [],
      };
      if (!byClass) {
        byClass = new WeakMap();
        this.routes.set(handler, byClass);
      }
      byClass.set(classRef, route);
    }
    return route;
  }

  private async authenticate(context: ExecutionContext, route: RouteAuth): Promise<boolean> {
    const methods = route.methods;
    const request = context.switchToHttp().getRequest<RequestLike>();

    // RFC 6750 §2.3 / ASVS v5 14.2.1: credentials in a URL end up in logs, caches and Referer headers.
    const inQuery = Object.keys(request.query ?? {}).find((name) => this.refusedQuery.includes(name.toLowerCase()));
    if (inQuery) {
      throw new AuthError('ERR_AUTH_CREDENTIAL_IN_QUERY', `Credentials are not accepted in the query string ("${inQuery}"); send them in a header`, { details: { methods } });
    }

    const method = this.presented(request, methods);
    const principal = await runStrategy(this.strategies[method], method, request, context.switchToHttp().getResponse());
    // Whatever the method, a disabled account or a signed-out token stops here, from memory (RevocationList).
    this.revocations.assertAllowed(principal, [principal.method]);
    request.user = principal;

    const required = route.scopes;
    const missing = required.filter((s) => !principal.scopes.includes(s));
    if (missing.length) {
      throw new AuthError('ERR_AUTH_INSUFFICIENT_SCOPE', `This request needs the scope ${required.join(' ')}`, {
        details: { scopes: required, methods: [principal.method] },
      });
    }
    return true;
  }

  /** Which accepted method the request's credential belongs to; exactly one credential is allowed. */
  protected presented(request: RequestLike, methods: AuthMethod[]): AuthMethod {
    const authorization = request.headers.authorization;
    const bearer = typeof authorization === 'string' && authorization !== '';
    const apiKey = typeof request.headers[API_KEY_HEADER] === 'string' && request.headers[API_KEY_HEADER] !== '';
    if (bearer && apiKey) {
      throw new AuthError('ERR_AUTH_CREDENTIALS_AMBIGUOUS', 'Send one credential: a bearer token or an API key, not both', { details: { methods } });
    }
    const method: AuthMethod | undefined = bearer ? this.bearerMethod(authorization) : apiKey ? 'api-key' : undefined;
    if (!method) throw new AuthError('ERR_AUTH_CREDENTIALS_MISSING', 'Authentication is required', { details: { methods } });
    if (!methods.includes(method)) {
      const refused = { 'api-key': 'API keys', jwt: 'bearer tokens', oidc: 'access tokens of external issuers' }[method];
      throw new AuthError('ERR_AUTH_METHOD_NOT_ALLOWED', `This route does not accept ${refused}`, { details: { methods } });
    }
    return method;
  }

  /**
   * Which verifier a bearer token goes to, by its unverified `iss` alone:
   * nothing read here is trusted, it only picks who verifies. Our own issuer,
   * an unknown one and an unreadable token all go to `jwt`, which refuses
   * whatever it did not sign (RFC 8725 §3.8: one issuer's keys never verify
   * another's tokens).
   */
  private bearerMethod(authorization: string): AuthMethod {
    if (!this.externalTokens) return 'jwt';
    const token = /^Bearer (\S+)$/i.exec(authorization)?.[1];
    // A token our own verifier has already checked is ours: no need to decode it again.
    if (!token || this.tokens.remembers(token)) return 'jwt';
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      return 'jwt';
    }
    return typeof iss === 'string' && iss !== this.ownIssuer && this.externalTokens.accepts(iss) ? 'oidc' : 'jwt';
  }
}
