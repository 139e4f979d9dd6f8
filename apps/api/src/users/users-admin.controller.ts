import { Body, Controller, Get, NotFoundException, Param, ParseUUIDPipe, Patch, Query } from '@nestjs/common';
import { Authz, type AuthzContext, AuthzService, CheckPolicies } from '@bastion/authz';
import { PrismaService, type User } from '@bastion/database';
import { RefreshTokenService, RevocationList } from '@bastion/auth';
import { SecurityEvents } from '../audit/security-events.service';
import { PrincipalCache } from '../auth/principal-cache.service';
import { UpdateMeDto, UpdateUserDto } from './dto/update-user.dto';
import { ListUsersQuery } from './dto/list-users.dto';
import { normalizePhone } from '../encryption/encrypted-fields';
import { tenantOf } from '../authz/tenant';
import { Authorized, Secured } from '../docs/api-docs.decorators';
import { UserSchema } from '../docs/response-schemas';
import { ApiOkResponse } from '@nestjs/swagger';

const USER_FIELDS = ['id', 'tenantId', 'email', 'displayName', 'role', 'department', 'status', 'phone', 'createdAt', 'updatedAt'];
type PublicUser = Omit<User, 'passwordHash' | 'phoneIndex'>;

/**
 * `/v1/users`: the tenant's users (each shown with the fields the caller may
 * read), one's own display name, and (admins) role, department and status.
 * A change applies to the user's next request: every instance drops the
 * user from its principal cache before this one answers.
 */
@Secured('jwt')
@Authorized()
@Controller({ path: 'users', version: '1' })
export class UsersAdminController {
  constructor(
    private readonly prisma: PrismaService,
    private readonly authz: AuthzService,
    private readonly events: SecurityEvents,
    private readonly principals: PrincipalCache,
    private readonly revocations: RevocationList,
    private readonly refreshTokens: RefreshTokenService,
  ) {}

  private view(ctx: AuthzContext, user: PublicUser): Partial<PublicUser> {
    const fields = this.authz.permittedFields(ctx.ability, 'read', 'User', user as never, USER_FIELDS);
    return Object.fromEntries(fields.map((f) => [f, user[f as keyof PublicUser]]));
  }

  @CheckPolicies({ action: 'read', subject: 'User' })
  @ApiOkResponse({ type: [UserSchema] })
  @Get()
  async list(@Authz() ctx: AuthzContext, @Query() query: ListUsersQuery): Promise<Partial<PublicUser>[]> {
    // Finding people by phone number is an admin's task: it needs the right to manage users (policy as data).
    if (query.phone !== undefined) this.authz.assert(ctx.principal, ctx.ability, 'manage', 'User');
    const rows = await this.prisma.user.findMany({
      where: {
        AND: [
          { tenantId: tenantOf(ctx) },
          this.authz.accessibleWhere(ctx.ability, 'read', 'User'),
          // An equality on the encrypted phone: the extension turns it into a lookup of its blind index.
          ...(query.phone !== undefined ? [{ phone: normalizePhone(query.phone) }] : []),
        ],
      },
      omit: { passwordHash: true, phoneIndex: true },
      orderBy: { email: 'asc' },
      take: 200,
    });
    return rows.map((u) => this.view(ctx, u));
  }

  @CheckPolicies({ action: 'update', subject: 'User' })
  @ApiOkResponse({ type: UserSchema })
  @Patch('me')
  async updateMe(@Authz() ctx: AuthzContext, @Body() dto: UpdateMeDto): Promise<Partial<PublicUser>> {
    return this.change(ctx, ctx.principal.id, dto);
  }

  @CheckPolicies({ action: 'update', subject: 'User' })
  @ApiOkResponse({ type: UserSchema })
  @Patch(':id')
  async update(@Authz() ctx: AuthzContext, @Param('id', new ParseUUIDPipe()) id: string, @Body() dto: UpdateUserDto): Promise<Partial<PublicUser>> {
    return this.change(ctx, id, dto);
  }

  private async change(ctx: AuthzContext, id: string, dto: object): Promise<Partial<PublicUser>> {
    const user = await this.prisma.user.findFirst({ where: { id, tenantId: tenantOf(ctx) }, omit: { passwordHash: true, phoneIndex: true } });
    if (!user) throw new NotFoundException('No such user');
    const fields = Object.entries(dto).filter(([, v]) => v !== undefined).map(([k]) => k);
    this.authz.assert(ctx.principal, ctx.ability, 'update', 'User', user as never);
    for (const field of fields) this.authz.assert(ctx.principal, ctx.ability, 'update', 'User', user as never, field);
    // One stored form per number, so that the blind index finds it however it is typed.
    const data = 'phone' in dto && typeof dto.phone === 'string' ? { ...dto, phone: normalizePhone(dto.phone) } : dto;
    const status = 'status' in dto ? (dto.status as string | undefined) : undefined;
    // Disabling is recorded as a revocation before the row changes, enabling
    // after it: a failure in between leaves the account refused, never a
    // disabled one accepted, and repeating the request completes it.
    if (status === 'disabled') await this.revocations.revokeSubject(user.id, { disabled: true });
    const updated = await this.prisma.user.update({ where: { id: user.id }, data, omit: { passwordHash: true, phoneIndex: true } });
    if (status === 'disabled') {
      // Every login ends (refresh families, and their access tokens by jti); enabling again revives none.
      await this.refreshTokens.revokeUser(user.id);
    } else if (status === 'active' && (user.status !== 'active' || this.revocations.verdict({ sub: user.id }) === 'ERR_AUTH_ACCOUNT_DISABLED')) {
      // Its tokens from before stay revoked until they expire (a new login works at once).
      await this.revocations.revokeSubject(user.id, { disabled: false });
    }
    // Before answering: the user's next request, on any instance, sees the change.
    await this.principals.changed(user.id);
    const changed = fields.filter((f) => ['role', 'status', 'department'].includes(f));
    if (changed.length) {
      const details = Object.fromEntries(changed.map((f) => [f, { from: user[f as keyof typeof user], to: updated[f as keyof typeof updated] }]));
      this.events.record({ action: 'user.role-change', outcome: 'success', actorId: ctx.principal.id, actorType: 'user', target: { type: 'user', id: user.id }, details });
    }
    return this.view(ctx, updated);
  }
}
