import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.js';
import { AuthError } from '../errors.js';
import type { AuthEventListener } from '../events.js';
import type { AuthPrincipal } from '../principal.js';

/** An API key as stored: its lookup prefix and the SHA-256 of the whole key, never the key. */
export interface ApiKeyRecord {
  id: string;
  ownerId: string;
  /** Hex SHA-256 of the full key. */
  digest: string;
  scopes: readonly string[];
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  /** False when the owner may no longer sign in (disabled): the key stops working with them. */
  ownerActive: boolean;
  /** The owner's attributes, as a JWT of theirs would carry them. */
  attributes: Record<string, string>;
}

/** Persistence of API keys (the demo uses PostgreSQL through Prisma). */
export interface ApiKeyStore {
  /** The key whose prefix is `prefix` (a unique, indexed column). */
  findByPrefix(prefix: string): Promise<ApiKeyRecord | null>;
  /** Records that the key was used at `at`. */
  touch(id: string, at: Date): Promise<void>;
}

/** A freshly made key: `key` is shown once; store `prefix` and `digest`. */
export interface GeneratedApiKey {
  key: string;
  prefix: string;
  digest: string;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const LOOKUP_LENGTH = 12;
// Written with the dummy digest when no key has the prefix, so a miss costs what a hit costs.
const DUMMY_DIGEST = Buffer.alloc(32);

function lookupId(): string {
  // Rejection sampling keeps every character equally likely (no modulo bias).
  let out = '';
  while (out.length < LOOKUP_LENGTH) {
    for (const byte of randomBytes(16)) {
      if (byte < 248 && out.length < LOOKUP_LENGTH) out += ALPHANUMERIC[byte % 62];
    }
  }
  return out;
}

/**
 * Makes and checks API keys of the form `<prefix><lookup>_<secret>`, e.g.
 * `bst_live_Q2x9…_kT3…`: a readable prefix, a 12-character lookup id stored in
 * an indexed column, and 256 random bits. Only the SHA-256 of the whole key is
 * stored (a 256-bit random secret needs no slow hash), and it is compared with
 * `timingSafeEqual`. Unknown, revoked, expired and malformed keys all get the
 * same error.
 */
export class ApiKeyService {
  private readonly pattern: RegExp;
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly store: ApiKeyStore,
    private readonly clock: Clock,
    private readonly prefix = 'bst_live_',
    /** At most one `lastUsedAt` write per key per this many ms (no write per request). */
    private readonly touchIntervalMs = 60_000,
    private readonly onEvent: AuthEventListener = () => undefined,
  ) {
    if (!/^[a-z][a-z0-9_]{0,15}_$/.test(prefix)) {
      throw new AuthError('ERR_AUTH_OPTIONS', 'api key option "prefix" must be lower-case letters, digits and _ ending in _ (e.g. bst_live_)');
    }
    // eslint-disable-next-line security/detect-non-literal-regexp -- the prefix was checked against /^[a-z][a-z0-9_]{0,15}_$/ above: no metacharacters
    this.pattern = new RegExp(`^(${prefix}[A-Za-z0-9]{${LOOKUP_LENGTH}})_([A-Za-z0-9_-]{43})$`);
  }

  generate(): GeneratedApiKey {
    const prefix = this.prefix + lookupId();
    const key = `${prefix}_${randomBytes(32).toString('base64url')}`;
    return { key, prefix, digest: createHash('sha256').update(key).digest('hex') };
  }

  /** The principal the key acts as (its owner, within its scopes), or `ERR_AUTH_API_KEY_INVALID`. */
  async verify(presented: string): Promise<AuthPrincipal> {
    const invalid = new AuthError('ERR_AUTH_API_KEY_INVALID', 'The API key is invalid, expired or revoked');
    const match = this.pattern.exec(presented);
    if (!match) throw invalid;
    const record = await this.store.findByPrefix(match[1] as string);
    const actual = createHash('sha256').update(presented).digest();
    const expected = record ? Buffer.from(record.digest, 'hex') : DUMMY_DIGEST;
    const equal = expected.length === actual.length && timingSafeEqual(expected, actual);
    const now = this.clock.now();
    if (record && equal && !record.revokedAt && !record.ownerActive) {
      // A genuine key of a disabled account: the same code as every other credential of that account.
      this.onEvent({ type: 'api-key.rejected', userId: record.ownerId, targetId: record.id, code: 'ERR_AUTH_ACCOUNT_DISABLED' });
      throw new AuthError('ERR_AUTH_ACCOUNT_DISABLED', 'The account is disabled', { details: { methods: ['api-key'] } });
    }
    if (!record || !equal || record.revokedAt || (record.expiresAt && record.expiresAt.getTime() <= now)) {
      // A genuine key that was revoked is worth an alert: it leaked, or a client was never told.
      const type = record && equal && record.revokedAt ? 'api-key.revoked-used' : 'api-key.rejected';
      this.onEvent({ type, userId: record && equal ? record.ownerId : undefined, targetId: record && equal ? record.id : undefined, code: 'ERR_AUTH_API_KEY_INVALID' });
      throw invalid;
    }
    this.recordUse(record, now);
    return { sub: record.ownerId, method: 'api-key', scopes: record.scopes, attributes: record.attributes, apiKeyId: record.id };
  }

  private recordUse(record: ApiKeyRecord, now: number): void {
    const last = Math.max(this.touched.get(record.id) ?? 0, record.lastUsedAt?.getTime() ?? 0);
    if (now - last < this.touchIntervalMs) return;
    if (this.touched.size >= 10_000) this.touched.clear();
    this.touched.set(record.id, now);
    // Off the request's path: a failed bookkeeping write must not fail the request.
    void this.store.touch(record.id, new Date(now)).catch(() => this.touched.delete(record.id));
  }
}
