import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { AuthError } from '../errors.js';
import type { AuthEventListener } from '../events.js';
import { DENY_GRACE_MS, type TokenDenyList } from './token-deny-list.js';
import type { IssuedAccessToken } from './access-token.service.js';

/** A refresh token as stored: never the token itself, only its SHA-256. */
export interface RefreshTokenRecord {
  id: string;
  familyId: string;
  userId: string;
  /** The access token issued together with this refresh token. */
  accessJti: string;
  accessExpiresAt: Date;
  expiresAt: Date;
  familyExpiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
}

/** Persistence of refresh tokens (the demo keeps them in PostgreSQL through Prisma). */
export interface RefreshTokenStore {
  insert(record: Omit<RefreshTokenRecord, 'usedAt' | 'revokedAt'> & { tokenHash: string }): Promise<void>;
  findByHash(tokenHash: string): Promise<RefreshTokenRecord | null>;
  /** Marks the token used unless it already was (atomically); `false` when someone else got there first. */
  claim(id: string, at: Date): Promise<boolean>;
  /** Revokes every token of the family; returns the access tokens issued with them. */
  revokeFamily(familyId: string, at: Date): Promise<{ jti: string; expiresAt: Date }[]>;
  /** Whether any token of the family was revoked (the family is dead). */
  familyRevoked(familyId: string): Promise<boolean>;
  /** Revokes every family of a user (password change); returns their access tokens. */
  revokeUser(userId: string, at: Date): Promise<{ jti: string; expiresAt: Date }[]>;
}

/** Lifetimes of {@link RefreshTokenService}, in seconds. */
export interface RefreshTokenSettings {
  /** How long one refresh token may wait to be used. */
  ttlSeconds: number;
  /** How long a login lasts, however often it is refreshed. */
  familyTtlSeconds: number;
}

/** A new refresh token (the only time it exists in clear). */
export interface IssuedRefreshToken {
  token: string;
  familyId: string;
  expiresAt: Date;
}

const TOKEN_PREFIX = 'bst_rt_';

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Opaque refresh tokens that rotate on every use, with reuse detection: a
 * token presented a second time revokes its whole family, including the
 * pair its first use produced, and the access tokens issued with them.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2 (refresh token rotation)
 */
export class RefreshTokenService {
  constructor(
    private readonly store: RefreshTokenStore,
    private readonly denyList: TokenDenyList,
    private readonly settings: RefreshTokenSettings,
    private readonly clock: Clock,
    private readonly onEvent: AuthEventListener = () => undefined,
  ) {}

  /**
   * The id and end of a new family, for an app that records its login (a
   * session) under that id before the first token is issued with {@link issue}.
   */
  newFamily(): { id: string; expiresAt: Date } {
    return { id: randomUUID(), expiresAt: new Date(this.clock.now() + this.settings.familyTtlSeconds * 1000) };
  }

  /** Revokes the family `familyId` (e.g. a session ended from a list) and the access tokens issued with it. */
  async revokeFamily(familyId: string): Promise<void> {
    await this.deny(await this.store.revokeFamily(familyId, new Date(this.clock.now())));
  }

  /** Starts a new family (a login) or continues one, for `access`. */
  async issue(
    userId: string,
    access: IssuedAccessToken,
    family?: { id: string; expiresAt: Date },
  ): Promise<IssuedRefreshToken> {
    const now = this.clock.now();
    const familyId = family?.id ?? randomUUID();
    const familyExpiresAt = family?.expiresAt ?? new Date(now + this.settings.familyTtlSeconds * 1000);
    const expiresAt = new Date(Math.min(now + this.settings.ttlSeconds * 1000, familyExpiresAt.getTime()));
    // 256 bits from the CSPRNG (ASVS v5 7.2.3); only the digest is stored.
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    await this.store.insert({
      id: randomUUID(),
      familyId,
      userId,
      tokenHash: digest(token),
      accessJti: access.jti,
      accessExpiresAt: new Date(access.expiresAt),
      expiresAt,
      familyExpiresAt,
    });
    // A replay racing this rotation may have revoked the family between our
    // claim and this insert, missing the new token: look again, and if so
    // revoke what we just made.
    if (family && (await this.store.familyRevoked(familyId))) {
      await this.reuseDetected({ familyId, userId }, new Date(this.clock.now()));
    }
    return { token, familyId, expiresAt };
  }

  /**
   * Uses `token` once: returns its record so the caller can issue the next
   * pair with {@link issue} (same family). Reuse revokes the family.
   */
  async consume(token: string): Promise<RefreshTokenRecord> {
    const record = await this.find(token);
    const now = new Date(this.clock.now());
    if (record.usedAt || record.revokedAt) return this.reuseDetected(record, now);
    if (record.expiresAt <= now) {
      throw new AuthError('ERR_AUTH_REFRESH_INVALID', 'The refresh token is invalid or expired');
    }
    // Two requests racing with one token: exactly one wins, the other is a reuse.
    if (!(await this.store.claim(record.id, now))) return this.reuseDetected(record, now);
    if (await this.store.familyRevoked(record.familyId)) return this.reuseDetected(record, now);
    return record;
  }

  /** Logout: revokes the family of `token`, which must belong to `userId`. */
  async revokeFamilyOf(token: string, userId: string): Promise<void> {
    const record = await this.find(token);
    if (record.userId !== userId) {
      throw new AuthError('ERR_AUTH_REFRESH_INVALID', 'The refresh token is invalid or expired');
    }
    await this.deny(await this.store.revokeFamily(record.familyId, new Date(this.clock.now())));
  }

  /** Ends every login of a user, e.g. after a password change. */
  async revokeUser(userId: string): Promise<void> {
    await this.deny(await this.store.revokeUser(userId, new Date(this.clock.now())));
  }

  private async find(token: string): Promise<RefreshTokenRecord> {
    const record = token.startsWith(TOKEN_PREFIX) ? await this.store.findByHash(digest(token)) : null;
    if (!record) throw new AuthError('ERR_AUTH_REFRESH_INVALID', 'The refresh token is invalid or expired');
    return record;
  }

  private async reuseDetected(record: { familyId: string; userId?: string }, now: Date): Promise<never> {
    this.onEvent({ type: 'refresh.reuse-detected', userId: record.userId, targetId: record.familyId, code: 'ERR_AUTH_REFRESH_REUSED' });
    await this.deny(await this.store.revokeFamily(record.familyId, now));
    throw new AuthError('ERR_AUTH_REFRESH_REUSED', 'The refresh token was already used; every token of its login is now revoked');
  }

  private async deny(accessTokens: { jti: string; expiresAt: Date }[]): Promise<void> {
    const now = this.clock.now();
    await Promise.all(
      accessTokens.filter((t) => t.expiresAt.getTime() + DENY_GRACE_MS > now).map((t) => this.denyList.deny(t.jti, t.expiresAt.getTime())),
    );
  }
}
