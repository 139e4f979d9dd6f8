import { ForbiddenException } from '@nestjs/common';

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
