import { ServiceUnavailableException } from '@nestjs/common';

/**
 * 503 from `/health/ready`. Its response carries problem-details members:
 * a filter that renders `getResponse()` shows which checks are down.
 */
export class HealthNotReadyException extends ServiceUnavailableException {
  readonly code = 'ERR_NOT_READY';
  readonly checks: Record<string, 'up' | 'down'>;

  constructor(details: Record<string, { status: string }>) {
    const checks = Object.fromEntries(
      Object.entries(details).map(([name, d]) => [name, d.status === 'up' ? 'up' : 'down'] as const),
    );
    const down = Object.keys(checks).filter((n) => checks[n] === 'down');
    super({ message: `Not ready: ${down.join(', ') || 'a dependency'} did not answer`, code: 'ERR_NOT_READY', checks });
    this.checks = checks;
  }
}
