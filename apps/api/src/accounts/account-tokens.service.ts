import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { PrismaService } from '@bastion/database';

/** What a link token is for; a token of one purpose is refused by every other flow. */
export type TokenPurpose = 'verify-email' | 'password-reset' | 'invitation';

/** An unspent, unexpired token as found by {@link AccountTokens.find}. */
export interface LiveToken {
  id: string;
  purpose: TokenPurpose;
  userId: string | null;
  invitationId: string | null;
}

// 256 bits from the CSPRNG (ASVS v5 7.2.3 / 6.4.1): unguessable, so a lookup by its hash is the whole check.
const TOKEN_BYTES = 32;
const FORMAT = /^[A-Za-z0-9_-]{43}$/;

/** SHA-256 (hex) of a token: what the table stores and looks up. */
export const tokenDigest = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * The single-use tokens of the account links (one table, `account_tokens`, with a `purpose`). A token is random
 * (32 bytes, base64url), stored only as its SHA-256 (a database leak yields no usable link), bound to one purpose and
 * one account or invitation, expiring, and spent by one conditional UPDATE: two requests racing with the same token
 * cannot both win. Issuing a token spends the older unspent ones of the same purpose and account (only the newest
 * link works).
 */
@Injectable()
export class AccountTokens {
  constructor(private readonly prisma: PrismaService) {}

  /** A new token in clear (the only time it exists so), replacing the account's older ones of this purpose. */
  async issue(purpose: TokenPurpose, owner: { userId: string } | { invitationId: string }, ttlSeconds: number): Promise<string> {
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    const now = new Date();
    const where = 'userId' in owner ? { userId: owner.userId } : { invitationId: owner.invitationId };
    await this.prisma.$transaction([
      this.prisma.accountToken.updateMany({ where: { ...where, purpose, usedAt: null }, data: { usedAt: now } }),
      this.prisma.accountToken.create({ data: { purpose, tokenHash: tokenDigest(token), ...where, expiresAt: new Date(now.getTime() + ttlSeconds * 1000) } }),
    ]);
    return token;
  }

  /** The live token of this purpose, or null (unknown, spent, replaced, expired or of another purpose). Spends nothing. */
  async find(token: unknown, purpose: TokenPurpose): Promise<LiveToken | null> {
    if (typeof token !== 'string' || !FORMAT.test(token)) return null;
    const row = await this.prisma.accountToken.findUnique({ where: { tokenHash: tokenDigest(token) } });
    if (!row || row.purpose !== purpose || row.usedAt !== null || row.expiresAt.getTime() <= Date.now()) return null;
    return { id: row.id, purpose: row.purpose as TokenPurpose, userId: row.userId, invitationId: row.invitationId };
  }

  /**
   * Spends a token found by {@link find}: `UPDATE … SET used_at = now() WHERE id = $1 AND used_at IS NULL AND
   * expires_at > now()`. True only for the one caller whose UPDATE hit the row.
   */
  async consume(found: LiveToken): Promise<boolean> {
    const now = new Date();
    const { count } = await this.prisma.accountToken.updateMany({
      where: { id: found.id, purpose: found.purpose, usedAt: null, expiresAt: { gt: now } },
      data: { usedAt: now },
    });
    return count === 1;
  }

  /** Spends every live token of an account and purpose (e.g. reset links once the password changed). */
  async spendAll(userId: string, purpose: TokenPurpose): Promise<void> {
    await this.prisma.accountToken.updateMany({ where: { userId, purpose, usedAt: null }, data: { usedAt: new Date() } });
  }
}
