/** Stable codes of {@link AuditError}; safe to log. */
export type AuditErrorCode =
  /** A module or store option is wrong; thrown at start-up, naming the option. */
  | 'ERR_AUDIT_OPTIONS'
  /** `record()` or `appendBatch()` got an event a program wrote wrong (unknown outcome, a tenant id that is not a UUID…). */
  | 'ERR_AUDIT_EVENT'
  /** A search query is out of range (limit, cursor, dates); a controller turns it into a 400. */
  | 'ERR_AUDIT_QUERY'
  /** The store answered with something that is not an audit row. */
  | 'ERR_AUDIT_STORE';

/**
 * The one error type of `@bastion/audit`. `message` names the option or field that is wrong and never holds a value
 * from an event (it may be a secret); `cause` is for the log line only.
 *
 * @example
 * throw new AuditError('ERR_AUDIT_OPTIONS', 'audit option "batchSize" must be an integer from 1 to 1000');
 */
export class AuditError extends Error {
  override readonly name = 'AuditError';

  constructor(
    readonly code: AuditErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Shorthand for a start-up error that names the option. */
export function optionsError(option: string, problem: string): AuditError {
  return new AuditError('ERR_AUDIT_OPTIONS', `audit option "${option}" ${problem}`);
}
