export { ObservabilityModule } from './observability.module.js';
export { OBSERVABILITY_OPTIONS } from './observability.module-definition.js';
export { validateObservabilityOptions, DEFAULT_DURATION_BUCKETS } from './options.js';
export type { ObservabilityModuleOptions, ResolvedObservabilityOptions, ObservabilityLogLevel } from './options.js';
export { DEFAULT_REDACT_PATHS, REDACTED_HEADER_PATHS, SECRET_KEYS, REDACTED } from './redaction.js';
export { Metrics } from './metrics.service.js';
export type { MetricsOptions, HttpMetricLabel } from './metrics.service.js';
export { installHttpMetrics, UNMATCHED_ROUTE } from './http-metrics.js';
export { MetricsController } from './metrics.controller.js';
export { AlertEngine } from './alert-engine.js';
export type { AlertEngineOptions } from './alert-engine.js';
export { validateAlertRules, MAX_ALERT_THRESHOLD } from './alert-rules.js';
export type { Alert, AlertEvent, AlertRule, AlertSink } from './alert.types.js';
export { LogAlertSink } from './log-alert.sink.js';
export { WebhookAlertSink } from './webhook-alert.sink.js';
export type { WebhookAlertSinkOptions, WebhookAlertSinkStats } from './webhook-alert.sink.js';
export { systemClock } from './clock.js';
export type { Clock } from './clock.js';
export { ObservabilityError } from './errors.js';
export type { ObservabilityErrorCode } from './errors.js';
// From nestjs-pino, so that an app takes its logging from one place: the Nest logger to pass to
// `app.useLogger`, the injectable pino logger, and the interceptor that puts a handler's error
// on the request's log line.
export { Logger, PinoLogger, InjectPinoLogger, LoggerErrorInterceptor } from 'nestjs-pino';
