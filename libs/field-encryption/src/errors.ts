/** Stable codes of {@link FieldEncryptionError}. */
export type FieldEncryptionErrorCode =
  /** A stored value failed authentication: altered, moved to another row or column, or written without encryption. */
  | 'ERR_FIELD_INTEGRITY'
  /** Keys are missing, malformed, a placeholder, or cannot decrypt what is stored. */
  | 'ERR_FIELD_KEYS'
  /** A bad option of the extension, the provider or the rotation. */
  | 'ERR_FIELD_OPTIONS'
  /** A query the extension cannot serve safely (a filter on an encrypted field, a bulk update of one). */
  | 'ERR_FIELD_QUERY';

/**
 * The one error type of `@bastion/field-encryption`. Its message names the
 * model, field, row id and key id, never a plaintext, a ciphertext or a key.
 */
export class FieldEncryptionError extends Error {
  constructor(
    readonly code: FieldEncryptionErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'FieldEncryptionError';
  }
}
