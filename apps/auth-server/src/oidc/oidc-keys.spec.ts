import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOidcKeys, validateJwks } from './oidc-keys';
import { clientSecretMatches, hashClientSecret } from './client-secret';

describe('OIDC keys', () => {
  it('makes a private ES256 JWKS (mode 0600) on first start and reads the same one after', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'oidc-keys-')), 'keys', 'jwks.json');
    const first = await loadOidcKeys({ file, createIfMissing: true });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(first.jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    const again = await loadOidcKeys({ file, createIfMissing: false });
    expect(again.jwks.keys[0]?.kid).toBe(first.jwks.keys[0]?.kid);
    // Demo cookie keys are derived, so they survive a restart; configured ones win.
    expect(again.cookieKeys).toEqual(first.cookieKeys);
    expect((await loadOidcKeys({ file, createIfMissing: false, cookieKeys: ['k'.repeat(40)] })).cookieKeys).toEqual(['k'.repeat(40)]);
    expect(JSON.parse(readFileSync(file, 'utf8')).keys).toHaveLength(1);
  });

  it('refuses a missing file without createIfMissing, public keys, other curves and duplicate kids, naming the key', async () => {
    await expect(loadOidcKeys({ file: join(tmpdir(), 'no-such-dir-x', 'k.json'), createIfMissing: false })).rejects.toThrow(/OIDC_JWKS_FILE|cannot read/);
    const ec = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd', kid: 'a' };
    expect(() => validateJwks({ keys: [{ ...ec, d: undefined }] }, 'f')).toThrow(/key 0 of f is not a private key/);
    expect(() => validateJwks({ keys: [{ ...ec, crv: 'P-384' }] }, 'f')).toThrow(/key 0 of f is not an EC P-256 key/);
    expect(() => validateJwks({ keys: [ec, ec] }, 'f')).toThrow(/key 1 of f needs a unique kid/);
    expect(() => validateJwks({}, 'f')).toThrow(/must hold/);
  });
});

describe('client secrets', () => {
  it('are compared by SHA-256 in constant time; anything else is a mismatch', () => {
    const stored = hashClientSecret('s3cret-value');
    expect(clientSecretMatches(stored, 's3cret-value')).toBe(true);
    expect(clientSecretMatches(stored, 's3cret-valuE')).toBe(false);
    expect(clientSecretMatches(stored, '')).toBe(false);
    expect(clientSecretMatches(stored, undefined)).toBe(false);
    expect(clientSecretMatches(undefined, 's3cret-value')).toBe(false);
    expect(clientSecretMatches('not-a-hash', 's3cret-value')).toBe(false);
  });
});
