import { Controller, Get, Inject, Logger, VERSION_NEUTRAL } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  type HealthCheckResult,
  HealthIndicatorService,
} from '@nestjs/terminus';
import { setTimeout as delay } from 'node:timers/promises';
import { HEALTH_MODULE_OPTIONS, type HealthModuleOptions } from './health.module-definition.js';
import { HealthNotReadyException } from './health.errors.js';

async function withTimeout(check: () => Promise<unknown>, ms: number): Promise<void> {
  const ac = new AbortController();
  try {
    await Promise.race([
      check(),
      delay(ms, undefined, { signal: ac.signal }).then(() => {
        throw new Error(`no answer within ${ms} ms`);
      }),
    ]);
  } finally {
    ac.abort();
  }
}

/**
 * `GET /health/live`: the process is up. `GET /health/ready`: every
 * configured dependency answers; otherwise 503 naming the ones that do not
 * (never why: the reason goes to the log).
 */
@Controller({ path: 'health', version: VERSION_NEUTRAL })
export class HealthController {
  private readonly logger = new Logger('Health');

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(HEALTH_MODULE_OPTIONS) private readonly options: HealthModuleOptions,
  ) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  async ready(): Promise<HealthCheckResult> {
    const timeout = this.options.timeoutMs ?? 2000;
    const checks = Object.entries(this.options.checks).flatMap(([name, check]) =>
      check
        ? [
            async () => {
              const session = this.indicators.check(name);
              try {
                await withTimeout(check, timeout);
                return session.up();
              } catch (error) {
                this.logger.warn(`readiness check "${name}" failed: ${error instanceof Error ? error.message : String(error)}`);
                return session.down();
              }
            },
          ]
        : [],
    );
    try {
      return await this.health.check(checks);
    } catch (error) {
      const response = (error as { getResponse?: () => unknown }).getResponse?.() as HealthCheckResult | undefined;
      // Terminus answers a failed check with a ServiceUnavailableException whose response holds the details.
      if (response?.details) {
        throw new HealthNotReadyException(response?.details ?? {});
      }
      throw error;
    }
  }
}
