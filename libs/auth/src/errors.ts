/** Stable codes of {@link AuthError}; safe to log and to send to a client. */
export type AuthErrorCode =
  | 'ERR_AUTH_OPTIONS'
  | 'ERR_AUTH_KEYS'
  | 'ERR_AUTH_CREDENTIALS_MISSING'
  | 'ERR_AUTH_CREDENTIALS_AMBIGUOUS'
  | 'ERR_AUTH_CREDENTIAL_IN_QUERY'
  | 'ERR_AUTH_TOKEN_INVALID'
  | 'ERR_AUTH_TOKEN_EXPIRED'
  | 'ERR_AUTH_TOKEN_REVOKED'
  | 'ERR_AUTH_ACCOUNT_DISABLED'
  | 'ERR_AUTH_REFRESH_INVALID'
  | 'ERR_AUTH_REFRESH_REUSED'
  | 'ERR_AUTH_API_KEY_INVALID'
  | 'ERR_AUTH_METHOD_NOT_ALLOWED'
  | 'ERR_AUTH_INSUFFICIENT_SCOPE'
  | 'ERR_AUTH_INVALID_CREDENTIALS'
  | 'ERR_AUTH_PASSWORD_POLICY'
  | 'ERR_AUTH_RATE_LIMITED'
  | 'ERR_AUTH_UNAVAILABLE';

/**
 * The one error type of `@bastion/auth`. `message` is safe for a client;
 * `cause` (the library's error) is for the log line only.
 */
export class AuthError extends Error {
  override readonly name = 'AuthError';

  constructor(
    readonly code: AuthErrorCode,
    message: string,
    options?: { cause?: unknown; details?: AuthErrorDetails },
  ) {
    super(message, options);
    this.details = options?.details ?? {};
  }

  /** What the HTTP layer needs besides the code: challenges, scopes, wait time. */
  readonly details: AuthErrorDetails;
}

/** Extra facts an {@link AuthError} carries for the response headers. */
export interface AuthErrorDetails {
  /** Methods the route accepts, for the `WWW-Authenticate` challenges. */
  methods?: readonly ('jwt' | 'api-key' | 'oidc')[];
  /** Scopes the route needs (`insufficient_scope`). */
  scopes?: readonly string[];
  /** Seconds until a rate limit lets the caller try again. */
  retryAfterSeconds?: number;
}
