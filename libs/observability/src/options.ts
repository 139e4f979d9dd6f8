import { createHash } from 'node:crypto';
import type { DestinationStream, Level } from 'pino';
import type { AlertRule, AlertSink } from './alert.types.js';
import { validateAlertRules } from './alert-rules.js';
import { type Clock, systemClock } from './clock.js';
import { optionsError } from './errors.js';
import { redactPathsWith } from './redaction.js';

/** Log levels, Nest's `verbose` being pino's `trace`. */
export type ObservabilityLogLevel = Level | 'verbose' | 'silent';

/** How log lines are written: JSON for machines, or one readable line for a terminal. */
export type ObservabilityLogFormat = 'json' | 'pretty';

/** Options of {@link ObservabilityModule}. */
export interface ObservabilityModuleOptions {
  /** Names the service in every log line (`service`). Letters, digits, `_`, `.`, `-`; at most 64. */
  service: string;
  /** The lowest level logged: `fatal`, `error`, `warn`, `info`, `debug`, `trace` (or `verbose`), or `silent`. */
  logLevel: ObservabilityLogLevel;
  /** pino paths censored on top of the defaults (README, "Redaction"), e.g. `['*.ssn', 'req.headers["x-session"]']`. */
  redactPaths?: string[];
  /** Where log lines go. Default: standard output. Tests pass a stream that collects them. */
  logStream?: DestinationStream;
  /**
   * `json` (default): one JSON object per line, for log shippers. `pretty`: one readable, coloured line
   * per entry (pino-pretty), for a developer's terminal; the same fields, redaction applied first.
   */
  logFormat?: ObservabilityLogFormat;
  /**
   * A bearer token that may read `GET /metrics` from anywhere; at least 32 characters. Without
   * it, only loopback clients may (unless `metricsAllowLoopback` is false).
   */
  metricsToken?: string;
  /** Whether a loopback client may read `/metrics` without the token. Default true. */
  metricsAllowLoopback?: boolean;
  /**
   * The client address the `/metrics` check uses. Default: the adapter's `request.ip`, which
   * follows the app's proxy-trust setting (`X-Forwarded-For` only from trusted proxies).
   */
  metricsClientAddress?: (request: unknown) => string | undefined;
  /** Whether to collect prom-client's process and Node.js metrics. Default true. */
  defaultMetrics?: boolean;
  /** Buckets of `http_request_duration_seconds`, in seconds, increasing. Default prom-client-like 5 ms … 10 s. */
  durationBuckets?: number[];
  /** Alert rules and where fired alerts go (default: the log). */
  alerts?: {
    rules: AlertRule[];
    sinks?: AlertSink[];
    /** Keys tracked per rule (default 10 000). */
    maxKeysPerRule?: number;
  };
  /** Where the alert engine reads the time. Default: the wall clock. */
  clock?: Clock;
}

/** {@link ObservabilityModuleOptions} after validation, with the defaults filled in. */
export interface ResolvedObservabilityOptions {
  service: string;
  logLevel: Level | 'silent';
  redactPaths: readonly string[];
  logStream?: DestinationStream;
  logFormat: ObservabilityLogFormat;
  /** SHA-256 of the metrics token; the token itself is not kept. */
  metricsTokenDigest?: Buffer;
  metricsAllowLoopback: boolean;
  metricsClientAddress: (request: unknown) => string | undefined;
  defaultMetrics: boolean;
  durationBuckets: readonly number[];
  alerts: { rules: AlertRule[]; sinks?: AlertSink[]; maxKeysPerRule?: number };
  clock: Clock;
}

/** Default buckets of `http_request_duration_seconds`. */
export const DEFAULT_DURATION_BUCKETS: readonly number[] = Object.freeze([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'verbose', 'silent'];
const SERVICE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const TOP_LEVEL = new Set([
  'service',
  'logLevel',
  'redactPaths',
  'logStream',
  'logFormat',
  'metricsToken',
  'metricsAllowLoopback',
  'metricsClientAddress',
  'defaultMetrics',
  'durationBuckets',
  'alerts',
  'clock',
]);
const ALERT_KEYS = new Set(['rules', 'sinks', 'maxKeysPerRule']);
const MIN_TOKEN_LENGTH = 32;

/** The adapter's client address: Express `req.ip` and Fastify `request.ip` both honour proxy trust. */
export function adapterClientAddress(request: unknown): string | undefined {
  const req = request as { ip?: unknown; socket?: { remoteAddress?: string } } | null;
  if (typeof req?.ip === 'string') return req.ip;
  return req?.socket?.remoteAddress;
}

function isBoolean(value: unknown): value is boolean | undefined {
  return value === undefined || typeof value === 'boolean';
}

/**
 * Checks every option and fills in defaults. Unknown keys are refused, so that a typo such as
 * `metricstoken` cannot silently leave `/metrics` loopback-only or a redaction path unset.
 *
 * @throws {ObservabilityError} `ERR_OBSERVABILITY_OPTIONS`, naming the option.
 */
export function validateObservabilityOptions(options: ObservabilityModuleOptions): ResolvedObservabilityOptions {
  if (typeof options !== 'object' || options === null) throw optionsError('options', 'must be an object');
  for (const key of Object.keys(options)) if (!TOP_LEVEL.has(key)) throw optionsError(key, 'is not a known option');

  if (typeof options.service !== 'string' || !SERVICE.test(options.service)) {
    throw optionsError('service', 'must be 1-64 letters, digits, "_", "." or "-", starting with a letter or digit');
  }
  if (typeof options.logLevel !== 'string' || !LEVELS.includes(options.logLevel)) {
    throw optionsError('logLevel', `must be one of: ${LEVELS.join(', ')}`);
  }
  if (options.redactPaths !== undefined && !Array.isArray(options.redactPaths)) {
    throw optionsError('redactPaths', 'must be an array of pino paths');
  }
  const redactPaths = redactPathsWith(options.redactPaths);
  if (options.logStream !== undefined && typeof (options.logStream as Partial<DestinationStream> | null)?.write !== 'function') {
    throw optionsError('logStream', 'must be a stream with a write(line) method');
  }
  if (options.logFormat !== undefined && options.logFormat !== 'json' && options.logFormat !== 'pretty') {
    throw optionsError('logFormat', 'must be "json" or "pretty"');
  }

  let metricsTokenDigest: Buffer | undefined;
  if (options.metricsToken !== undefined) {
    // Long and without blanks: a bearer token is compared as a whole, and a short one can be guessed.
    if (typeof options.metricsToken !== 'string' || options.metricsToken.length < MIN_TOKEN_LENGTH || /\s/.test(options.metricsToken)) {
      throw optionsError('metricsToken', `must be at least ${MIN_TOKEN_LENGTH} characters without spaces`);
    }
    metricsTokenDigest = createHash('sha256').update(options.metricsToken).digest();
  }
  if (!isBoolean(options.metricsAllowLoopback)) throw optionsError('metricsAllowLoopback', 'must be a boolean');
  if (options.metricsClientAddress !== undefined && typeof options.metricsClientAddress !== 'function') {
    throw optionsError('metricsClientAddress', 'must be a function');
  }
  if (!isBoolean(options.defaultMetrics)) throw optionsError('defaultMetrics', 'must be a boolean');

  const buckets = options.durationBuckets ?? DEFAULT_DURATION_BUCKETS;
  if (
    !Array.isArray(buckets) ||
    buckets.length === 0 ||
    buckets.some((b, i) => typeof b !== 'number' || !Number.isFinite(b) || b <= 0 || (i > 0 && b <= (buckets[i - 1] as number)))
  ) {
    throw optionsError('durationBuckets', 'must be a non-empty array of increasing positive numbers (seconds)');
  }

  const alerts = options.alerts ?? { rules: [] };
  if (typeof alerts !== 'object' || alerts === null) throw optionsError('alerts', 'must be an object');
  for (const key of Object.keys(alerts)) if (!ALERT_KEYS.has(key)) throw optionsError(`alerts.${key}`, 'is not a known option');
  const rules = validateAlertRules(alerts.rules, 'alerts.rules');
  if (alerts.sinks !== undefined) {
    if (!Array.isArray(alerts.sinks)) throw optionsError('alerts.sinks', 'must be an array of alert sinks');
    alerts.sinks.forEach((sink, i) => {
      if (typeof (sink as Partial<AlertSink> | null)?.send !== 'function') throw optionsError(`alerts.sinks[${i}]`, 'must have a send(alert) method');
    });
  }
  if (alerts.maxKeysPerRule !== undefined && (!Number.isSafeInteger(alerts.maxKeysPerRule) || alerts.maxKeysPerRule < 1)) {
    throw optionsError('alerts.maxKeysPerRule', 'must be a positive integer');
  }
  if (options.clock !== undefined && typeof (options.clock as Partial<Clock> | null)?.now !== 'function') {
    throw optionsError('clock', 'must have a now() method');
  }

  return {
    service: options.service,
    logLevel: options.logLevel === 'verbose' ? 'trace' : options.logLevel,
    redactPaths: Object.freeze(redactPaths),
    ...(options.logStream ? { logStream: options.logStream } : {}),
    logFormat: options.logFormat ?? 'json',
    ...(metricsTokenDigest ? { metricsTokenDigest } : {}),
    metricsAllowLoopback: options.metricsAllowLoopback ?? true,
    metricsClientAddress: options.metricsClientAddress ?? adapterClientAddress,
    defaultMetrics: options.defaultMetrics ?? true,
    durationBuckets: Object.freeze([...buckets]),
    alerts: {
      rules,
      ...(alerts.sinks ? { sinks: [...alerts.sinks] } : {}),
      ...(alerts.maxKeysPerRule !== undefined ? { maxKeysPerRule: alerts.maxKeysPerRule } : {}),
    },
    clock: options.clock ?? systemClock,
  };
}
