import { ForbiddenException, ServiceUnavailableException } from '@nestjs/common';

/** Stable codes of the authz lib. */
export type AuthzErrorCode = 'ERR_AUTHZ_OPTIONS' | 'ERR_AUTHZ_POLICY_INVALID';

/** A bad option or an invalid policy; `message` names what is wrong. */
export class AuthzError extends Error {
  override readonly name = 'AuthzError';
  constructor(
    readonly code: AuthzErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * 403: the ability does not allow it. Rendered by the app's problem filter
 * (`code: ERR_AUTHZ_DENIED`); the reason is the rule's `reason` when it has one.
 */
export class AuthzDeniedException extends ForbiddenException {
  constructor(reason = 'You are not allowed to do this') {
    super({ message: reason, code: 'ERR_AUTHZ_DENIED' });
  }
}

/**
 * 503: the policies are not loaded (the store could not be read since this
 * instance started), so no decision can be made. Not a denial: nothing was
 * decided, so nothing goes to the denial sink, and the client is told to
 * retry (RFC 9110 §15.6.4). Never an allow either: fail closed. Rendered by
 * the app's problem filter (`code: ERR_AUTHZ_UNAVAILABLE`); `PoliciesGuard`
 * sets `Retry-After` to {@link retryAfterSeconds} on the response.
 */
export class AuthzUnavailableException extends ServiceUnavailableException {
  readonly code = 'ERR_AUTHZ_UNAVAILABLE';

  constructor(readonly retryAfterSeconds = 1) {
    super({ message: 'Authorization is temporarily unavailable; retry later', code: 'ERR_AUTHZ_UNAVAILABLE' });
  }
}
