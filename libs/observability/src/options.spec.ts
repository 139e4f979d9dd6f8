import { createHash } from 'node:crypto';
import { ObservabilityError } from './errors.js';
import { type ObservabilityModuleOptions, validateObservabilityOptions } from './options.js';
import { DEFAULT_REDACT_PATHS } from './redaction.js';

const valid: ObservabilityModuleOptions = { service: 'api', logLevel: 'info' };
const TOKEN = 'a'.repeat(32);

function failure(options: unknown): ObservabilityError {
  try {
    validateObservabilityOptions(options as ObservabilityModuleOptions);
  } catch (error) {
    return error as ObservabilityError;
  }
  throw new Error('expected the options to be refused');
}

describe('validateObservabilityOptions', () => {
  it('fills in defaults and keeps only a digest of the metrics token', () => {
    const resolved = validateObservabilityOptions({ ...valid, logLevel: 'verbose', metricsToken: TOKEN });
    expect(resolved).toMatchObject({ service: 'api', logLevel: 'trace', metricsAllowLoopback: true, defaultMetrics: true, alerts: { rules: [] } });
    expect(resolved.metricsTokenDigest).toEqual(createHash('sha256').update(TOKEN).digest());
    expect(JSON.stringify(resolved)).not.toContain(TOKEN);
    expect(resolved.redactPaths).toEqual(expect.arrayContaining([...DEFAULT_REDACT_PATHS]));
  });

  it.each([
    [{ ...valid, metricstoken: TOKEN }, 'metricstoken', 'is not a known option'],
    [{ logLevel: 'info' }, 'service', 'must be 1-64'],
    [{ ...valid, service: 'my service' }, 'service', 'must be 1-64'],
    [{ ...valid, logLevel: 'loud' }, 'logLevel', 'must be one of'],
    [{ ...valid, redactPaths: 'req.body' }, 'redactPaths', 'must be an array'],
    [{ ...valid, redactPaths: ['req.body', ''] }, 'redactPaths[1]', 'non-empty string'],
    [{ ...valid, redactPaths: ['req.headers["x-session'] }, 'redactPaths[0]', 'not a valid pino redaction path'],
    [{ ...valid, logStream: {} }, 'logStream', 'write(line)'],
    [{ ...valid, metricsToken: 'short' }, 'metricsToken', 'at least 32 characters'],
    [{ ...valid, metricsToken: `${TOKEN} x` }, 'metricsToken', 'without spaces'],
    [{ ...valid, metricsAllowLoopback: 'yes' }, 'metricsAllowLoopback', 'boolean'],
    [{ ...valid, metricsClientAddress: '127.0.0.1' }, 'metricsClientAddress', 'function'],
    [{ ...valid, durationBuckets: [0.1, 0.1] }, 'durationBuckets', 'increasing'],
    [{ ...valid, durationBuckets: [] }, 'durationBuckets', 'non-empty'],
    [{ ...valid, alerts: { rules: [], sink: [] } }, 'alerts.sink', 'is not a known option'],
    [{ ...valid, alerts: { rules: [{ name: 'a', event: 'e', threshold: 0, windowMs: 1000 }] } }, 'alerts.rules[0].threshold', 'from 1 to 1000'],
    [{ ...valid, alerts: { rules: [{ name: 'a', event: 'e', threshold: 1, window: 1000 }] } }, 'alerts.rules[0].window', 'not a known field'],
    [
      { ...valid, alerts: { rules: [{ name: 'a', event: 'e', threshold: 1, windowMs: 1 }, { name: 'a', event: 'f', threshold: 1, windowMs: 1 }] } },
      'alerts.rules[1].name',
      'repeats "a"',
    ],
    [{ ...valid, alerts: { rules: [], sinks: [{}] } }, 'alerts.sinks[0]', 'send(alert)'],
    [{ ...valid, clock: { now: 1 } }, 'clock', 'now()'],
  ])('refuses %j, naming %s', (options, option, problem) => {
    const error = failure(options);
    expect(error).toBeInstanceOf(ObservabilityError);
    expect(error.code).toBe('ERR_OBSERVABILITY_OPTIONS');
    expect(error.message).toContain(`observability option "${option}"`);
    expect(error.message).toContain(problem);
  });
});
