import { blindIndex, decryptField, encryptField, encryptWith, kidOf, parseCiphertext } from './cipher.js';
import { FieldEncryptionError } from './errors.js';
import { FieldKeyRing, generateFieldKey } from './key-ring.js';

const k1 = generateFieldKey('k1');
const k2 = generateFieldKey('k2');
const ringOf = (active = 'k1') => new FieldKeyRing({ activeKid: active, keys: [k1, k2], blindIndexKey: generateFieldKey('bi').key });
const ctx = { model: 'Document', field: 'body', id: '0b6c3c8e-0000-4000-8000-000000000001' };

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FieldEncryptionError);
    return (error as FieldEncryptionError).code;
  }
  return undefined;
}

describe('field cipher (AES-256-GCM)', () => {
  const ring = ringOf();

  it('round-trips, with a versioned format carrying the key id', () => {
    const stored = encryptField(ring, 'héllo wörld', ctx);
    expect(stored).toMatch(/^v1\.k1\.[\w-]{16}\.[\w-]+\.[\w-]{22}$/);
    expect(kidOf(stored)).toBe('k1');
    expect(decryptField(ring, stored, ctx)).toBe('héllo wörld');
    expect(decryptField(ring, encryptField(ring, '', ctx), ctx)).toBe('');
  });

  it('uses a fresh 96-bit nonce per value: the same plaintext never encrypts the same way twice', () => {
    const values = new Set(Array.from({ length: 50 }, () => encryptField(ring, 'same', ctx)));
    expect(values.size).toBe(50);
    const ivs = new Set([...values].map((v) => parseCiphertext(v)!.iv.toString('hex')));
    expect(ivs.size).toBe(50);
    expect(parseCiphertext([...values][0]!)!.iv).toHaveLength(12);
  });

  it.each([
    ['another row', { ...ctx, id: '0b6c3c8e-0000-4000-8000-000000000002' }],
    ['another field', { ...ctx, field: 'title' }],
    ['another model', { ...ctx, model: 'User' }],
  ])('refuses a ciphertext moved to %s (associated data)', (_what, elsewhere) => {
    const stored = encryptField(ring, 'secret', ctx);
    expect(codeOf(() => decryptField(ring, stored, elsewhere))).toBe('ERR_FIELD_INTEGRITY');
  });

  it('refuses a flipped bit anywhere, a swapped key id, plaintext and truncation', () => {
    const stored = encryptField(ring, 'secret value', ctx);
    const parts = stored.split('.');
    const flip = (s: string) => Buffer.from(Buffer.from(s, 'base64url').map((b, i) => (i === 0 ? b ^ 1 : b))).toString('base64url');
    for (const i of [2, 3, 4]) {
      const tampered = parts.map((p, j) => (j === i ? flip(p) : p)).join('.');
      expect(codeOf(() => decryptField(ring, tampered, ctx))).toBe('ERR_FIELD_INTEGRITY');
    }
    // The key id is authenticated too: naming another key in the ring fails rather than decrypting garbage.
    expect(codeOf(() => decryptField(ring, ['v1', 'k2', ...parts.slice(2)].join('.'), ctx))).toBe('ERR_FIELD_INTEGRITY');
    expect(codeOf(() => decryptField(ring, 'secret value', ctx))).toBe('ERR_FIELD_INTEGRITY');
    expect(codeOf(() => decryptField(ring, stored.slice(0, -3), ctx))).toBe('ERR_FIELD_INTEGRITY');
    expect(codeOf(() => decryptField(ring, `v2${stored.slice(2)}`, ctx))).toBe('ERR_FIELD_INTEGRITY');
  });

  it('names a missing key as a key problem, and never the value in a message', () => {
    const stored = encryptWith(generateFieldKey('gone'), 'secret value', ctx);
    let message = '';
    expect(
      codeOf(() => {
        try {
          decryptField(ring, stored, ctx);
        } catch (e) {
          message = (e as Error).message;
          throw e;
        }
      }),
    ).toBe('ERR_FIELD_KEYS');
    expect(message).toMatch(/gone/);
    expect(message).not.toMatch(/secret/);
  });

  it('decrypts values under an older key while encrypting with the active one', () => {
    const old = encryptField(ringOf('k1'), 'v', ctx);
    const rotated = ringOf('k2');
    expect(decryptField(rotated, old, ctx)).toBe('v');
    expect(kidOf(encryptField(rotated, 'v', ctx))).toBe('k2');
  });
});

describe('blind index (HMAC-SHA-256)', () => {
  const ring = ringOf();

  it('is deterministic per value, separate per model and field, and keyed', () => {
    const a = blindIndex(ring, 'User', 'phone', '+15550100');
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(blindIndex(ring, 'User', 'phone', '+15550100')).toBe(a);
    expect(blindIndex(ring, 'User', 'phone', '+15550101')).not.toBe(a);
    expect(blindIndex(ring, 'User', 'fax', '+15550100')).not.toBe(a);
    expect(blindIndex(ringOf(), 'User', 'phone', '+15550100')).not.toBe(a);
  });
});
