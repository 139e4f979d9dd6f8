import { createHash, timingSafeEqual } from 'node:crypto';
import { BlockList, isIPv4, isIPv6 } from 'node:net';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * Whether an address is this machine: 127.0.0.0/8 or ::1, in any spelling, IPv4-mapped IPv6
 * (`::ffff:127.0.0.1`) included.
 */
export function isLoopback(address: string | undefined): boolean {
  if (typeof address !== 'string') return false;
  if (isIPv4(address)) return LOOPBACK.check(address, 'ipv4');
  return isIPv6(address) && LOOPBACK.check(address, 'ipv6');
}

// RFC 6750 §2.1: `Bearer` (any case), one space, a b64token.
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

/** The bearer token of an `Authorization` header, or undefined. */
export function bearerToken(header: unknown): string | undefined {
  if (typeof header !== 'string') return undefined;
  return BEARER.exec(header)?.[1];
}

/**
 * Compares a presented token with the configured one in constant time: both are hashed to
 * SHA-256 first, so the comparison neither depends on where they differ nor reveals the
 * configured token's length (ASVS 5.0 V11.2, Secure Cryptography Implementation: constant-time operations on secrets).
 */
export function tokenMatches(presented: string | undefined, expectedDigest: Buffer | undefined): boolean {
  if (presented === undefined || expectedDigest === undefined) return false;
  return timingSafeEqual(createHash('sha256').update(presented).digest(), expectedDigest);
}
