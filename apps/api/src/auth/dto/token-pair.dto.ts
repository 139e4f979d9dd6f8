/** The answer of login and refresh (RFC 6749 §5.1 names, camel-cased). */
export class TokenPairDto {
  accessToken!: string;
  refreshToken!: string;
  tokenType!: 'Bearer';
  /** Seconds until the access token expires. */
  expiresIn!: number;
}
