import { randomBytes } from 'node:crypto';
import { FieldEncryptionError } from './errors.js';

/** One data-encryption key: 32 random bytes for AES-256-GCM, named by its key id. */
export interface FieldKey {
  /** 1–32 of `A-Z a-z 0-9 -`; written into every ciphertext it makes. */
  kid: string;
  key: Buffer;
}

/** What a {@link FieldKeyProvider} hands over: every key that may still decrypt, the active one, the blind-index key. */
export interface KeyRingMaterial {
  /** The key new values are encrypted with. */
  activeKid: string;
  keys: FieldKey[];
  /** HMAC-SHA-256 key of the blind indexes; never used to encrypt. */
  blindIndexKey: Buffer;
}

/** Key ids are written into stored values and compared in SQL: a closed alphabet, no `.` (the format's separator). */
export const KID_PATTERN = /^[A-Za-z0-9-]{1,32}$/;

/**
 * Refuses a key that is not 32 bytes, or that looks like a placeholder (one
 * byte repeated, or very few distinct bytes: `AAAA…`, all zeros, a word
 * padded out). 32 random bytes have ~30 distinct values; 12 leaves a wide
 * margin. OWASP ASVS 11.5.1 / 13.3.1: keys come from a CSPRNG and are managed, not typed in.
 */
export function checkKeyBytes(key: Buffer, label: string): void {
  if (key.length !== 32) {
    throw new FieldEncryptionError('ERR_FIELD_KEYS', `${label} must be 32 bytes (base64 of 32 random bytes, e.g. openssl rand -base64 32); got ${key.length}`);
  }
  if (new Set(key).size < 12) {
    throw new FieldEncryptionError('ERR_FIELD_KEYS', `${label} looks like a placeholder, not 32 random bytes; generate one with openssl rand -base64 32`);
  }
}

/** Decodes standard or URL-safe base64, refusing anything else (a typo must not become a short key). */
export function decodeKey(text: string, label: string): Buffer {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) {
    throw new FieldEncryptionError('ERR_FIELD_KEYS', `${label} is not base64 (e.g. openssl rand -base64 32)`);
  }
  const key = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  checkKeyBytes(key, label);
  return key;
}

/** A new random key id: the date and 6 random hex digits, e.g. `k20261128-3fa9c1`. */
export function newKid(now: Date = new Date()): string {
  return `k${now.toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(3).toString('hex')}`;
}

/** A fresh random key. */
export function generateFieldKey(kid: string = newKid()): FieldKey {
  return { kid, key: randomBytes(32) };
}

/**
 * The keys in memory. Holds every key that may still decrypt; encrypts with
 * the active one. A provider can {@link FieldKeyRing.replace} the material at
 * run time (a rotation), and the ring is checked every time.
 */
export class FieldKeyRing {
  private material!: KeyRingMaterial;
  private byKid = new Map<string, Buffer>();

  constructor(material: KeyRingMaterial) {
    this.replace(material);
  }

  /** Swaps in new material after checking it whole; on error the old material stays. */
  replace(material: KeyRingMaterial): void {
    const byKid = new Map<string, Buffer>();
    for (const k of material.keys) {
      if (!KID_PATTERN.test(k.kid)) throw new FieldEncryptionError('ERR_FIELD_KEYS', `key id "${k.kid.slice(0, 40)}" must be 1-32 of A-Z a-z 0-9 -`);
      if (byKid.has(k.kid)) throw new FieldEncryptionError('ERR_FIELD_KEYS', `key id ${k.kid} appears twice`);
      checkKeyBytes(k.key, `key ${k.kid}`);
      byKid.set(k.kid, k.key);
    }
    if (!byKid.has(material.activeKid)) {
      throw new FieldEncryptionError('ERR_FIELD_KEYS', `the active key ${material.activeKid} is not in the key ring`);
    }
    checkKeyBytes(material.blindIndexKey, 'the blind-index key');
    // A blind-index key equal to an encryption key would tie the two uses together.
    if ([...byKid.values()].some((k) => k.equals(material.blindIndexKey))) {
      throw new FieldEncryptionError('ERR_FIELD_KEYS', 'the blind-index key must differ from every encryption key');
    }
    this.material = { activeKid: material.activeKid, keys: [...material.keys], blindIndexKey: material.blindIndexKey };
    this.byKid = byKid;
  }

  /** The key new values are encrypted with. */
  get active(): FieldKey {
    return { kid: this.material.activeKid, key: this.byKid.get(this.material.activeKid) as Buffer };
  }

  /** Every key id that may decrypt. */
  get kids(): string[] {
    return [...this.byKid.keys()];
  }

  /** The key named `kid`, or undefined. */
  key(kid: string): Buffer | undefined {
    return this.byKid.get(kid);
  }

  get blindIndexKey(): Buffer {
    return this.material.blindIndexKey;
  }
}
