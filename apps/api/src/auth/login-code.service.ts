import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AUTH_CLOCK, AuthError, type Clock } from '@bastion/auth';
import { PrismaService } from '@bastion/database';

/** How long a login code can be redeemed: long enough for one redirect and one POST. */
export const LOGIN_CODE_TTL_MS = 60_000;

const CODE = /^[A-Za-z0-9_-]{43}$/;

function digest(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}

/**
 * One-time login codes: how a browser login that ends in a redirect (OIDC,
 * SAML) hands over to the app without a token in any URL. The redirect
 * carries the code; the app POSTs it to `/v1/auth/login-code` for the token
 * pair. A code is 256 random bits, stored only as SHA-256, valid for 60 s,
 * and redeemed at most once (RFC 9700 §2.1.2 / §4.2.4: nothing that grants
 * access in a URL; ASVS v5 10.4.2 / 10.4.3, as for an authorization code: single-use, short-lived).
 */
@Injectable()
export class LoginCodeService {
  constructor(
    private readonly prisma: PrismaService,
    @Inject(AUTH_CLOCK) private readonly clock: Clock,
  ) {}

  /** A new code for `userId`, who signed in with `method` (e.g. `oidc:bastion`). */
  async issue(userId: string, method: string): Promise<string> {
    const code = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    await this.prisma.loginCode.create({
      data: { codeHash: digest(code), userId, method: method.slice(0, 64), expiresAt: new Date(now + LOGIN_CODE_TTL_MS), createdAt: new Date(now) },
    });
    // Expired codes are useless; sweep them as new ones arrive.
    await this.prisma.loginCode.deleteMany({ where: { expiresAt: { lt: new Date(now - LOGIN_CODE_TTL_MS) } } });
    return code;
  }

  /** The user and method of a valid, unused, unexpired code, which is used up; otherwise `ERR_AUTH_INVALID_CREDENTIALS`. */
  async redeem(code: string): Promise<{ userId: string; method: string }> {
    const invalid = new AuthError('ERR_AUTH_INVALID_CREDENTIALS', 'The login code is invalid, used or expired');
    if (typeof code !== 'string' || !CODE.test(code)) throw invalid;
    const codeHash = digest(code);
    const now = new Date(this.clock.now());
    // A conditional update is atomic: of two racing redemptions, one sees count 0.
    const { count } = await this.prisma.loginCode.updateMany({ where: { codeHash, usedAt: null, expiresAt: { gt: now } }, data: { usedAt: now } });
    if (count !== 1) throw invalid;
    const row = await this.prisma.loginCode.findUnique({ where: { codeHash }, select: { userId: true, method: true } });
    if (!row) throw invalid;
    return row;
  }
}
