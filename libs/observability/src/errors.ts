/** Stable codes of {@link ObservabilityError}. */
export type ObservabilityErrorCode =
  /** A module, alert rule or sink option is wrong; thrown at start-up, naming the option. */
  | 'ERR_OBSERVABILITY_OPTIONS'
  /** A metric name or label is invalid, or the name is already taken by a different metric. */
  | 'ERR_OBSERVABILITY_METRIC'
  /** `installHttpMetrics` was called on an unsupported adapter, or after `app.init()`. */
  | 'ERR_OBSERVABILITY_SETUP';

/**
 * The one error type of `@bastion/observability`. It never reaches a client: every code is a
 * programming or configuration mistake found at start-up (or when a metric is defined).
 *
 * @example
 * throw new ObservabilityError('ERR_OBSERVABILITY_OPTIONS', 'observability option "service" must be a non-empty string');
 */
export class ObservabilityError extends Error {
  override readonly name = 'ObservabilityError';

  constructor(
    readonly code: ObservabilityErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Shorthand for a start-up error that names the option. */
export function optionsError(option: string, problem: string): ObservabilityError {
  return new ObservabilityError('ERR_OBSERVABILITY_OPTIONS', `observability option "${option}" ${problem}`);
}
