/** Stable codes of {@link OidcTokenError}; safe to log and to send to a client. */
export type OidcTokenErrorCode =
  | 'ERR_OIDC_OPTIONS'
  | 'ERR_OIDC_ISSUER_UNKNOWN'
  | 'ERR_OIDC_ISSUER_UNAVAILABLE'
  | 'ERR_OIDC_TOKEN_INVALID'
  | 'ERR_OIDC_TOKEN_EXPIRED';

/**
 * The one error type of `@bastion/auth-oidc`. `message` is safe for a
 * client; `cause` (jose's or fetch's error) is for the log line only.
 */
export class OidcTokenError extends Error {
  override readonly name = 'OidcTokenError';

  constructor(
    readonly code: OidcTokenErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
