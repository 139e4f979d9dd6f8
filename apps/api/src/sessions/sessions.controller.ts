import { Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Req } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse } from '@nestjs/swagger';
import { type AuthPrincipal, CurrentPrincipal } from '@bastion/auth';
import { SecurityEvents } from '../audit/security-events.service';
import type { ClientRequest } from '../common/client-request';
import { ProblemResponse, Secured } from '../docs/api-docs.decorators';
import { SessionSchema, SessionsEndedSchema } from '../docs/response-schemas';
import { type SessionView, SessionsService } from './sessions.service';

/**
 * `/v1/auth/sessions`: where the caller is signed in, and ending any of it.
 * A signed-in session only (a bearer token, whose `sid` marks the current
 * one): an API key has no session and cannot end one.
 */
@Secured('jwt')
@Controller({ path: 'auth/sessions', version: '1' })
export class SessionsController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly events: SecurityEvents,
  ) {}

  @ApiOkResponse({ type: [SessionSchema], description: 'Live sessions, most recently used first (at most 100); `current` marks this one.' })
  @Get()
  list(@CurrentPrincipal() principal: AuthPrincipal): Promise<SessionView[]> {
    return this.sessions.list(principal.sub, principal.sessionId);
  }

  @ApiOkResponse({ type: SessionsEndedSchema, description: 'Every other session ended (their access tokens refused on every instance within a second); this one goes on.' })
  @Post('revoke-others')
  @HttpCode(200)
  async revokeOthers(@CurrentPrincipal() principal: AuthPrincipal, @Req() req: ClientRequest): Promise<{ ended: number }> {
    const ended = await this.sessions.endAll(principal.sub, 'others', principal.sessionId);
    this.events.record({ action: 'session.end-others', outcome: 'success', target: { type: 'user', id: principal.sub }, details: { ended, kept: principal.sessionId ?? null } }, req);
    return { ended };
  }

  @ApiNoContentResponse({ description: 'Ended (or already ended): its access tokens are refused on every instance within a second, its refresh token at once.' })
  @ProblemResponse(404, 'No session of the caller has this id (`ERR_SESSION_NOT_FOUND`), including another user\'s.')
  @Delete(':id')
  @HttpCode(204)
  async end(@CurrentPrincipal() principal: AuthPrincipal, @Param('id', new ParseUUIDPipe()) id: string, @Req() req: ClientRequest): Promise<void> {
    try {
      await this.sessions.end(principal.sub, id, 'ended');
    } catch (error) {
      this.events.record({ action: 'session.end', outcome: 'failure', target: { type: 'session', id }, details: { reason: 'not-found' } }, req);
      throw error;
    }
    this.events.record({ action: 'session.end', outcome: 'success', target: { type: 'session', id }, details: { current: id === principal.sessionId } }, req);
  }
}
