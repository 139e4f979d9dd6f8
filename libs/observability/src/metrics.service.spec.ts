import { register as globalRegistry } from 'prom-client';
import { ObservabilityError } from './errors.js';
import { Metrics } from './metrics.service.js';

describe('Metrics', () => {
  it('keeps each instance on its own registry, never the global one', async () => {
    const a = new Metrics({ defaultMetrics: false });
    const b = new Metrics({ defaultMetrics: false });
    a.counter('jobs_total', 'Jobs', ['queue']).inc({ queue: 'mail' });
    b.counter('jobs_total', 'Jobs', ['queue']).inc({ queue: 'mail' }, 5);
    expect(await a.text()).toContain('jobs_total{queue="mail"} 1');
    expect(await b.text()).toContain('jobs_total{queue="mail"} 5');
    expect(globalRegistry.getSingleMetric('jobs_total')).toBeUndefined();
    expect(globalRegistry.getSingleMetric('http_requests_total')).toBeUndefined();
  });

  it('returns the same metric for the same name, type and labels, and refuses a clash', () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const logins = metrics.counter('auth_logins_total', 'Logins', ['outcome']);
    expect(metrics.counter('auth_logins_total', 'Logins', ['outcome'])).toBe(logins);
    expect(() => metrics.gauge('auth_logins_total', 'Logins', ['outcome'])).toThrow(/already a counter/);
    expect(() => metrics.counter('auth_logins_total', 'Logins', ['result'])).toThrow(/already a counter with labels \[outcome\]/);
  });

  it.each([
    ['bad-name', []],
    ['__internal', []],
    ['ok_total', ['le']],
    ['ok_total', ['__meta']],
    ['ok_total', ['bad-label']],
  ])('refuses metric %s with labels %j (ERR_OBSERVABILITY_METRIC)', (name, labels) => {
    const metrics = new Metrics({ defaultMetrics: false });
    expect(() => metrics.counter(name, 'help', labels)).toThrow(expect.objectContaining({ code: 'ERR_OBSERVABILITY_METRIC' }));
    expect(() => metrics.counter(name, 'help', labels)).toThrow(ObservabilityError);
  });

  it('serves gauges and histograms, and the default Node.js metrics only when asked', async () => {
    const withDefaults = new Metrics();
    withDefaults.gauge('queue_depth', 'Jobs waiting').set(7);
    withDefaults.histogram('job_seconds', 'Job time', [], [1, 5]).observe(2);
    const text = await withDefaults.text();
    expect(text).toContain('queue_depth 7');
    expect(text).toContain('job_seconds_bucket{le="5"} 1');
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(await new Metrics({ defaultMetrics: false }).text()).not.toContain('process_cpu_user_seconds_total');
    withDefaults.onModuleDestroy();
  });

  it('uses the configured duration buckets', async () => {
    const metrics = new Metrics({ defaultMetrics: false, durationBuckets: [0.5, 2] });
    metrics.httpRequestDuration.observe({ method: 'GET', route: '/a', status: '200' }, 1);
    expect(await metrics.text()).toContain('http_request_duration_seconds_bucket{le="2",method="GET",route="/a",status="200"} 1');
  });
});
