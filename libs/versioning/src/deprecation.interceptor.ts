import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor, SetMetadata, VERSION_NEUTRAL } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { VERSION_METADATA } from '@nestjs/common/constants';
import type { Observable } from 'rxjs';

/** When a version was deprecated and when it goes away. */
export interface DeprecatedVersion {
  /** The date it was deprecated (RFC 9745 `Deprecation`). */
  since: Date;
  /** The date it stops answering (RFC 8594 `Sunset`). */
  sunset: Date;
  /** A page describing the deprecation (`Link: …; rel="deprecation"`). Only one that exists: clients follow it. */
  policyUrl?: string;
  /**
   * `true`: only the routes of this version that name a successor with
   * {@link SuccessorVersion} are deprecated; the others stay current (no
   * headers), since a client told that a route goes away needs somewhere to
   * go. Default `false`: every route of the version is deprecated.
   */
  perRoute?: boolean;
}

/** Options of {@link DeprecationInterceptor}. */
export interface DeprecationOptions {
  /** Deprecated versions by name (`'1'`). */
  deprecated: Record<string, DeprecatedVersion>;
  /** The version of routes that declare none (what `enableVersioning({ defaultVersion })` says). */
  defaultVersion?: string;
}

/** Metadata key of {@link SuccessorVersion}. */
export const SUCCESSOR_KEY = 'BASTION:SUCCESSOR_VERSION';

/**
 * Names the route that replaces this one in a newer version; sent as
 * `Link: <path>; rel="successor-version"` (RFC 5829) while this one is
 * deprecated. Under a version with `perRoute`, it is what deprecates the route.
 *
 * @example @SuccessorVersion('/v2/users/me') @Get('me') me() {}
 */
export const SuccessorVersion = (path: string) => SetMetadata(SUCCESSOR_KEY, path);

/**
 * Adds `Deprecation`, `Sunset` and `Link` headers to answers of a deprecated
 * API version (with `perRoute`, of its routes that name a successor) that
 * reach the interceptor chain: the handler's answers and
 * errors from pipes and handlers, not refusals by guards or the adapter.
 * The version is the one the request used (its `/v<version>/` prefix under
 * URI versioning), else the route's declared version.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9745 (Deprecation)
 * @see https://www.rfc-editor.org/rfc/rfc8594 (Sunset)
 */
@Injectable()
export class DeprecationInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly options: DeprecationOptions,
  ) {
    for (const [version, d] of Object.entries(options.deprecated)) {
      if (!(d.since instanceof Date) || Number.isNaN(d.since.getTime()) || !(d.sunset instanceof Date) || Number.isNaN(d.sunset.getTime())) {
        throw new Error(`versioning option "deprecated.${version}" needs valid since and sunset dates`);
      }
      if (d.sunset < d.since) throw new Error(`versioning option "deprecated.${version}": sunset comes before since`);
    }
  }

  // A route's declared version and successor, read once per handler and class (this interceptor
  // runs on every request; the decorators cannot change after start).
  private readonly routes = new WeakMap<object, WeakMap<object, { declared: string | string[] | symbol | undefined; successor: string | undefined }>>();

  private routeOf(context: ExecutionContext) {
    const handler = context.getHandler();
    const classRef = context.getClass();
    let byClass = this.routes.get(handler);
    let route = byClass?.get(classRef);
    if (!route) {
      const targets = [handler, classRef];
      route = {
        declared: this.reflector.getAllAndOverride<string | string[] | symbol | undefined>(VERSION_METADATA, targets),
        successor: this.reflector.getAllAndOverride<string | undefined>(SUCCESSOR_KEY, targets),
      };
      if (!byClass) {
        byClass = new WeakMap();
        this.routes.set(handler, byClass);
      }
      byClass.set(classRef, route);
    }
    return route;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<{ url?: string; originalUrl?: string }>();
    const used = /^\/v([^/?]+)(?:[/?]|$)/.exec(request.originalUrl ?? request.url ?? '')?.[1];
    const { declared, successor } = this.routeOf(context);
    const versions = used !== undefined ? [used] : declared === undefined ? [this.options.defaultVersion] : declared === VERSION_NEUTRAL ? [] : [declared].flat();
    const deprecated = versions
      .map((v) => (typeof v === 'string' ? this.options.deprecated[v] : undefined))
      .find((d) => d !== undefined && (!d.perRoute || successor !== undefined));
    if (deprecated) {
      const response = context.switchToHttp().getResponse<{ header?: (k: string, v: string) => unknown; setHeader?: (k: string, v: string) => unknown }>();
      const set = (k: string, v: string) => (response.header ? response.header(k, v) : response.setHeader?.(k, v));
      set('Deprecation', `@${Math.floor(deprecated.since.getTime() / 1000)}`);
      set('Sunset', deprecated.sunset.toUTCString());
      const links: string[] = [];
      if (successor) links.push(`<${successor}>; rel="successor-version"`);
      if (deprecated.policyUrl) links.push(`<${deprecated.policyUrl}>; rel="deprecation"; type="text/html"`);
      if (links.length) set('Link', links.join(', '));
    }
    return next.handle();
  }
}
