import { Injectable } from '@nestjs/common';
import {
  AccessTokenService,
  AuthError,
  type AuthPrincipal,
  LoginAttemptLimiter,
  PasswordHasher,
  PasswordPolicy,
  RefreshTokenService,
  TOKEN_DENY_LIST,
  type TokenDenyList,
} from '@bastion/auth';
import { PrismaService, type User } from '@bastion/database';
import { Inject } from '@nestjs/common';
import type { TokenPairDto } from './dto/token-pair.dto';
import { SCOPES } from './scopes';

const INVALID_LOGIN = 'The email or password is incorrect';

/** Passwords in, tokens out; every failure looks the same from outside. */
@Injectable()
export class AuthService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicy,
    private readonly limiter: LoginAttemptLimiter,
    private readonly accessTokens: AccessTokenService,
    private readonly refreshTokens: RefreshTokenService,
    @Inject(TOKEN_DENY_LIST) private readonly denyList: TokenDenyList,
  ) {}

  /**
   * An unknown email, a disabled account and a wrong password all get the
   * same error after the same argon2id work (ASVS v5 6.3.8).
   */
  async login(email: string, password: string, address: string): Promise<TokenPairDto> {
    const normalized = email.trim().toLowerCase();
    const attempt = await this.limiter.begin(normalized, address);
    const user = await this.prisma.user.findUnique({ where: { email: normalized } });
    const ok = user ? await this.hasher.verify(user.passwordHash, password) : await this.hasher.verifyNothing(password);
    if (!user || !ok || user.status !== 'active') {
      await attempt.failed();
      throw new AuthError('ERR_AUTH_INVALID_CREDENTIALS', INVALID_LOGIN);
    }
    await attempt.succeeded();
    return this.issue(user);
  }

  /** Rotates a refresh token; the user is read again, so a disabled account stops here. */
  async refresh(refreshToken: string): Promise<TokenPairDto> {
    const used = await this.refreshTokens.consume(refreshToken);
    const user = await this.prisma.user.findUnique({ where: { id: used.userId } });
    if (!user || user.status !== 'active') {
      await this.refreshTokens.revokeUser(used.userId);
      throw new AuthError('ERR_AUTH_REFRESH_INVALID', 'The refresh token is invalid or expired');
    }
    return this.issue(user, { id: used.familyId, expiresAt: used.familyExpiresAt });
  }

  /** Revokes the presented access token at once, then the refresh token's whole family. */
  async logout(principal: AuthPrincipal, refreshToken: string): Promise<void> {
    if (principal.tokenId && principal.expiresAt) await this.denyList.deny(principal.tokenId, principal.expiresAt);
    await this.refreshTokens.revokeFamilyOf(refreshToken, principal.sub);
  }

  /** Changes the caller's password and ends every one of their logins, this one included. */
  async changePassword(principal: AuthPrincipal, current: string, next: string, address: string): Promise<void> {
    const user = await this.prisma.user.findUniqueOrThrow({ where: { id: principal.sub } });
    if (user.status !== 'active') throw new AuthError('ERR_AUTH_INVALID_CREDENTIALS', 'The account is disabled');
    const attempt = await this.limiter.begin(user.email, address);
    if (!(await this.hasher.verify(user.passwordHash, current))) {
      await attempt.failed();
      throw new AuthError('ERR_AUTH_INVALID_CREDENTIALS', 'The current password is incorrect');
    }
    await attempt.succeeded();
    this.policy.check(next, { email: user.email });
    await this.prisma.user.update({ where: { id: user.id }, data: { passwordHash: await this.hasher.hash(next) } });
    await this.refreshTokens.revokeUser(user.id);
    if (principal.tokenId && principal.expiresAt) await this.denyList.deny(principal.tokenId, principal.expiresAt);
  }

  private async issue(user: User, family?: { id: string; expiresAt: Date }): Promise<TokenPairDto> {
    const access = await this.accessTokens.sign({
      sub: user.id,
      scopes: SCOPES,
      claims: { tid: user.tenantId, role: user.role, dept: user.department },
    });
    const refresh = await this.refreshTokens.issue(user.id, access, family);
    return { accessToken: access.token, refreshToken: refresh.token, tokenType: 'Bearer', expiresIn: access.expiresIn };
  }
}
