import { Injectable } from '@nestjs/common';
import { AuthError } from '@bastion/auth';
import { PrismaService } from '@bastion/database';
import { createHash, randomBytes } from 'node:crypto';

/** How long a login code may wait to be redeemed. */
export const LOGIN_CODE_TTL_MS = 60_000;

/** What a redeemed code stood for. */
export interface RedeemedLoginCode {
  userId: string;
  /** How the user signed in (`saml`, `oidc`…). */
  method: string;
}

const digest = (code: string) => createHash('sha256').update(code).digest('hex');

/**
 * One-time codes that carry a federated sign-in from a browser redirect to
 * a token request, so that no token ever travels in a URL (RFC 6749 §10.3,
 * RFC 9700 §2.1.2 for the same reason in OAuth). 256 random bits, stored as
 * SHA-256 only, single use, 60 s.
 */
@Injectable()
export class LoginCodeService {
  constructor(private readonly prisma: PrismaService) {}

  /** A new code for `userId`; the only copy of the code itself is the return value. */
  async issue(userId: string, method: string): Promise<string> {
    const code = randomBytes(32).toString('base64url');
    await this.prisma.loginCode.create({ data: { codeHash: digest(code), userId, method, expiresAt: new Date(Date.now() + LOGIN_CODE_TTL_MS) } });
    return code;
  }

  /**
   * Spends a code: a conditional update claims it, so of two racing uses one
   * wins. Unknown, used and expired codes get the same error.
   */
  async redeem(code: string): Promise<RedeemedLoginCode> {
    const codeHash = digest(code);
    const now = new Date();
    const { count } = await this.prisma.loginCode.updateMany({ where: { codeHash, usedAt: null, expiresAt: { gt: now } }, data: { usedAt: now } });
    if (count !== 1) throw new AuthError('ERR_AUTH_INVALID_CREDENTIALS', 'The login code is invalid, used or expired');
    const row = await this.prisma.loginCode.findUniqueOrThrow({ where: { codeHash }, select: { userId: true, method: true } });
    // Spent and expired codes are of no further use; keep the table small.
    await this.prisma.loginCode.deleteMany({ where: { expiresAt: { lt: new Date(now.getTime() - LOGIN_CODE_TTL_MS) } } });
    return row;
  }
}
