import { HttpException, HttpStatus } from '@nestjs/common';

/** Stable codes of {@link ThrottlingError}; safe to log and to send to a client. */
export type ThrottlingErrorCode =
  /** A module, storage or `limitFor` option is wrong; thrown at start-up (or by an override). */
  | 'ERR_THROTTLING_OPTIONS'
  /** The storage answered late or with something that is not a record. */
  | 'ERR_THROTTLING_STORAGE'
  /** 429: the caller is over a limit. */
  | 'ERR_RATE_LIMITED'
  /** 503: the storage failed and the throttler fails closed. */
  | 'ERR_RATE_LIMIT_UNAVAILABLE';

const STATUS: Record<ThrottlingErrorCode, number> = {
  ERR_THROTTLING_OPTIONS: HttpStatus.INTERNAL_SERVER_ERROR,
  ERR_THROTTLING_STORAGE: HttpStatus.SERVICE_UNAVAILABLE,
  ERR_RATE_LIMITED: HttpStatus.TOO_MANY_REQUESTS,
  ERR_RATE_LIMIT_UNAVAILABLE: HttpStatus.SERVICE_UNAVAILABLE,
};

/**
 * The one error type of `@bastion/throttling`. It is an `HttpException` whose response is
 * `{ message, code }`, so a problem-details filter that copies `code` renders it as is; `message`
 * is safe for a client and `cause` (a storage error, say) is for the log line only.
 *
 * @example
 * throw new ThrottlingError('ERR_RATE_LIMITED', 'Too many requests; try again in 17 seconds.', { retryAfterSeconds: 17 });
 * @see https://www.rfc-editor.org/rfc/rfc9457
 */
export class ThrottlingError extends HttpException {
  override readonly name = 'ThrottlingError';
  /** Seconds until the caller may try again (429 only). */
  readonly retryAfterSeconds?: number;

  constructor(
    readonly code: ThrottlingErrorCode,
    message: string,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super({ message, code }, STATUS[code], { cause: options?.cause });
    this.message = message;
    if (options?.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** Shorthand for a start-up error that names the option. */
export function optionsError(option: string, problem: string): ThrottlingError {
  return new ThrottlingError('ERR_THROTTLING_OPTIONS', `throttling option "${option}" ${problem}`);
}
