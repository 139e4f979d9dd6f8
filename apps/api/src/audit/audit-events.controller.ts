import { IsOptionalNotNull } from '@bastion/validation';
import { Controller, Get, Query } from '@nestjs/common';
import { AuditStore, type AuditSearchPage, SqlAuditStore } from '@bastion/audit';
import { Authz, type AuthzContext, CheckPolicies } from '@bastion/authz';
import { Type } from 'class-transformer';
import { IsDate, IsIn, IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { Inject } from '@nestjs/common';
import { isOperator } from '../authz/operator-only.guard';
import { tenantOf } from '../authz/tenant';
import { Authorized, Secured } from '../docs/api-docs.decorators';
import { AuditEventPageSchema } from '../docs/response-schemas';
import { ApiOkResponse, ApiOperation, ApiPropertyOptional } from '@nestjs/swagger';

/** `GET /v1/audit-events` query. */
export class AuditEventsQuery {
  @ApiPropertyOptional({ example: 'auth.login' })
  @IsOptionalNotNull()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, { message: 'action is an event name such as auth.login' })
  action?: string;

  @ApiPropertyOptional({ enum: ['success', 'failure', 'denied'] })
  @IsOptionalNotNull()
  @IsIn(['success', 'failure', 'denied'])
  outcome?: 'success' | 'failure' | 'denied';

  @ApiPropertyOptional({ description: 'Actor id (a user id)' })
  @IsOptionalNotNull()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'actor is an actor id' })
  actor?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Inclusive' })
  @IsOptionalNotNull()
  @Type(() => Date)
  @IsDate()
  from?: Date;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Exclusive' })
  @IsOptionalNotNull()
  @Type(() => Date)
  @IsDate()
  to?: Date;

  @ApiPropertyOptional({ type: Number, minimum: 1, maximum: 200, default: 50 })
  @IsOptionalNotNull()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ description: '`nextCursor` of the previous page' })
  @IsOptionalNotNull()
  @Matches(/^\d{1,15}$/, { message: 'cursor is a cursor from a previous page' })
  cursor?: string;
}

/**
 * `/v1/audit-events`: the audit trail, newest first (admins): an operator tenant's admins read every tenant's
 * events, any other admin (a signed-up tenant's) only their own tenant's.
 */
@Secured('jwt')
@Authorized()
@Controller({ path: 'audit-events', version: '1' })
export class AuditEventsController {
  constructor(@Inject(AuditStore) private readonly store: SqlAuditStore) {}

  @CheckPolicies({ action: 'read', subject: 'AuditEvent' })
  @ApiOperation({
    summary: 'Search the audit trail (admins)',
    description: 'An admin of an operator tenant reads every tenant\'s events; an admin of any other tenant (a signed-up one) reads only the events of their own tenant, and no event without a tenant.',
  })
  @ApiOkResponse({ type: AuditEventPageSchema })
  @Get()
  search(@Query() q: AuditEventsQuery, @Authz() ctx: AuthzContext): Promise<AuditSearchPage> {
    // The audit trail holds every tenant's logins, addresses and user agents. The `admin` policy is shared by every
    // tenant, so it cannot say "own tenant only" for some admins and not others: the tenant filter is added here, in
    // the query (never after paging, so pages stay full and a cursor never steps over hidden events).
    const tenantId = isOperator(ctx.principal) ? undefined : tenantOf(ctx);
    return this.store.search({ action: q.action, outcome: q.outcome, actorId: q.actor, tenantId, from: q.from, to: q.to, limit: q.limit ?? 50, cursor: q.cursor === undefined ? undefined : Number(q.cursor) });
  }
}
