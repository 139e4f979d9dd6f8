import type { KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import type { Clock } from '../clock.js';
import { generateStoredKey, KeyRing } from '../keys/key-ring.js';
import type { JwtKeyProvider, SigningKey } from '../keys/jwt-key-provider.interface.js';
import { AccessTokenService } from './access-token.service.js';

// A provider whose keys the test can take away, as a key-ring rotation that retires a key would.
class SwappableKeys implements JwtKeyProvider {
  verifications = 0;
  constructor(public ring: JwtKeyProvider) {}
  signingKey(): Promise<SigningKey> {
    return this.ring.signingKey();
  }
  verificationKey(kid: string): Promise<KeyObject | undefined> {
    this.verifications += 1;
    return this.ring.verificationKey(kid);
  }
  publicJwks(): Promise<{ keys: JWK[] }> {
    return this.ring.publicJwks();
  }
}

describe('AccessTokenService verified-token cache', () => {
  let now = Date.parse('2026-06-01T00:00:00Z');
  const clock: Clock = { now: () => now };
  const settings = { issuer: 'https://issuer.test', audience: 'api', ttlSeconds: 600, clientId: 'bastion', clockToleranceSeconds: 5 };

  async function service(cacheSize?: number) {
    const keys = new SwappableKeys(await KeyRing.fromKeys([await generateStoredKey(now)], clock));
    return { keys, tokens: new AccessTokenService(keys, { ...settings, ...(cacheSize !== undefined ? { verifiedCacheSize: cacheSize } : {}) }, clock) };
  }

  beforeEach(() => {
    now = Date.parse('2026-06-01T00:00:00Z');
  });

  it('answers a token seen before with the same claims, and refuses a token changed by one character', async () => {
    const { tokens } = await service();
    const { token, jti } = await tokens.sign({ sub: 'u1', scopes: ['a'] });
    const first = await tokens.verify(token);
    const second = await tokens.verify(token);
    expect(second).toBe(first);
    expect(second.payload).toMatchObject({ sub: 'u1', jti });
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    await expect(tokens.verify(`${token.slice(0, -2)}${last}${token.at(-1)}`)).rejects.toMatchObject({ code: 'ERR_AUTH_TOKEN_INVALID' });
  });

  it('refuses a remembered token once it has expired (past the clock tolerance)', async () => {
    const { tokens } = await service();
    const { token } = await tokens.sign({ sub: 'u1', scopes: [] });
    await tokens.verify(token);
    now += 600_000 + 4_000;
    await expect(tokens.verify(token)).resolves.toBeDefined();
    now += 2_000;
    await expect(tokens.verify(token)).rejects.toMatchObject({ code: 'ERR_AUTH_TOKEN_EXPIRED' });
  });

  it('refuses a remembered token once its key has left the key ring', async () => {
    const { keys, tokens } = await service();
    const { token } = await tokens.sign({ sub: 'u1', scopes: [] });
    await tokens.verify(token);
    keys.ring = await KeyRing.fromKeys([await generateStoredKey(now)], clock);
    await expect(tokens.verify(token)).rejects.toMatchObject({ code: 'ERR_AUTH_TOKEN_INVALID' });
  });

  it('keeps at most verifiedCacheSize tokens, and none with 0', async () => {
    const { tokens } = await service(2);
    const issued = await Promise.all([1, 2, 3].map((n) => tokens.sign({ sub: `u${n}`, scopes: [] })));
    // One after another: the order of verification is the order of eviction.
    const firstRound = [];
    for (const { token } of issued) firstRound.push(await tokens.verify(token));
    // The oldest was dropped when the third arrived: verified again, a new object.
    expect(await tokens.verify(issued[0]!.token)).not.toBe(firstRound[0]);
    expect(await tokens.verify(issued[2]!.token)).toBe(firstRound[2]);
    const off = (await service(0)).tokens;
    const { token } = await off.sign({ sub: 'u1', scopes: [] });
    expect(await off.verify(token)).not.toBe(await off.verify(token));
    expect(() => new AccessTokenService(off['keys'], { ...settings, verifiedCacheSize: -1 }, clock)).toThrow(/verifiedCacheSize/);
  });
});
