export { ObservabilityModule } from './observability.module';
export { OBSERVABILITY_OPTIONS } from './observability.module-definition';
export { validateObservabilityOptions, DEFAULT_DURATION_BUCKETS } from './options';
export type { ObservabilityModuleOptions, ResolvedObservabilityOptions, ObservabilityLogLevel } from './options';
export { DEFAULT_REDACT_PATHS, REDACTED_HEADER_PATHS, SECRET_KEYS, REDACTED } from './redaction';
export { Metrics } from './metrics.service';
export type { MetricsOptions, HttpMetricLabel } from './metrics.service';
export { installHttpMetrics, UNMATCHED_ROUTE } from './http-metrics';
export { MetricsController } from './metrics.controller';
export { AlertEngine } from './alert-engine';
export type { AlertEngineOptions } from './alert-engine';
export { validateAlertRules, MAX_ALERT_THRESHOLD } from './alert-rules';
export type { Alert, AlertEvent, AlertRule, AlertSink } from './alert.types';
export { LogAlertSink } from './log-alert.sink';
export { WebhookAlertSink } from './webhook-alert.sink';
export type { WebhookAlertSinkOptions, WebhookAlertSinkStats } from './webhook-alert.sink';
export { systemClock } from './clock';
export type { Clock } from './clock';
export { ObservabilityError } from './errors';
export type { ObservabilityErrorCode } from './errors';
// From nestjs-pino, so that an app takes its logging from one place: the Nest logger to pass to
// `app.useLogger`, the injectable pino logger, and the interceptor that puts a handler's error
// on the request's log line.
export { Logger, PinoLogger, InjectPinoLogger, LoggerErrorInterceptor } from 'nestjs-pino';
