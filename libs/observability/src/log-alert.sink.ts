import { Logger } from '@nestjs/common';
import type { Alert, AlertSink } from './alert.types.js';

/**
 * Writes each alert as one warning (context `Alerts`) through Nest's logger, so with
 * nestjs-pino it is a JSON line with the same redaction as every other line. The alert's key is
 * logged as `alertKey`: the redaction censors any property named `key`.
 */
export class LogAlertSink implements AlertSink {
  private readonly logger = new Logger('Alerts');

  send(alert: Alert): void {
    const { key, ...rest } = alert;
    this.logger.warn({ msg: `alert ${alert.alert} fired`, ...rest, alertKey: key });
  }
}
