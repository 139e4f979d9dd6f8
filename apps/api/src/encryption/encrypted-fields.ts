import type { EncryptedModelOptions } from '@bastion/field-encryption';

/**
 * One form per phone number, so that `+44 20 7946 0000` and `+442079460000`
 * have the same blind index: digits only, with the leading `+` kept.
 */
export function normalizePhone(phone: string): string {
  const trimmed = phone.trim();
  return (trimmed.startsWith('+') ? '+' : '') + trimmed.replace(/\D/g, '');
}

/**
 * The demo's encrypted fields, declared once: every query through the
 * extended Prisma client encrypts and decrypts them (libs/field-encryption).
 * `User.phone` is also searchable by equality through its blind index.
 */
export const ENCRYPTED_MODELS: Record<string, EncryptedModelOptions> = {
  Document: { table: 'documents', fields: { body: {} } },
  User: {
    table: 'users',
    fields: { phone: { blindIndex: { field: 'phoneIndex', column: 'phone_index', normalize: normalizePhone } } },
  },
};
