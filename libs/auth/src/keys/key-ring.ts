import type { KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type { Clock } from '../clock.js';
import { AuthError } from '../errors.js';
import { ACCESS_TOKEN_ALG, type JwtKeyProvider, type SigningKey } from './jwt-key-provider.interface.js';

/** One key of a ring, as stored (JSON). */
export interface StoredKey {
  kid: string;
  alg: typeof ACCESS_TOKEN_ALG;
  /** The private JWK (P-256). */
  jwk: JWK;
  createdAt: string;
  /** When the key starts signing; until then it is only published (so JWKS caches learn it first). */
  activatesAt?: string;
  /** Set when a newer key took over: the key still verifies until then. */
  retiresAt?: string;
}

interface LoadedKey {
  stored: StoredKey;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicJwk: JWK;
  activatesAtMs: number;
  retiresAtMs: number;
}

/** Makes a new P-256 key whose `kid` is its RFC 7638 thumbprint. */
export async function generateStoredKey(now: number): Promise<StoredKey> {
  const { privateKey } = await generateKeyPair(ACCESS_TOKEN_ALG, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, alg: ACCESS_TOKEN_ALG, jwk: { ...jwk, kid, alg: ACCESS_TOKEN_ALG }, createdAt: new Date(now).toISOString() };
}

/**
 * Checks a list of stored keys: each a private P-256 JWK with a unique kid.
 * Names the bad entry by position, never prints key material.
 */
export function validateStoredKeys(keys: unknown, source: string): StoredKey[] {
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new AuthError('ERR_AUTH_KEYS', `${source} must hold a non-empty "keys" array`);
  }
  const seen = new Set<string>();
  return keys.map((k: unknown, i) => {
    const key = k as Partial<StoredKey> & { jwk?: JWK };
    // Accept both our stored form and a bare private JWK (as in a JWKS).
    const jwk = (key.jwk ?? key) as JWK;
    const kid = key.kid ?? jwk.kid;
    if (typeof kid !== 'string' || kid === '' || seen.has(kid)) {
      throw new AuthError('ERR_AUTH_KEYS', `${source}: key ${i} needs a unique "kid"`);
    }
    if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.d !== 'string') {
      throw new AuthError('ERR_AUTH_KEYS', `${source}: key ${i} (${kid}) must be a private EC P-256 JWK (ES256)`);
    }
    seen.add(kid);
    return {
      kid,
      alg: ACCESS_TOKEN_ALG,
      jwk: { ...jwk, kid, alg: ACCESS_TOKEN_ALG },
      createdAt: typeof key.createdAt === 'string' ? key.createdAt : new Date(0).toISOString(),
      ...(typeof key.activatesAt === 'string' ? { activatesAt: key.activatesAt } : {}),
      ...(typeof key.retiresAt === 'string' ? { retiresAt: key.retiresAt } : {}),
    };
  });
}

/**
 * A set of ES256 keys: of the live keys already active, the one activated
 * last signs; every key not yet retired verifies and is published in the
 * JWKS (including one that is published but not active yet).
 */
export class KeyRing implements JwtKeyProvider {
  private loaded: LoadedKey[] = [];

  protected constructor(protected readonly clock: Clock) {}

  /** A ring over `keys` (already validated). */
  static async fromKeys(keys: StoredKey[], clock: Clock): Promise<KeyRing> {
    const ring = new KeyRing(clock);
    await ring.replace(keys);
    return ring;
  }

  /** Swaps in a new list of keys (after a reload). */
  protected async replace(keys: StoredKey[]): Promise<void> {
    const loaded: LoadedKey[] = [];
    for (const stored of keys) {
      const privateKey = (await importJWK(stored.jwk, ACCESS_TOKEN_ALG)) as KeyObject;
      const { d: _d, ...publicJwk } = stored.jwk;
      const publicKey = (await importJWK(publicJwk, ACCESS_TOKEN_ALG)) as KeyObject;
      const retiresAtMs = stored.retiresAt ? Date.parse(stored.retiresAt) : Infinity;
      const activatesAtMs = stored.activatesAt ? Date.parse(stored.activatesAt) : 0;
      loaded.push({ stored, privateKey, publicKey, publicJwk: { ...publicJwk, use: 'sig' }, activatesAtMs, retiresAtMs });
    }
    this.loaded = loaded;
  }

  private live(): LoadedKey[] {
    const now = this.clock.now();
    return this.loaded.filter((k) => k.retiresAtMs > now);
  }

  async signingKey(): Promise<SigningKey> {
    const now = this.clock.now();
    const active = this.live()
      .filter((k) => k.activatesAtMs <= now)
      .sort((a, b) => b.activatesAtMs - a.activatesAtMs)[0];
    if (!active) throw new AuthError('ERR_AUTH_KEYS', 'no signing key is available');
    return { kid: active.stored.kid, privateKey: active.privateKey };
  }

  async verificationKey(kid: string): Promise<KeyObject | undefined> {
    return this.live().find((k) => k.stored.kid === kid)?.publicKey;
  }

  async publicJwks(): Promise<{ keys: JWK[] }> {
    return { keys: this.live().map((k) => k.publicJwk) };
  }
}
