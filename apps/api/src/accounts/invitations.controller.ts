import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Authz, type AuthzContext, CheckPolicies } from '@bastion/authz';
import { BodyLimit } from '@bastion/validation';
import type { ClientRequest } from '../common/client-request';
import { Authorized, ProblemResponse, PublicRoute, Secured } from '../docs/api-docs.decorators';
import { RateTier } from '../rate-limits/rate-tier.decorator';
import { AcceptInvitationDto, CreateInvitationDto, InvitationDto } from './dto/accounts.dto';
import { InvitationsService } from './invitations.service';

/** `/v1/invitations`: admins invite an address into their tenant with a role; the invitee accepts with the link. */
@Controller({ path: 'invitations', version: '1' })
export class InvitationsController {
  constructor(private readonly invitations: InvitationsService) {}

  @Secured('jwt')
  @Authorized()
  @RateTier('accounts')
  @CheckPolicies({ action: 'create', subject: 'Invitation' })
  @BodyLimit(1024)
  @ApiOperation({ summary: 'Invite an address into the caller’s tenant with a role; the link is mailed (INVITATION_TTL)' })
  @ApiCreatedResponse({ type: InvitationDto, description: 'Created, whether or not the address has an account (its owner then gets a note, not a link).' })
  @ProblemResponse(400, 'Invalid body.')
  @Post()
  create(@Authz() ctx: AuthzContext, @Body() dto: CreateInvitationDto, @Req() req: ClientRequest): Promise<InvitationDto> {
    return this.invitations.create(ctx, dto, req);
  }

  @Secured('jwt')
  @Authorized()
  @CheckPolicies({ action: 'read', subject: 'Invitation' })
  @ApiOperation({ summary: 'The tenant’s invitations, newest first (200 at most)' })
  @ApiOkResponse({ type: [InvitationDto] })
  @Get()
  list(@Authz() ctx: AuthzContext): Promise<InvitationDto[]> {
    return this.invitations.list(ctx);
  }

  @Secured('jwt')
  @Authorized()
  @CheckPolicies({ action: 'delete', subject: 'Invitation' })
  @ApiOperation({ summary: 'Revoke a pending invitation: its link stops working at once' })
  @ApiNoContentResponse({ description: 'Revoked (again: still 204).' })
  @ProblemResponse(404, 'No invitation with this id in the caller’s tenant (`ERR_INVITATION_NOT_FOUND`).')
  @ProblemResponse(409, 'Already accepted (`ERR_INVITATION_ACCEPTED`): disable the user instead.')
  @Delete(':id')
  @HttpCode(204)
  async revoke(@Authz() ctx: AuthzContext, @Param('id', new ParseUUIDPipe()) id: string, @Req() req: ClientRequest): Promise<void> {
    await this.invitations.revoke(ctx, id, req);
  }

  @PublicRoute()
  @RateTier('accounts')
  @BodyLimit(4 * 1024)
  @ApiOperation({ summary: 'Accept an invitation with the token of its link: sets the password and verifies the address' })
  @ApiNoContentResponse({ description: 'The user exists, active; sign in with the password.' })
  @ProblemResponse(400, 'The link is unknown, used, revoked, expired or of another purpose (`ERR_ACCOUNT_TOKEN_INVALID`), or a password the policy refuses (`ERR_AUTH_PASSWORD_POLICY`).')
  @Post('accept')
  @HttpCode(204)
  async accept(@Body() dto: AcceptInvitationDto, @Req() req: ClientRequest): Promise<void> {
    await this.invitations.accept(dto, req);
  }
}
