import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { FieldEncryptionError } from './errors.js';
import type { FieldKey, FieldKeyRing } from './key-ring.js';

/** Where a value lives: what its associated data binds it to. */
export interface FieldContext {
  model: string;
  field: string;
  /** The row's primary key. */
  id: string;
}

/** The format version written first in every value. */
export const FORMAT_VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A stored value split into its parts. */
export interface ParsedCiphertext {
  version: string;
  kid: string;
  iv: Buffer;
  data: Buffer;
  tag: Buffer;
}

const B64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Reads `v1.<kid>.<iv>.<ciphertext>.<tag>` (base64url parts), or undefined
 * when `value` is not in that format. The key id is in the clear so that a
 * reader picks the right key and a rotation finds old rows in SQL.
 */
export function parseCiphertext(value: string): ParsedCiphertext | undefined {
  const parts = value.split('.');
  if (parts.length !== 5) return undefined;
  const [version, kid, iv, data, tag] = parts as [string, string, string, string, string];
  if (version !== FORMAT_VERSION || !kid || ![iv, data, tag].every((p) => B64URL.test(p))) return undefined;
  const parsed = { version, kid, iv: Buffer.from(iv, 'base64url'), data: Buffer.from(data, 'base64url'), tag: Buffer.from(tag, 'base64url') };
  if (parsed.iv.length !== IV_BYTES || parsed.tag.length !== TAG_BYTES) return undefined;
  return parsed;
}

/** The key id a stored value names, or undefined when it is not a ciphertext. */
export function kidOf(value: string): string | undefined {
  return parseCiphertext(value)?.kid;
}

// The associated data: authenticated, not stored. Binding the model, field and
// row id means a ciphertext copied onto another row or column fails the tag
// check; binding the version and key id means the header cannot be swapped.
// JSON of an array keeps the parts unambiguous (no separator injection).
function associatedData(version: string, kid: string, ctx: FieldContext): Buffer {
  return Buffer.from(JSON.stringify([version, kid, ctx.model, ctx.field, ctx.id]), 'utf8');
}

/**
 * AES-256-GCM with a random 96-bit nonce per value (NIST SP 800-38D 8.2.2:
 * random IVs are safe below 2^32 values per key — rotate long before).
 */
export function encryptWith(key: FieldKey, plaintext: string, ctx: FieldContext): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData(FORMAT_VERSION, key.kid, ctx));
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [FORMAT_VERSION, key.kid, iv.toString('base64url'), data.toString('base64url'), tag.toString('base64url')].join('.');
}

/** Encrypts with the ring's active key. */
export function encryptField(ring: FieldKeyRing, plaintext: string, ctx: FieldContext): string {
  return encryptWith(ring.active, plaintext, ctx);
}

function where(ctx: FieldContext): string {
  return `${ctx.model}.${ctx.field} of ${ctx.id}`;
}

/**
 * Decrypts a stored value, checking its tag against the associated data of
 * `ctx`. Throws `ERR_FIELD_INTEGRITY` for anything that does not authenticate
 * (altered, moved, plaintext) and `ERR_FIELD_KEYS` for a key id the ring lacks.
 */
export function decryptField(ring: FieldKeyRing, stored: string, ctx: FieldContext): string {
  const parsed = parseCiphertext(stored);
  if (!parsed) throw new FieldEncryptionError('ERR_FIELD_INTEGRITY', `${where(ctx)} is not a ciphertext of this format`);
  const key = ring.key(parsed.kid);
  if (!key) throw new FieldEncryptionError('ERR_FIELD_KEYS', `${where(ctx)} names key ${parsed.kid}, which is not in the key ring`);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, parsed.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(parsed.version, parsed.kid, ctx));
    decipher.setAuthTag(parsed.tag);
    return Buffer.concat([decipher.update(parsed.data), decipher.final()]).toString('utf8');
  } catch (cause) {
    throw new FieldEncryptionError('ERR_FIELD_INTEGRITY', `${where(ctx)} failed authentication (key ${parsed.kid}): altered, moved from another row or column, or a wrong key`, { cause });
  }
}

/**
 * The blind index of a value: HMAC-SHA-256 under the blind-index key, over
 * the model, field and value, hex. Equal values give equal indexes (so an
 * equality lookup works); without the key nobody can compute or invert one.
 * The model and field are part of the input so that one value in two
 * columns gives unrelated indexes.
 */
export function blindIndex(ring: FieldKeyRing, model: string, field: string, value: string): string {
  return createHmac('sha256', ring.blindIndexKey).update(JSON.stringify(['bi1', model, field, value]), 'utf8').digest('hex');
}
