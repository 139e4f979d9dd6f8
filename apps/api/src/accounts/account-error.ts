import { HttpException, HttpStatus } from '@nestjs/common';

/** Stable codes of the account flows' errors (sign-up, verification, invitations, password reset). */
export type AccountErrorCode =
  /** 400: the link's token is unknown, used, replaced by a newer one, expired, or of another purpose. */
  | 'ERR_ACCOUNT_TOKEN_INVALID'
  /** 403: the password was right, but the address is not verified yet (sign-up pending). */
  | 'ERR_ACCOUNT_EMAIL_UNVERIFIED'
  /** 403: sign-up is not open here (`SIGNUP=invite` or `off`). */
  | 'ERR_ACCOUNT_SIGNUP_CLOSED';

const STATUS: Record<AccountErrorCode, number> = {
  ERR_ACCOUNT_TOKEN_INVALID: HttpStatus.BAD_REQUEST,
  ERR_ACCOUNT_EMAIL_UNVERIFIED: HttpStatus.FORBIDDEN,
  ERR_ACCOUNT_SIGNUP_CLOSED: HttpStatus.FORBIDDEN,
};

/** An error of the account flows; the problem-details filter renders its `code`. */
export class AccountError extends HttpException {
  override readonly name = 'AccountError';

  constructor(
    readonly code: AccountErrorCode,
    message: string,
  ) {
    super({ message, code }, STATUS[code]);
    this.message = message;
  }
}

/** One answer for every bad link, so that it tells nothing of why (used, expired, replaced, unknown). */
export const invalidToken = () => new AccountError('ERR_ACCOUNT_TOKEN_INVALID', 'The link is invalid, used or expired; ask for a new one');
