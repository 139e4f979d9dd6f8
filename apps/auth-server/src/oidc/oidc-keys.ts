import { hkdfSync } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { ConfigError } from '@bastion/config';

/** The private signing keys of the auth server and the keys that sign its cookies. */
export interface OidcKeys {
  jwks: { keys: JWK[] };
  cookieKeys: string[];
}

/**
 * Checks a JWKS of private signing keys: ES256 (EC P-256) only, each with
 * `d` and a unique `kid`; names the bad key by position, never prints key
 * material. The first key signs; the others stay published for verifiers
 * until removed (rotation).
 */
export function validateJwks(value: unknown, source: string): { keys: JWK[] } {
  const keys = (value as { keys?: unknown })?.keys;
  if (!Array.isArray(keys) || keys.length === 0) throw new ConfigError([{ variable: 'OIDC_JWKS_FILE', message: `${source} must hold {"keys": [private EC P-256 JWKs]}` }]);
  const kids = new Set<string>();
  keys.forEach((k: JWK, i) => {
    const bad = (why: string) => new ConfigError([{ variable: 'OIDC_JWKS_FILE', message: `key ${i} of ${source} ${why}` }]);
    if (k?.kty !== 'EC' || k.crv !== 'P-256') throw bad('is not an EC P-256 key (ES256 is the only signing algorithm)');
    if (typeof k.d !== 'string' || typeof k.x !== 'string' || typeof k.y !== 'string') throw bad('is not a private key');
    if (typeof k.kid !== 'string' || !k.kid || kids.has(k.kid)) throw bad('needs a unique kid');
    kids.add(k.kid);
  });
  return { keys: keys.map((k: JWK) => ({ ...k, alg: 'ES256', use: 'sig' })) };
}

async function newSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'ES256', use: 'sig' };
}

/**
 * Reads the JWKS file; outside production a missing file is made with one new
 * key (mode 0600, written to a temporary file and renamed, like the API's key
 * ring). Cookie keys come from configuration, or, for the embedded demo, are
 * derived from the first signing key with HKDF so that they survive restarts
 * without another file.
 */
export async function loadOidcKeys(options: { file: string; createIfMissing: boolean; cookieKeys?: string[] }): Promise<OidcKeys> {
  let text: string;
  try {
    text = readFileSync(options.file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || !options.createIfMissing) {
      throw new ConfigError([{ variable: 'OIDC_JWKS_FILE', message: `cannot read ${options.file}` }]);
    }
    text = JSON.stringify({ keys: [await newSigningKey()] }, null, 2);
    mkdirSync(dirname(options.file), { recursive: true, mode: 0o700 });
    const temp = `${options.file}.${process.pid}.tmp`;
    writeFileSync(temp, text, { mode: 0o600, flag: 'wx' });
    chmodSync(temp, 0o600);
    renameSync(temp, options.file);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError([{ variable: 'OIDC_JWKS_FILE', message: `${options.file} is not JSON` }]);
  }
  const jwks = validateJwks(parsed, options.file);
  const first = jwks.keys[0] as JWK;
  const cookieKeys =
    options.cookieKeys ?? [Buffer.from(hkdfSync('sha256', Buffer.from(first.d as string, 'base64url'), 'bastion', 'oidc-cookie-key', 32)).toString('base64url')];
  return { jwks, cookieKeys };
}
