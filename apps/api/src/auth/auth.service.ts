import { Injectable, NotFoundException } from '@nestjs/common';
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
import { createHash } from 'node:crypto';
import { AccountError } from '../accounts/account-error';
import { SecurityEvents } from '../audit/security-events.service';
import { PrincipalCache } from './principal-cache.service';
import type { ClientRequest } from '../common/client-request';
import type { TokenPairDto } from './dto/token-pair.dto';
import { LoginCodeService } from './login-code.service';
import { SCOPES } from './scopes';
import { SessionsService } from '../sessions/sessions.service';

/** The `amr` (RFC 8176) of a sign-in by its login-code method (`oidc:<provider>`, `saml:<idp>`). */
function amrOf(method: string): string[] {
  const kind = method.split(':')[0];
  return kind === 'oidc' || kind === 'saml' ? [kind] : ['ext'];
}

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
    private readonly events: SecurityEvents,
    private readonly loginCodes: LoginCodeService,
    private readonly principals: PrincipalCache,
    private readonly sessions: SessionsService,
  ) {}

  /**
   * An unknown email, a disabled account and a wrong password all get the
   * same error after the same argon2id work (ASVS v5 6.3.8).
   */
  async login(email: string, password: string, req: ClientRequest): Promise<TokenPairDto> {
    const normalized = email.trim().toLowerCase();
    // The account name goes to the audit trail as a hash: a mistyped password in the email field must not be stored.
    const account = createHash('sha256').update(normalized).digest('hex').slice(0, 16);
    let attempt;
    try {
      attempt = await this.limiter.begin(normalized, req.ip);
    } catch (error) {
      if (error instanceof AuthError && error.code === 'ERR_AUTH_RATE_LIMITED') {
        this.events.record({ action: 'rate-limit.exceeded', outcome: 'denied', target: { type: 'account', id: account }, details: { limit: 'login' } }, req);
      }
      throw error;
    }
    const user = await this.prisma.user.findUnique({ where: { email: normalized } });
    const ok = user ? await this.hasher.verify(user.passwordHash, password) : await this.hasher.verifyNothing(password);
    // After the password check, and only for the right password: a sign-up whose address is not verified yet.
    if (user && ok && user.status === 'pending') {
      await attempt.succeeded();
      this.events.record({ action: 'auth.login', outcome: 'denied', actorId: user.id, actorType: 'user', tenantId: user.tenantId, details: { reason: 'email-unverified' } }, req);
      throw new AccountError('ERR_ACCOUNT_EMAIL_UNVERIFIED', 'Verify your email address first: open the link we sent, or ask for a new one (POST /v1/auth/email/resend)');
    }
    if (!user || !ok || user.status !== 'active') {
      await attempt.failed();
      this.events.record(
        { action: 'auth.login', outcome: 'failure', actorId: user?.id, actorType: user ? 'user' : 'anonymous', tenantId: user?.tenantId, target: { type: 'account', id: account }, alertKey: normalized },
        req,
      );
      throw new AuthError('ERR_AUTH_INVALID_CREDENTIALS', INVALID_LOGIN);
    }
    await attempt.succeeded();
    const session = await this.sessions.start(user.id, ['pwd'], req);
    this.events.record({ action: 'auth.login', outcome: 'success', actorId: user.id, actorType: 'user', tenantId: user.tenantId, target: { type: 'session', id: session.id } }, req);
    return this.issue(user, session);
  }

  /** Redeems a one-time login code (OIDC, SAML) for a token pair; the account must still be active. */
  async loginWithCode(code: string, req: ClientRequest): Promise<TokenPairDto> {
    let redeemed;
    try {
      redeemed = await this.loginCodes.redeem(code);
    } catch (error) {
      this.events.record({ action: 'auth.login-code', outcome: 'failure' }, req);
      throw error;
    }
    const user = await this.prisma.user.findUnique({ where: { id: redeemed.userId } });
    if (!user || user.status !== 'active') {
      this.events.record({ action: 'auth.login-code', outcome: 'failure', actorId: redeemed.userId, actorType: 'user' }, req);
      throw new AuthError('ERR_AUTH_INVALID_CREDENTIALS', 'The login code is invalid, used or expired');
    }
    const session = await this.sessions.start(user.id, amrOf(redeemed.method), req);
    this.events.record(
      { action: 'auth.login-code', outcome: 'success', actorId: user.id, actorType: 'user', tenantId: user.tenantId, target: { type: 'session', id: session.id }, details: { method: redeemed.method } },
      req,
    );
    return this.issue(user, session);
  }

  /** Rotates a refresh token; the user is read again, so a disabled account stops here. */
  async refresh(refreshToken: string, req: ClientRequest): Promise<TokenPairDto> {
    let used;
    try {
      used = await this.refreshTokens.consume(refreshToken);
    } catch (error) {
      // Reuse is recorded by the auth lib's event (with the family); a plain invalid token here.
      if (error instanceof AuthError && error.code === 'ERR_AUTH_REFRESH_INVALID') this.events.record({ action: 'auth.refresh', outcome: 'failure' }, req);
      throw error;
    }
    const user = await this.prisma.user.findUnique({ where: { id: used.userId } });
    if (!user || user.status !== 'active') {
      await this.refreshTokens.revokeUser(used.userId);
      throw new AuthError('ERR_AUTH_REFRESH_INVALID', 'The refresh token is invalid or expired');
    }
    // An ended session (from the list, a reset, an admin) refreshes no more, even if its family was not revoked yet.
    if (!(await this.sessions.touch(used.familyId, req))) {
      await this.refreshTokens.revokeFamily(used.familyId);
      this.events.record({ action: 'auth.refresh', outcome: 'failure', actorId: user.id, actorType: 'user', tenantId: user.tenantId, target: { type: 'session', id: used.familyId }, details: { reason: 'session-ended' } }, req);
      throw new AuthError('ERR_AUTH_REFRESH_INVALID', 'The refresh token is invalid or expired');
    }
    this.events.record({ action: 'auth.refresh', outcome: 'success', actorId: user.id, actorType: 'user', tenantId: user.tenantId, target: { type: 'token-family', id: used.familyId } }, req);
    return this.issue(user, { id: used.familyId, expiresAt: used.familyExpiresAt });
  }

  /** Revokes the presented access token at once, then the refresh token's whole family, and ends the caller's session. */
  async logout(principal: AuthPrincipal, refreshToken: string, req: ClientRequest): Promise<void> {
    if (principal.tokenId && principal.expiresAt) await this.denyList.deny(principal.tokenId, principal.expiresAt);
    // The caller's session ends (a token from before sessions existed has none; a session already gone is fine).
    if (principal.sessionId) {
      await this.sessions.end(principal.sub, principal.sessionId, 'logout').catch((error: unknown) => {
        if (!(error instanceof NotFoundException)) throw error;
      });
    }
    await this.refreshTokens.revokeFamilyOf(refreshToken, principal.sub);
    this.events.record({ action: 'auth.logout', outcome: 'success' }, req);
  }

  /** Changes the caller's password and ends every one of their logins, this one included. */
  async changePassword(principal: AuthPrincipal, current: string, next: string, req: ClientRequest): Promise<void> {
    const address = req.ip;
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
    await this.principals.changed(user.id);
    await this.refreshTokens.revokeUser(user.id);
    if (principal.tokenId && principal.expiresAt) await this.denyList.deny(principal.tokenId, principal.expiresAt);
    this.events.record({ action: 'user.password-change', outcome: 'success', target: { type: 'user', id: user.id } }, req);
  }

  /**
   * Tokens for a user whose federated sign-in (SAML, OIDC) the caller has
   * already verified and recorded: the same pair, rotation, deny list and
   * session as a password login.
   */
  async issueFor(user: User, amr: string[], req: ClientRequest): Promise<TokenPairDto> {
    return this.issue(user, await this.sessions.start(user.id, amr, req));
  }

  /** A pair in session `family` (a new one from {@link SessionsService.start}, or the refreshed one): `sid` is its id. */
  private async issue(user: User, family: { id: string; expiresAt: Date }): Promise<TokenPairDto> {
    const access = await this.accessTokens.sign({
      sub: user.id,
      scopes: SCOPES,
      claims: { tid: user.tenantId, role: user.role, dept: user.department, sid: family.id },
    });
    const refresh = await this.refreshTokens.issue(user.id, access, family);
    return { accessToken: access.token, refreshToken: refresh.token, tokenType: 'Bearer', expiresIn: access.expiresIn };
  }
}
