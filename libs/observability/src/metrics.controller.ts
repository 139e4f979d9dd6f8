import { Controller, Get, Inject, NotFoundException, Req, Res, VERSION_NEUTRAL } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { bearerToken, isLoopback, tokenMatches } from './metrics-access.js';
import { Metrics } from './metrics.service.js';
import { OBSERVABILITY_OPTIONS } from './observability.module-definition.js';
import type { ResolvedObservabilityOptions } from './options.js';

/**
 * `GET /metrics` (version-neutral): the private registry in Prometheus text format, to a
 * loopback client or to a bearer of `metricsToken`. Anyone else gets the same 404 as a path
 * with no route, so the endpoint is not advertised. It carries no other authentication: mark it
 * public for the app's global guard, and keep it out of a global prefix if the scraper expects
 * `/metrics`.
 */
@Controller({ path: 'metrics', version: VERSION_NEUTRAL })
export class MetricsController {
  constructor(
    @Inject(Metrics) private readonly metrics: Metrics,
    @Inject(OBSERVABILITY_OPTIONS) private readonly options: ResolvedObservabilityOptions,
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
  ) {}

  @Get()
  async scrape(@Req() request: { headers?: Record<string, unknown> }, @Res({ passthrough: true }) response: unknown): Promise<string> {
    const adapter = this.adapterHost.httpAdapter;
    if (!this.mayRead(request)) {
      // Word for word the router's own 404, so that a refusal looks like a missing route.
      throw new NotFoundException(`Cannot ${adapter.getRequestMethod(request)} ${adapter.getRequestUrl(request)}`);
    }
    adapter.setHeader(response, 'content-type', this.metrics.registry.contentType);
    adapter.setHeader(response, 'cache-control', 'no-store');
    return this.metrics.text();
  }

  /** The access rule: the configured bearer token, or (if allowed) a loopback client address. */
  protected mayRead(request: { headers?: Record<string, unknown> }): boolean {
    const { metricsTokenDigest, metricsAllowLoopback, metricsClientAddress } = this.options;
    if (tokenMatches(bearerToken(request.headers?.authorization), metricsTokenDigest)) return true;
    if (!metricsAllowLoopback) return false;
    let address: string | undefined;
    try {
      address = metricsClientAddress(request);
    } catch {
      // An address that cannot be told is not loopback: deny by default.
      address = undefined;
    }
    return isLoopback(address);
  }
}
