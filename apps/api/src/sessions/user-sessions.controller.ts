import { Controller, Delete, Get, HttpCode, NotFoundException, Param, ParseUUIDPipe, Req } from '@nestjs/common';
import { type AuthPrincipal, CurrentPrincipal } from '@bastion/auth';
import { ApiNoContentResponse, ApiOkResponse } from '@nestjs/swagger';
import { Authz, type AuthzContext, AuthzService, CheckPolicies } from '@bastion/authz';
import { PrismaService } from '@bastion/database';
import { SecurityEvents } from '../audit/security-events.service';
import { tenantOf } from '../authz/tenant';
import type { ClientRequest } from '../common/client-request';
import { Authorized, ProblemResponse, Secured } from '../docs/api-docs.decorators';
import { SessionSchema, SessionsEndedSchema } from '../docs/response-schemas';
import { type SessionView, SessionsService } from './sessions.service';

/**
 * `/v1/users/:userId/sessions`: an admin lists and ends a user's sessions.
 * Decided by the role policies (data): the caller must be allowed to
 * `manage` that user's row, which the seeded policies give admins for their
 * own tenant only; a user of another tenant is a 404, never a 403 that
 * would confirm the id.
 */
@Secured('jwt')
@Authorized()
@Controller({ path: 'users/:userId/sessions', version: '1' })
export class UserSessionsController {
  constructor(
    private readonly prisma: PrismaService,
    private readonly authz: AuthzService,
    private readonly sessions: SessionsService,
    private readonly events: SecurityEvents,
  ) {}

  @CheckPolicies({ action: 'manage', subject: 'User' })
  @ApiOkResponse({ type: [SessionSchema], description: 'The user\'s live sessions; `current` marks the caller\'s own.' })
  @ProblemResponse(404, 'No user of the caller\'s tenant has this id.')
  @Get()
  async list(@Authz() ctx: AuthzContext, @CurrentPrincipal() principal: AuthPrincipal, @Param('userId', new ParseUUIDPipe()) userId: string): Promise<SessionView[]> {
    await this.target(ctx, userId);
    return this.sessions.list(userId, principal.sub === userId ? principal.sessionId : undefined);
  }

  @CheckPolicies({ action: 'manage', subject: 'User' })
  @ApiOkResponse({ type: SessionsEndedSchema, description: 'Every session of the user ended; they can sign in again.' })
  @ProblemResponse(404, 'No user of the caller\'s tenant has this id.')
  @Delete()
  @HttpCode(200)
  async endAll(@Authz() ctx: AuthzContext, @Param('userId', new ParseUUIDPipe()) userId: string, @Req() req: ClientRequest): Promise<{ ended: number }> {
    await this.target(ctx, userId);
    const ended = await this.sessions.endAll(userId, 'admin');
    this.events.record({ action: 'session.admin-end-all', outcome: 'success', actorId: ctx.principal.id, actorType: 'user', target: { type: 'user', id: userId }, details: { ended } }, req);
    return { ended };
  }

  @CheckPolicies({ action: 'manage', subject: 'User' })
  @ApiNoContentResponse({ description: 'Ended: its access tokens are refused on every instance within a second.' })
  @ProblemResponse(404, 'No user of the caller\'s tenant has this id, or the user has no session with this id (`ERR_SESSION_NOT_FOUND`).')
  @Delete(':id')
  @HttpCode(204)
  async end(
    @Authz() ctx: AuthzContext,
    @Param('userId', new ParseUUIDPipe()) userId: string,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Req() req: ClientRequest,
  ): Promise<void> {
    await this.target(ctx, userId);
    await this.sessions.end(userId, id, 'admin');
    this.events.record({ action: 'session.admin-end', outcome: 'success', actorId: ctx.principal.id, actorType: 'user', target: { type: 'session', id }, details: { userId } }, req);
  }

  /** The user, in the caller's tenant, whom the caller may manage (the policies decide, as data). */
  private async target(ctx: AuthzContext, userId: string): Promise<void> {
    const user = await this.prisma.user.findFirst({ where: { id: userId, tenantId: tenantOf(ctx) }, select: { id: true, tenantId: true, role: true, department: true, status: true } });
    if (!user) throw new NotFoundException({ message: 'No such user', code: 'ERR_USER_NOT_FOUND' });
    this.authz.assert(ctx.principal, ctx.ability, 'manage', 'User', user as never);
  }
}
