import type { IncomingMessage } from 'node:http';

/**
 * What the adapter hooks leave on the raw Node request for the request log and the metrics:
 * nestjs-pino's middleware sees the raw request, while on Fastify guards set `user` on Fastify's
 * own request object; and on Express, `req.route` alone cannot tell an unmatched request.
 */
export const REQUEST_CONTEXT = Symbol.for('bastion.observability.request-context');

interface BridgedContext {
  user?: unknown;
  route?: string;
  /** Express: the request went past every route, to the not-found handler. */
  unmatched?: boolean;
}

type RawRequest = IncomingMessage & {
  [REQUEST_CONTEXT]?: BridgedContext;
  user?: unknown;
  route?: { path?: unknown };
  baseUrl?: string;
};

/** The fields of a Fastify request the hook reads. */
interface FastifyRequestLike {
  raw: RawRequest;
  user?: unknown;
  is404?: boolean;
  routeOptions?: { url?: string };
}

/** The part of a Fastify instance the hook needs. */
interface FastifyHooks {
  addHook(name: 'onSend', hook: (request: FastifyRequestLike, reply: unknown, payload: unknown, done: (err: null, payload: unknown) => void) => void): unknown;
}

/** The part of an Express app the marker needs. */
interface ExpressUse {
  use(handler: (req: RawRequest, res: unknown, next: () => void) => void): unknown;
}

/** The part of Nest's HTTP adapter used here. */
export interface AdapterLike {
  getType(): string;
  getInstance(): unknown;
}

const MAX_FIELD_LENGTH = 256;

function clip(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value.slice(0, MAX_FIELD_LENGTH) : undefined;
}

/** The route pattern Fastify matched (`/things/:id`), or undefined for the not-found handler. */
export function fastifyRoute(request: { is404?: boolean; routeOptions?: { url?: string } }): string | undefined {
  return request.is404 ? undefined : clip(request.routeOptions?.url);
}

/**
 * The route pattern Express matched (`req.baseUrl` + `req.route.path`), or undefined. Nest
 * registers `forRoutes` middleware as Express routes too, and Express never clears `req.route`,
 * so a request the not-found marker saw matched no controller route whatever `req.route` says.
 */
export function expressRoute(req: { [REQUEST_CONTEXT]?: BridgedContext; route?: { path?: unknown }; baseUrl?: string }): string | undefined {
  if (req[REQUEST_CONTEXT]?.unmatched) return undefined;
  const path = req.route?.path;
  return typeof path === 'string' ? clip(`${req.baseUrl ?? ''}${path}`) : undefined;
}

/**
 * Adds the adapter hooks the request log and the metrics read. Call it after Nest has
 * registered its routes and before it adds the not-found handler, which is when
 * `onModuleInit` runs during `app.init()`.
 *
 * - Fastify: an `onSend` hook (after guards and handlers, error responses included) copies the
 *   principal and the matched route pattern onto the raw request.
 * - Express: a layer after every route marks the requests that reach it: no route answered them.
 */
export function installRequestContext(adapter: AdapterLike): void {
  const type = adapter.getType();
  if (type === 'fastify') {
    (adapter.getInstance() as FastifyHooks).addHook('onSend', (request, _reply, payload, done) => {
      request.raw[REQUEST_CONTEXT] = { user: request.user ?? request.raw.user, route: fastifyRoute(request) };
      done(null, payload);
    });
  } else if (type === 'express') {
    (adapter.getInstance() as ExpressUse).use((req, _res, next) => {
      req[REQUEST_CONTEXT] = { unmatched: true };
      next();
    });
  }
}

/** Who made the request, as the log shows it. */
export interface PrincipalFields {
  /** `request.user.sub`. */
  principal?: string;
  /** `request.user.apiKeyId`, for API-key callers. */
  apiKeyId?: string;
  /** `request.user.attributes.tid`. */
  tenant?: string;
}

/** The fields the request log adds at completion: principal, API key, tenant and route pattern. */
export function requestContextFields(req: RawRequest): PrincipalFields & { route?: string } {
  const bridged = req[REQUEST_CONTEXT];
  const user = (bridged?.user ?? req.user) as { sub?: unknown; apiKeyId?: unknown; attributes?: { tid?: unknown } } | undefined;
  const fields: PrincipalFields & { route?: string } = {};
  const principal = clip(user?.sub);
  const apiKeyId = clip(user?.apiKeyId);
  const tenant = clip(user?.attributes?.tid);
  const route = bridged && !bridged.unmatched ? bridged.route : expressRoute(req);
  if (principal) fields.principal = principal;
  if (apiKeyId) fields.apiKeyId = apiKeyId;
  if (tenant) fields.tenant = tenant;
  if (route) fields.route = route;
  return fields;
}
