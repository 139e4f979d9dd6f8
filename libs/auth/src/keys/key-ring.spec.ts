import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../clock.js';
import { AuthError } from '../errors.js';
import { FileKeyRing, rotateKeyRingFile } from './file-key-ring.js';
import { generateStoredKey, KeyRing, validateStoredKeys } from './key-ring.js';

describe('key rings', () => {
  let dir: string;
  let now: number;
  const clock: Clock = { now: () => now };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bastion-ring-'));
    now = Date.parse('2026-01-01T00:00:00Z');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a 0600 ring file with one ES256 key when asked, and refuses to otherwise', async () => {
    const path = join(dir, 'keys', 'ring.json');
    await expect(FileKeyRing.open({ path }, clock)).rejects.toMatchObject({ code: 'ERR_AUTH_KEYS' });
    const ring = await FileKeyRing.open({ path, createIfMissing: true }, clock);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const { keys } = await ring.publicJwks();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(Object.hasOwn(keys[0] as object, 'd')).toBe(false);
  });

  it('rotation: the new key signs, the old one verifies until it retires, then a later rotation drops it', async () => {
    const path = join(dir, 'ring.json');
    const ring = await FileKeyRing.open({ path, createIfMissing: true, reloadIntervalMs: 0 }, clock);
    const oldKid = (await ring.signingKey()).kid;

    const report = await rotateKeyRingFile(path, 960, clock);
    expect(report.retiring.map((k) => k.kid)).toEqual([oldKid]);
    now += 10;
    expect((await ring.signingKey()).kid).toBe(report.newKid);
    expect(await ring.verificationKey(oldKid)).toBeDefined();
    expect((await ring.publicJwks()).keys).toHaveLength(2);

    now += 961_000;
    expect(await ring.verificationKey(oldKid)).toBeUndefined();
    expect((await ring.publicJwks()).keys.map((k) => k.kid)).toEqual([report.newKid]);

    const again = await rotateKeyRingFile(path, 960, clock);
    expect(again.removed).toEqual([oldKid]);
  });

  it('publish-first: the new key is in the JWKS at once but signs only after the delay', async () => {
    const path = join(dir, 'ring.json');
    const ring = await FileKeyRing.open({ path, createIfMissing: true, reloadIntervalMs: 0 }, clock);
    const oldKid = (await ring.signingKey()).kid;
    const report = await rotateKeyRingFile(path, 960, clock, 300);
    now += 10;
    expect((await ring.publicJwks()).keys.map((k) => k.kid).sort()).toEqual([oldKid, report.newKid].sort());
    expect((await ring.signingKey()).kid).toBe(oldKid);
    now += 300_000;
    expect((await ring.signingKey()).kid).toBe(report.newKid);
    // The old key verifies for the token lifetime after the switch, not after the rotation.
    now += 900_000;
    expect(await ring.verificationKey(oldKid)).toBeDefined();
  });

  it('refuses a rotation while another holds the lock', async () => {
    const path = join(dir, 'ring.json');
    await rotateKeyRingFile(path, 960, clock);
    writeFileSync(`${path}.lock`, '');
    await expect(rotateKeyRingFile(path, 960, clock)).rejects.toThrow(/another rotation holds/);
  });

  it('validates configured keys and names the bad one without printing it', async () => {
    const good = await generateStoredKey(now);
    expect(validateStoredKeys([good.jwk], 'JWT_SIGNING_KEYS')[0]?.kid).toBe(good.kid);
    const { d: _d, ...publicOnly } = good.jwk;
    const attempt = () => validateStoredKeys([publicOnly], 'JWT_SIGNING_KEYS');
    expect(attempt).toThrow(AuthError);
    expect(attempt).toThrow(/key 0 .* must be a private EC P-256 JWK/);
    expect(() => validateStoredKeys([good.jwk, good.jwk], 'JWT_SIGNING_KEYS')).toThrow(/unique "kid"/);
    expect(() => validateStoredKeys([], 'JWT_SIGNING_KEYS')).toThrow(/non-empty/);
    const ring = await KeyRing.fromKeys(validateStoredKeys([good.jwk], 'x'), clock);
    expect((await ring.signingKey()).kid).toBe(good.kid);
  });
});
