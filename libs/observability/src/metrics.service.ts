import { type OnModuleDestroy } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ObservabilityError } from './errors.js';
import { DEFAULT_DURATION_BUCKETS } from './options.js';

/** Labels of the HTTP metrics. */
export type HttpMetricLabel = 'method' | 'route' | 'status';

/** Options of {@link Metrics}. */
export interface MetricsOptions {
  /** Collect prom-client's process and Node.js metrics on this registry. Default true. */
  defaultMetrics?: boolean;
  /** Buckets of `http_request_duration_seconds`, in seconds. */
  durationBuckets?: readonly number[];
}

// https://prometheus.io/docs/concepts/data_model/#metric-names-and-labels
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
// `le` and `quantile` belong to histograms and summaries; `__` names are Prometheus's own.
const RESERVED_LABELS = new Set(['le', 'quantile']);

type Kind = 'counter' | 'gauge' | 'histogram';

function metricError(message: string): ObservabilityError {
  return new ObservabilityError('ERR_OBSERVABILITY_METRIC', message);
}

/**
 * Prometheus metrics on a private prom-client `Registry`, so that two apps in one process (or
 * two test suites) never share or collide on a metric. Holds the HTTP metrics that
 * {@link installHttpMetrics} records, and makes the app's own counters, gauges and histograms.
 *
 * Labels are for bounded sets (a route pattern, a status, an outcome), never for user ids,
 * tokens or raw paths: each label value is a new time series kept in memory.
 *
 * @example
 * const logins = metrics.counter('auth_logins_total', 'Login attempts by outcome', ['outcome']);
 * logins.inc({ outcome: 'failed' });
 */
export class Metrics implements OnModuleDestroy {
  /** The private registry; `/metrics` serves it. */
  readonly registry = new Registry();
  /** `http_requests_total{method,route,status}`. */
  readonly httpRequests: Counter<HttpMetricLabel>;
  /** `http_request_duration_seconds{method,route,status}`. */
  readonly httpRequestDuration: Histogram<HttpMetricLabel>;
  private readonly kinds = new Map<string, { kind: Kind; labels: string }>();

  constructor(options: MetricsOptions = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.httpRequests = this.counter('http_requests_total', 'HTTP requests answered, by method, route pattern and status', ['method', 'route', 'status']);
    this.httpRequestDuration = this.histogram(
      'http_request_duration_seconds',
      'Time to answer an HTTP request, by method, route pattern and status',
      ['method', 'route', 'status'],
      options.durationBuckets ?? DEFAULT_DURATION_BUCKETS,
    );
  }

  /**
   * A counter on this registry. Asking again for the same name, type and labels returns the
   * same counter, so two services can share one.
   *
   * @throws {ObservabilityError} `ERR_OBSERVABILITY_METRIC` for a bad name or label, or a name taken by another metric.
   */
  counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return this.define('counter', name, help, labelNames, () => new Counter<L>({ name, help, labelNames, registers: [this.registry] }));
  }

  /** A gauge on this registry; see {@link Metrics.counter}. */
  gauge<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    return this.define('gauge', name, help, labelNames, () => new Gauge<L>({ name, help, labelNames, registers: [this.registry] }));
  }

  /** A histogram on this registry (buckets in the metric's unit); see {@link Metrics.counter}. */
  histogram<L extends string = never>(name: string, help: string, labelNames: readonly L[] = [], buckets?: readonly number[]): Histogram<L> {
    return this.define('histogram', name, help, labelNames, () =>
      new Histogram<L>({ name, help, labelNames, registers: [this.registry], ...(buckets ? { buckets: [...buckets] } : {}) }),
    );
  }

  /** The exposition text, as `/metrics` serves it with `registry.contentType`. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  onModuleDestroy(): void {
    this.registry.clear();
  }

  private define<M>(kind: Kind, name: string, help: string, labelNames: readonly string[], create: () => M): M {
    if (typeof name !== 'string' || !METRIC_NAME.test(name) || name.startsWith('__')) {
      throw metricError(`metric name "${String(name)}" must match ${METRIC_NAME.source} and not start with "__"`);
    }
    if (typeof help !== 'string' || help.trim() === '') throw metricError(`metric "${name}" needs a help text`);
    if (!Array.isArray(labelNames)) throw metricError(`metric "${name}": labelNames must be an array`);
    for (const label of labelNames) {
      if (typeof label !== 'string' || !LABEL_NAME.test(label) || label.startsWith('__') || RESERVED_LABELS.has(label)) {
        throw metricError(`metric "${name}": label "${String(label)}" is not allowed (${LABEL_NAME.source}, not le, quantile or __*)`);
      }
    }
    const labels = [...labelNames].sort().join(',');
    const existing = this.kinds.get(name);
    if (existing) {
      if (existing.kind !== kind || existing.labels !== labels) {
        throw metricError(`metric "${name}" is already a ${existing.kind} with labels [${existing.labels}]`);
      }
      return this.registry.getSingleMetric(name) as M;
    }
    if (this.registry.getSingleMetric(name)) throw metricError(`metric "${name}" is already registered`);
    const metric = create();
    this.kinds.set(name, { kind, labels });
    return metric;
  }
}
