/** Stable codes of {@link SamlError}; safe to log and to send to a client. */
export type SamlErrorCode =
  | 'ERR_SAML_OPTIONS'
  | 'ERR_SAML_MALFORMED'
  | 'ERR_SAML_TOO_LARGE'
  | 'ERR_SAML_UNKNOWN_IDP'
  | 'ERR_SAML_SIGNATURE'
  | 'ERR_SAML_ALGORITHM'
  | 'ERR_SAML_WRAPPED'
  | 'ERR_SAML_COMMENT'
  | 'ERR_SAML_ISSUER'
  | 'ERR_SAML_AUDIENCE'
  | 'ERR_SAML_DESTINATION'
  | 'ERR_SAML_RECIPIENT'
  | 'ERR_SAML_EXPIRED'
  | 'ERR_SAML_IN_RESPONSE_TO'
  | 'ERR_SAML_IDP_INITIATED'
  | 'ERR_SAML_REPLAYED'
  | 'ERR_SAML_STATUS'
  | 'ERR_SAML_INVALID'
  | 'ERR_SAML_UNAVAILABLE';

/** Codes that mean "the message could not be read" (a client error: 400) rather than "not accepted" (401). */
export const SAML_MALFORMED_CODES: readonly SamlErrorCode[] = ['ERR_SAML_MALFORMED', 'ERR_SAML_TOO_LARGE'];

/**
 * The one error type of `@bastion/auth-saml`. `message` is safe for a client
 * (it never holds XML, certificates or the library's own words); `cause`
 * (node-saml's error) is for the log line only.
 */
export class SamlError extends Error {
  override readonly name = 'SamlError';

  constructor(
    readonly code: SamlErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
