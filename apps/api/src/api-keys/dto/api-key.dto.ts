/** An API key as listed: never its secret. */
export class ApiKeyDto {
  id!: string;
  name!: string;
  prefix!: string;
  scopes!: string[];
  /** Requests per minute, or null for the API's default. */
  rateLimit!: number | null;
  createdAt!: Date;
  lastUsedAt!: Date | null;
  expiresAt!: Date | null;
  revokedAt!: Date | null;
}

/** The answer to creating a key: the only time `key` is shown. */
export class CreatedApiKeyDto {
  id!: string;
  key!: string;
  prefix!: string;
  name!: string;
  scopes!: string[];
  rateLimitPerMinute!: number | null;
  expiresAt!: Date | null;
  createdAt!: Date;
}
