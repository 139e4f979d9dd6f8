import type { KeyObject } from 'node:crypto';
import type { JWK } from 'jose';

/** The one signature algorithm access tokens use (ECDSA P-256, RFC 7518 §3.4). */
export const ACCESS_TOKEN_ALG = 'ES256';

/** The key that signs new tokens. */
export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
}

/**
 * Where signing and verification keys come from: a key ring file, keys in
 * configuration, or a KMS. Verification only ever uses keys from here: never
 * one named by the token (`jwk`, `jku`, `x5u`, `x5c`).
 */
export interface JwtKeyProvider {
  /** The active key. */
  signingKey(): Promise<SigningKey>;
  /** A key that may verify tokens, or `undefined` when `kid` is unknown or retired. */
  verificationKey(kid: string): Promise<KeyObject | undefined>;
  /** The public halves of every key that may verify, for `/.well-known/jwks.json`. */
  publicJwks(): Promise<{ keys: JWK[] }>;
}

/** Injection token of the {@link JwtKeyProvider}. */
export const JWT_KEY_PROVIDER = 'BASTION:JWT_KEY_PROVIDER';
