import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { PasswordHasher, PasswordPolicy, RefreshTokenService, RevocationList } from '@bastion/auth';
import { PrismaService } from '@bastion/database';
import { MailService } from '@bastion/mail';
import { accountsConfig } from '../config';
import { type RequestContext, SecurityEvents } from '../audit/security-events.service';
import { PrincipalCache } from '../auth/principal-cache.service';
import { isUniqueViolation } from '../saml/unique-violation';
import { AccountError, invalidToken } from './account-error';
import { passwordChangedMail, passwordResetMail, signupAttemptMail, verifyEmailMail } from './account-mails';
import { AccountTokens } from './account-tokens.service';
import { AfterResponse } from './after-response.service';
import type { AcceptedDto, SignupDto } from './dto/accounts.dto';
import { EmailLimits } from './email-limits.service';

/** The one answer to sign-up, resend and forgot-password, whatever the address. */
export const ACCEPTED: AcceptedDto = { status: 'accepted', detail: 'If the address can be used, a message with a link is on its way to it.' };

/**
 * The least time an answer to sign-up, resend or forgot-password takes. The work that depends on the address runs
 * after the answer, so the answer already costs the same for every address; but on a busy machine its few
 * milliseconds vary more than any difference, and a floor well above them (and above the argon2id hash of a
 * sign-up) leaves nothing to measure. Measured in test/accounts.e2e-spec.ts (medians within ±25 %).
 */
export const MIN_ANSWER_MS = 250;

/** Resolves `MIN_ANSWER_MS` after `started` (a `performance.now()`), or at once if that has passed. */
export async function answerNoSoonerThan(started: number): Promise<void> {
  const wait = MIN_ANSWER_MS - (performance.now() - started);
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

/** Lower-case and trimmed: one account per address however it is typed. */
export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/** The first 16 hex of the address's SHA-256: how the audit trail names an address that may have no account. */
export const accountRef = (email: string) => createHash('sha256').update(email).digest('hex').slice(0, 16);

/**
 * Sign-up with email verification, and password reset. Every request that names an address answers the same, in the
 * same time, whether or not it has an account: the work that differs (lookups, rows, mails) runs after the answer
 * (`AfterResponse`), and what runs before it (the limits, the password policy, one argon2id hash for a sign-up)
 * does not depend on the address.
 */
@Injectable()
export class AccountsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicy,
    private readonly tokens: AccountTokens,
    private readonly mail: MailService,
    private readonly after: AfterResponse,
    private readonly limits: EmailLimits,
    private readonly events: SecurityEvents,
    private readonly principals: PrincipalCache,
    private readonly revocations: RevocationList,
    private readonly refreshTokens: RefreshTokenService,
    @Inject(accountsConfig.KEY) private readonly cfg: ConfigType<typeof accountsConfig>,
  ) {}

  /** `${APP_URL}/<page>#token=…`: in the fragment, the token never reaches a server log or a Referer header. */
  link(page: 'verify-email' | 'reset-password' | 'accept-invitation', token?: string): string {
    return `${this.cfg.APP_URL}/${page}${token ? `#token=${token}` : ''}`;
  }

  /** Open sign-up: a new tenant whose first admin is pending until the link in the mail is opened. */
  async signup(dto: SignupDto, req: RequestContext): Promise<AcceptedDto> {
    if (this.cfg.SIGNUP !== 'open') {
      throw new AccountError('ERR_ACCOUNT_SIGNUP_CLOSED', this.cfg.SIGNUP === 'invite' ? 'Sign-up is by invitation only; ask an administrator to invite you' : 'Sign-up is closed');
    }
    const started = performance.now();
    const email = normalizeEmail(dto.email);
    await this.limits.hit(email, 'signup', req);
    this.policy.check(dto.password, { email });
    // Hashed for every sign-up, new address or not: the cost is the same either way (ASVS v5 6.3.8 spirit).
    const passwordHash = await this.hasher.hash(dto.password);
    this.after.run('signup', req, async () => {
      const created = await this.createPending(email, passwordHash, dto.displayName, dto.organization);
      if (!created) {
        this.mail.enqueue(signupAttemptMail(email, this.link('reset-password')));
        this.events.record({ action: 'account.signup', outcome: 'denied', target: { type: 'account', id: accountRef(email) }, details: { reason: 'address-taken' } }, req);
        return;
      }
      const token = await this.tokens.issue('verify-email', { userId: created.id }, this.cfg.EMAIL_VERIFICATION_TTL);
      this.mail.enqueue(verifyEmailMail(email, this.link('verify-email', token), Math.round(this.cfg.EMAIL_VERIFICATION_TTL / 3600)));
      this.events.record({ action: 'account.signup', outcome: 'success', actorId: created.id, actorType: 'user', tenantId: created.tenantId, target: { type: 'user', id: created.id } }, req);
    });
    await answerNoSoonerThan(started);
    return ACCEPTED;
  }

  /** The tenant and its pending admin, or null when the address already has an account. */
  private async createPending(email: string, passwordHash: string, displayName: string, organization?: string) {
    if (await this.prisma.user.findUnique({ where: { email }, select: { id: true } })) return null;
    try {
      return await this.prisma.$transaction(async (tx) => {
        const tenant = await tx.tenant.create({ data: { slug: `t-${randomBytes(8).toString('hex')}`, name: organization ?? `${displayName}’s organization` } });
        return tx.user.create({
          data: { email, passwordHash, displayName, role: 'admin', department: 'general', status: 'pending', tenantId: tenant.id },
          select: { id: true, tenantId: true },
        });
      });
    } catch (error) {
      // Two sign-ups of one new address at once: the second meets the first's row.
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  /** Opens a verification link: the pending account becomes active. */
  async verifyEmail(token: string, req: RequestContext): Promise<void> {
    const found = await this.tokens.find(token, 'verify-email');
    if (!found?.userId || !(await this.tokens.consume(found))) {
      this.events.record({ action: 'account.email-verify', outcome: 'failure' }, req);
      throw invalidToken();
    }
    // Only a pending account: a disabled one stays disabled.
    const { count } = await this.prisma.user.updateMany({ where: { id: found.userId, status: 'pending' }, data: { status: 'active' } });
    await this.principals.changed(found.userId);
    // With its tenant, so that the tenant's own admin finds it in the audit trail.
    const user = await this.prisma.user.findUnique({ where: { id: found.userId }, select: { tenantId: true } });
    this.events.record({ action: 'account.email-verify', outcome: 'success', actorId: found.userId, actorType: 'user', tenantId: user?.tenantId, target: { type: 'user', id: found.userId }, details: { activated: count === 1 } }, req);
  }

  /** A new verification link for a pending account (the older ones stop working); nothing for any other address. */
  async resendVerification(rawEmail: string, req: RequestContext): Promise<AcceptedDto> {
    const started = performance.now();
    const email = normalizeEmail(rawEmail);
    await this.limits.hit(email, 'resend-verification', req);
    this.after.run('resend-verification', req, async () => {
      const user = await this.prisma.user.findUnique({ where: { email }, select: { id: true, status: true, tenantId: true } });
      if (user?.status !== 'pending') {
        this.events.record({ action: 'account.verification-resend', outcome: 'denied', target: { type: 'account', id: accountRef(email) }, details: { reason: user ? 'not-pending' : 'unknown' } }, req);
        return;
      }
      const token = await this.tokens.issue('verify-email', { userId: user.id }, this.cfg.EMAIL_VERIFICATION_TTL);
      this.mail.enqueue(verifyEmailMail(email, this.link('verify-email', token), Math.round(this.cfg.EMAIL_VERIFICATION_TTL / 3600)));
      this.events.record({ action: 'account.verification-resend', outcome: 'success', actorId: user.id, actorType: 'user', tenantId: user.tenantId, target: { type: 'user', id: user.id } }, req);
    });
    await answerNoSoonerThan(started);
    return ACCEPTED;
  }

  /** Mails a reset link to the account of the address, if there is one that may sign in; 202 for everyone. */
  async forgotPassword(rawEmail: string, req: RequestContext): Promise<AcceptedDto> {
    const started = performance.now();
    const email = normalizeEmail(rawEmail);
    await this.limits.hit(email, 'password-forgot', req);
    this.after.run('password-forgot', req, async () => {
      const user = await this.prisma.user.findUnique({ where: { email }, select: { id: true, status: true, tenantId: true } });
      if (!user || user.status === 'disabled') {
        this.events.record({ action: 'account.password-forgot', outcome: 'denied', target: { type: 'account', id: accountRef(email) }, details: { reason: user ? 'disabled' : 'unknown' } }, req);
        return;
      }
      // Replaces every earlier reset link of the user: only the newest works.
      const token = await this.tokens.issue('password-reset', { userId: user.id }, this.cfg.PASSWORD_RESET_TTL);
      this.mail.enqueue(passwordResetMail(email, this.link('reset-password', token), Math.round(this.cfg.PASSWORD_RESET_TTL / 60)));
      this.events.record({ action: 'account.password-forgot', outcome: 'success', actorId: user.id, actorType: 'user', tenantId: user.tenantId, target: { type: 'user', id: user.id } }, req);
    });
    await answerNoSoonerThan(started);
    return ACCEPTED;
  }

  /**
   * Sets a new password from a reset link, then ends every sign-in of the user at once: the refresh families (and
   * their access tokens by jti), and every access token issued before now (a durable subject revocation, the one
   * disabling uses, so it holds on every instance and after any loss of Redis data). The link also proves the address:
   * a pending account becomes active.
   */
  async resetPassword(token: string, newPassword: string, req: RequestContext): Promise<void> {
    const found = await this.tokens.find(token, 'password-reset');
    const user = found?.userId ? await this.prisma.user.findUnique({ where: { id: found.userId }, select: { id: true, email: true, status: true, tenantId: true } }) : null;
    if (!found || !user || user.status === 'disabled') {
      this.events.record({ action: 'account.password-reset', outcome: 'failure', details: { reason: 'invalid-token' } }, req);
      throw invalidToken();
    }
    // Before the token is spent: a weak password does not cost the user their link.
    this.policy.check(newPassword, { email: user.email });
    const passwordHash = await this.hasher.hash(newPassword);
    if (!(await this.tokens.consume(found))) {
      this.events.record({ action: 'account.password-reset', outcome: 'failure', actorId: user.id, actorType: 'user', details: { reason: 'token-spent' } }, req);
      throw invalidToken();
    }
    await this.prisma.user.update({ where: { id: user.id }, data: { passwordHash, ...(user.status === 'pending' ? { status: 'active' } : {}) } });
    await this.tokens.spendAll(user.id, 'password-reset');
    await this.revocations.revokeSubject(user.id, { disabled: false });
    await this.refreshTokens.revokeUser(user.id);
    await this.principals.changed(user.id);
    this.mail.enqueue(passwordChangedMail(user.email));
    this.events.record({ action: 'account.password-reset', outcome: 'success', actorId: user.id, actorType: 'user', tenantId: user.tenantId, target: { type: 'user', id: user.id }, details: { sessionsEnded: true } }, req);
  }
}
