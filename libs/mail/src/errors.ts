import { HttpException, HttpStatus } from '@nestjs/common';

/** Stable codes of {@link MailError}; safe to log and to send to a client. */
export type MailErrorCode =
  /** A module option is wrong; thrown at start-up. */
  | 'ERR_MAIL_OPTIONS'
  /** A message is malformed: no recipient, a line break in a header, an empty body. A bug of the caller. */
  | 'ERR_MAIL_MESSAGE'
  /** The transport refused or did not answer after every attempt. */
  | 'ERR_MAIL_SEND';

const STATUS: Record<MailErrorCode, number> = {
  ERR_MAIL_OPTIONS: HttpStatus.INTERNAL_SERVER_ERROR,
  ERR_MAIL_MESSAGE: HttpStatus.INTERNAL_SERVER_ERROR,
  ERR_MAIL_SEND: HttpStatus.SERVICE_UNAVAILABLE,
};

/**
 * The one error type of `@bastion/mail`. An `HttpException` whose response is `{ message, code }`, so that a
 * problem-details filter renders it; `message` never holds the SMTP server's reply (that is in `cause`, for the log).
 *
 * @example
 * try { await mail.send(message) } catch (e) { if (e instanceof MailError && e.code === 'ERR_MAIL_SEND') ... }
 */
export class MailError extends HttpException {
  override readonly name = 'MailError';

  constructor(
    readonly code: MailErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super({ message, code }, STATUS[code], { cause: options?.cause });
    this.message = message;
  }
}

/** Shorthand for a start-up error that names the option. */
export function optionsError(option: string, problem: string): MailError {
  return new MailError('ERR_MAIL_OPTIONS', `mail option "${option}" ${problem}`);
}
