import { decodeJwt, decodeProtectedHeader, exportSPKI, generateKeyPair, SignJWT, type JWTPayload, type KeyLike } from 'jose';

// The textbook JWT server's credentials (`npm run bench`, `npm run bench:profile`).
//
// The textbook server (BENCH_SERVER=textbook in scripts/bench-server.ts) checks
// bearer tokens against one ES256 public key, as the Nest docs' JWT recipe does.
// The bench makes that key pair here, gives the server the public key, and signs
// the server's token itself: the payload is a copy of a real access token of the
// API (sub, tid, role, scope, client_id, jti, iat, exp, iss, aud), so both servers
// parse and verify a token of the same size, with the same algorithm.

/** An ES256 key pair for the textbook server: the public key as PEM (its `secretOrKey`). */
export interface TextbookKeys {
  publicKeyPem: string;
  privateKey: KeyLike;
}

/** A fresh ES256 key pair; the private key never leaves the bench process. */
export async function textbookKeys(): Promise<TextbookKeys> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { publicKeyPem: await exportSPKI(publicKey), privateKey };
}

/**
 * Signs, with the textbook key, a token whose claims are those of `apiToken` (an
 * access token the API issued), with a fresh `jti` and the API token's header
 * fields (`typ`, a `kid` of the same length), so the two tokens are the same size.
 */
export async function textbookToken(keys: TextbookKeys, apiToken: string): Promise<{ token: string; apiTokenBytes: number; tokenBytes: number }> {
  const payload: JWTPayload = { ...decodeJwt(apiToken), jti: crypto.randomUUID() };
  const header = decodeProtectedHeader(apiToken);
  const token = await new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', ...(header.typ ? { typ: header.typ } : {}), ...(header.kid ? { kid: 'k'.repeat(header.kid.length) } : {}) })
    .sign(keys.privateKey);
  return { token, apiTokenBytes: apiToken.length, tokenBytes: token.length };
}
