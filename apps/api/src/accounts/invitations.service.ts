import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { PasswordHasher, PasswordPolicy } from '@bastion/auth';
import { type AuthzContext, AuthzService } from '@bastion/authz';
import { type Invitation, PrismaService } from '@bastion/database';
import { MailService } from '@bastion/mail';
import { accountsConfig } from '../config';
import { type RequestContext, SecurityEvents } from '../audit/security-events.service';
import { tenantOf } from '../authz/tenant';
import { isUniqueViolation } from '../saml/unique-violation';
import { invalidToken } from './account-error';
import { invitationExistingMail, invitationMail } from './account-mails';
import { AccountTokens } from './account-tokens.service';
import { AccountsService, accountRef, normalizeEmail } from './accounts.service';
import { AfterResponse } from './after-response.service';
import type { AcceptInvitationDto, CreateInvitationDto, InvitationDto } from './dto/accounts.dto';
import { EmailLimits } from './email-limits.service';

function view(inv: Invitation, now = Date.now()): InvitationDto {
  const status = inv.acceptedAt ? 'accepted' : inv.revokedAt ? 'revoked' : inv.expiresAt.getTime() <= now ? 'expired' : 'pending';
  return { id: inv.id, email: inv.email, role: inv.role, status, invitedBy: inv.invitedBy, expiresAt: inv.expiresAt, createdAt: inv.createdAt };
}

/**
 * Invitations of an address into the admin's tenant with a role. Creating one answers the same whether or not the
 * address has an account (an address belongs to one account: its owner gets a note instead of a link). Accepting sets
 * the password and verifies the address at once: the link was mailed to it.
 */
@Injectable()
export class InvitationsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly authz: AuthzService,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicy,
    private readonly tokens: AccountTokens,
    private readonly accounts: AccountsService,
    private readonly mail: MailService,
    private readonly after: AfterResponse,
    private readonly limits: EmailLimits,
    private readonly events: SecurityEvents,
    @Inject(accountsConfig.KEY) private readonly cfg: ConfigType<typeof accountsConfig>,
  ) {}

  async create(ctx: AuthzContext, dto: CreateInvitationDto, req: RequestContext): Promise<InvitationDto> {
    const tenantId = tenantOf(ctx);
    const email = normalizeEmail(dto.email);
    await this.limits.hit(email, 'invitation-create', req);
    const invitation = await this.prisma.invitation.create({
      data: { tenantId, email, role: dto.role, invitedBy: ctx.principal.id, expiresAt: new Date(Date.now() + this.cfg.INVITATION_TTL * 1000) },
      include: { tenant: { select: { name: true } } },
    });
    this.events.record({ action: 'invitation.create', outcome: 'success', tenantId, target: { type: 'invitation', id: invitation.id }, details: { role: dto.role, account: accountRef(email) } }, req);
    this.after.run('invitation-mail', req, async () => {
      if (await this.prisma.user.findUnique({ where: { email }, select: { id: true } })) {
        this.mail.enqueue(invitationExistingMail(email, invitation.tenant.name));
        return;
      }
      const token = await this.tokens.issue('invitation', { invitationId: invitation.id }, this.cfg.INVITATION_TTL);
      this.mail.enqueue(invitationMail(email, invitation.tenant.name, dto.role, this.accounts.link('accept-invitation', token), Math.round(this.cfg.INVITATION_TTL / 86_400)));
    });
    return view(invitation);
  }

  /** The tenant's invitations, newest first, filtered by the policies (a list never shows what a read would refuse). */
  async list(ctx: AuthzContext): Promise<InvitationDto[]> {
    const rows = await this.prisma.invitation.findMany({
      where: { AND: [{ tenantId: tenantOf(ctx) }, this.authz.accessibleWhere(ctx.ability, 'read', 'Invitation')] },
      orderBy: { createdAt: 'desc' },
      take: 200,
    });
    return rows.map((r) => view(r));
  }

  /** Revokes a pending invitation: its link stops working at once. Another tenant's id is a 404. */
  async revoke(ctx: AuthzContext, id: string, req: RequestContext): Promise<void> {
    const invitation = await this.prisma.invitation.findFirst({ where: { id, tenantId: tenantOf(ctx) } });
    if (!invitation) throw new NotFoundException({ message: 'No such invitation', code: 'ERR_INVITATION_NOT_FOUND' });
    this.authz.assert(ctx.principal, ctx.ability, 'delete', 'Invitation', invitation as never);
    if (invitation.acceptedAt) throw new ConflictException({ message: 'The invitation was already accepted; disable the user instead', code: 'ERR_INVITATION_ACCEPTED' });
    await this.prisma.$transaction([
      this.prisma.invitation.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } }),
      this.prisma.accountToken.updateMany({ where: { invitationId: id, usedAt: null }, data: { usedAt: new Date() } }),
    ]);
    this.events.record({ action: 'invitation.revoke', outcome: 'success', target: { type: 'invitation', id } }, req);
  }

  /** Creates the invited user, active and verified, with the password given; spends the invitation. */
  async accept(dto: AcceptInvitationDto, req: RequestContext): Promise<void> {
    const found = await this.tokens.find(dto.token, 'invitation');
    const invitation = found?.invitationId ? await this.prisma.invitation.findUnique({ where: { id: found.invitationId } }) : null;
    const live = found && invitation && !invitation.acceptedAt && !invitation.revokedAt && invitation.expiresAt.getTime() > Date.now();
    if (live) this.policy.check(dto.password, { email: invitation.email });
    // Hashed whatever the link: a refused acceptance costs what an accepted one does.
    const passwordHash = await this.hasher.hash(dto.password);
    if (!live || !(await this.tokens.consume(found))) {
      this.events.record({ action: 'invitation.accept', outcome: 'failure', target: invitation ? { type: 'invitation', id: invitation.id } : undefined }, req);
      throw invalidToken();
    }
    let userId: string;
    try {
      userId = await this.prisma.$transaction(async (tx) => {
        // Revoked or accepted since the token was read: the conditional update hits nothing.
        const { count } = await tx.invitation.updateMany({ where: { id: invitation.id, acceptedAt: null, revokedAt: null }, data: { acceptedAt: new Date() } });
        if (count !== 1) throw invalidToken();
        const user = await tx.user.create({
          data: { email: invitation.email, passwordHash, displayName: dto.displayName, role: invitation.role, department: 'general', status: 'active', tenantId: invitation.tenantId },
          select: { id: true },
        });
        return user.id;
      });
    } catch (error) {
      // The address got an account since the invitation was sent (a sign-up): the invitation cannot be used.
      if (isUniqueViolation(error)) {
        this.events.record({ action: 'invitation.accept', outcome: 'failure', target: { type: 'invitation', id: invitation.id }, details: { reason: 'address-taken' } }, req);
        throw invalidToken();
      }
      throw error;
    }
    this.events.record({ action: 'invitation.accept', outcome: 'success', actorId: userId, actorType: 'user', tenantId: invitation.tenantId, target: { type: 'invitation', id: invitation.id } }, req);
  }
}
