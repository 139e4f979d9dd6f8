import { chmodSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FieldEncryptionError } from './errors.js';
import { FileKeyProvider, parseKeyList, readKeyFile } from './key-provider.js';
import { decodeKey, FieldKeyRing, generateFieldKey } from './key-ring.js';

const b64 = () => generateFieldKey().key.toString('base64');

describe('keys', () => {
  it('parses kid:base64key lists, the first active', () => {
    const keys = parseKeyList(`new:${b64()}, old:${b64()}`, 'ENCRYPTION_KEYS');
    expect(keys.map((k) => k.kid)).toEqual(['new', 'old']);
  });

  it.each([
    ['a short key', `k1:${Buffer.alloc(16, 7).toString('base64')}`, /must be 32 bytes/],
    ['a placeholder of zeros', `k1:${Buffer.alloc(32).toString('base64')}`, /looks like a placeholder/],
    ['a word padded out', `k1:${Buffer.from('change-me-change-me-change-me-ch').toString('base64')}`, /looks like a placeholder/],
    ['not base64', 'k1:not base64!', /is not base64/],
    ['no kid', `:${b64()}`, /entry 1 must be kid:base64key/],
    ['a kid with a dot', `a.b:${b64()}`, /entry 1 must be kid:base64key/],
    ['nothing', ' , ', /holds no key/],
  ])('refuses %s, naming the setting but not the value', (_what, list, message) => {
    expect(() => parseKeyList(list, 'ENCRYPTION_KEYS')).toThrow(FieldEncryptionError);
    expect(() => parseKeyList(list, 'ENCRYPTION_KEYS')).toThrow(message);
    try {
      parseKeyList(list, 'ENCRYPTION_KEYS');
    } catch (e) {
      expect((e as Error).message).toMatch(/ENCRYPTION_KEYS/);
      const secret = list.split(':')[1];
      if (secret && secret.length > 8) expect((e as Error).message).not.toContain(secret);
    }
  });

  it('refuses a ring whose active key is missing, a duplicate id, or a blind-index key reused for encryption', () => {
    const k = generateFieldKey('a');
    expect(() => new FieldKeyRing({ activeKid: 'b', keys: [k], blindIndexKey: generateFieldKey().key })).toThrow(/active key b is not in the key ring/);
    expect(() => new FieldKeyRing({ activeKid: 'a', keys: [k, k], blindIndexKey: generateFieldKey().key })).toThrow(/appears twice/);
    expect(() => new FieldKeyRing({ activeKid: 'a', keys: [k], blindIndexKey: k.key })).toThrow(/must differ/);
  });

  it('decodes URL-safe base64 too', () => {
    const key = generateFieldKey().key;
    expect(decodeKey(key.toString('base64url'), 'x').equals(key)).toBe(true);
  });
});

describe('FileKeyProvider', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'field-keys-'));

  it('makes a ring with mode 0600 on first use when allowed, and reads the same ring after', async () => {
    const path = join(dir(), 'sub', 'encryption-keys.json');
    const first = await new FileKeyProvider({ path, createIfMissing: true }).load();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const again = await new FileKeyProvider({ path }).load();
    expect(again.activeKid).toBe(first.activeKid);
    expect(again.keys[0]!.key.equals(first.keys[0]!.key)).toBe(true);
    expect((await readKeyFile(path)).version).toBe(1);
  });

  it('refuses a missing file when not allowed to make one (production)', async () => {
    await expect(new FileKeyProvider({ path: join(dir(), 'none.json') }).load()).rejects.toThrow(/does not exist/);
  });

  it('reports a file readable by others, and refuses a placeholder key in it', async () => {
    const path = join(dir(), 'keys.json');
    await new FileKeyProvider({ path, createIfMissing: true }).load();
    const content = await readKeyFile(path);
    chmodSync(path, 0o644);
    const modes: number[] = [];
    await new FileKeyProvider({ path, onInsecureMode: (m) => modes.push(m) }).load();
    expect(modes).toEqual([0o644]);
    writeFileSync(path, JSON.stringify({ ...content, keys: [{ ...content.keys[0], key: Buffer.alloc(32).toString('base64') }] }));
    await expect(new FileKeyProvider({ path }).load()).rejects.toThrow(/looks like a placeholder/);
  });
});
