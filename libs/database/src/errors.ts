/**
 * The one error type of `@bastion/database`. `code` is stable and safe to log;
 * `cause` carries the driver's error for the log line, never for a client.
 */
export class DatabaseError extends Error {
  constructor(
    readonly code:
      | 'ERR_DATABASE_OPTIONS'
      | 'ERR_DATABASE_MIGRATION_FAILED'
      | 'ERR_DATABASE_MIGRATION_CHANGED'
      | 'ERR_DATABASE_LOCKED',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DatabaseError';
  }
}
