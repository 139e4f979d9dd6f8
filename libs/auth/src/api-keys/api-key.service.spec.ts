import type { Clock } from '../clock.js';
import { ApiKeyService, type ApiKeyRecord, type ApiKeyStore } from './api-key.service.js';

class FakeStore implements ApiKeyStore {
  records = new Map<string, ApiKeyRecord>();
  touches: string[] = [];
  async findByPrefix(prefix: string) {
    return this.records.get(prefix) ?? null;
  }
  async touch(id: string) {
    this.touches.push(id);
  }
}

describe('ApiKeyService', () => {
  let now = 1_000_000;
  const clock: Clock = { now: () => now };
  const store = new FakeStore();
  const service = new ApiKeyService(store, clock, 'bst_test_', 60_000);

  function save(overrides: Partial<ApiKeyRecord> = {}) {
    const generated = service.generate();
    store.records.set(generated.prefix, {
      id: generated.prefix,
      ownerId: 'user-1',
      digest: generated.digest,
      scopes: ['documents:read'],
      expiresAt: null,
      revokedAt: null,
      lastUsedAt: null,
      ownerActive: true,
      attributes: { tid: 't1' },
      ...overrides,
    });
    return generated;
  }

  it('generates distinct keys with a prefix, a 12-character lookup id and 256 bits', () => {
    const keys = new Set(Array.from({ length: 200 }, () => service.generate().key));
    expect(keys.size).toBe(200);
    for (const key of keys) expect(key).toMatch(/^bst_test_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
  });

  it('a stored key verifies to its owner within its scopes', async () => {
    const { key } = save();
    await expect(service.verify(key)).resolves.toMatchObject({ sub: 'user-1', method: 'api-key', scopes: ['documents:read'], attributes: { tid: 't1' } });
  });

  it.each([
    ['revoked', { revokedAt: new Date(0) }],
    ['expired', { expiresAt: new Date(now - 1) }],
  ])('a %s key fails like an unknown one', async (_name, overrides) => {
    const { key } = save(overrides);
    await expect(service.verify(key)).rejects.toMatchObject({ code: 'ERR_AUTH_API_KEY_INVALID', message: 'The API key is invalid, expired or revoked' });
  });

  it('a genuine key of a disabled user gets the disabled account’s one code; a wrong secret for it does not', async () => {
    const { key } = save({ ownerActive: false });
    await expect(service.verify(key)).rejects.toMatchObject({ code: 'ERR_AUTH_ACCOUNT_DISABLED', details: { methods: ['api-key'] } });
    const forged = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
    await expect(service.verify(forged)).rejects.toMatchObject({ code: 'ERR_AUTH_API_KEY_INVALID' });
  });

  it('a key with the right prefix and a wrong secret fails', async () => {
    const { key } = save();
    const forged = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
    await expect(service.verify(forged)).rejects.toMatchObject({ code: 'ERR_AUTH_API_KEY_INVALID' });
  });

  it('writes lastUsedAt at most once per interval', async () => {
    const { key, prefix } = save();
    store.touches = [];
    for (let i = 0; i < 10; i++) await service.verify(key);
    expect(store.touches).toEqual([prefix]);
    now += 60_001;
    await service.verify(key);
    expect(store.touches).toEqual([prefix, prefix]);
  });

  it('refuses a prefix that could clash with the key syntax', () => {
    expect(() => new ApiKeyService(store, clock, 'Bad-Prefix')).toThrow(/prefix/);
  });
});
