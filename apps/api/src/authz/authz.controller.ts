import { IsOptionalNotNull } from '@bastion/validation';
import { Body, Controller, Get, NotFoundException, Param, Put, Query } from '@nestjs/common';

import { Authz, type AuthzContext, AuthzDeniedException, AuthzService, CheckPolicies } from '@bastion/authz';
import { PrismaService } from '@bastion/database';
import { IsIn, IsUUID } from 'class-validator';
import { POLICY_SCHEMA } from './demo-policy';
import { PoliciesService, type PolicyView } from './policies.service';
import { isOperator, OPERATOR_ONLY_REASON, OperatorOnly } from './operator-only.guard';
import { tenantOf } from './tenant';
import { Authorized, Secured } from '../docs/api-docs.decorators';
import { ExplanationSchema, PolicySchema, ReplacePolicySchema } from '../docs/response-schemas';
import { ApiBody, ApiOkResponse, ApiOperation, ApiParam, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** `PUT /v1/policies/:role` body. The rules are checked by the policy validator, not by class-validator. */
export class ReplacePolicyDto {
  @ApiPropertyOptional({ type: 'array', items: { $ref: '#/components/schemas/PolicyRule' } })
  @IsOptionalNotNull()
  rules?: unknown;
}

/** `GET /v1/authz/explain` query. */
export class ExplainQuery {
  @ApiProperty({ enum: POLICY_SCHEMA.actions, example: 'read' })
  @IsIn(POLICY_SCHEMA.actions)
  action!: string;

  @ApiProperty({ enum: Object.keys(POLICY_SCHEMA.subjects), example: 'Document' })
  @IsIn(Object.keys(POLICY_SCHEMA.subjects))
  subject!: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'A row to decide about; without it, the decision for the subject type.' })
  @IsOptionalNotNull()
  @IsUUID()
  id?: string;
}

/**
 * `/v1/policies` (admins of an operator tenant, and changes only from the
 * admin network: the role policies are shared by every tenant) and
 * `/v1/authz/explain` (anyone, about themselves).
 */
@Secured('jwt')
@Authorized()
@Controller({ version: '1' })
export class AuthzController {
  constructor(
    private readonly policies: PoliciesService,
    private readonly authz: AuthzService,
    private readonly prisma: PrismaService,
  ) {}

  @CheckPolicies({ action: 'read', subject: 'Policy' })
  @OperatorOnly('read', 'Policy')
  @ApiOperation({ summary: 'The role policies (operator tenants\' admins only)', description: 'The policies are shared by every tenant: an admin of a tenant that is not an operator tenant (a signed-up one) gets 403 `ERR_OPERATOR_ONLY`.' })
  @ApiOkResponse({ type: [PolicySchema] })
  @Get('policies')
  list(): Promise<PolicyView[]> {
    return this.policies.list();
  }

  @CheckPolicies({ action: 'update', subject: 'Policy' })
  @OperatorOnly('update', 'Policy')
  @ApiOperation({ summary: 'Replace a role\'s policy (operator tenants\' admins, from the admin network)', description: 'The new version applies to every tenant: an admin of a tenant that is not an operator tenant (a signed-up one) gets 403 `ERR_OPERATOR_ONLY`, and a change from outside `ADMIN_ALLOWED_CIDRS` 403 `ERR_AUTHZ_DENIED`.' })
  @ApiOkResponse({ type: PolicySchema })
  @ApiParam({ name: 'role', enum: ['admin', 'editor', 'viewer'] })
  @ApiBody({ type: ReplacePolicySchema })
  @Put('policies/:role')
  replace(@Param('role') role: string, @Body() dto: ReplacePolicyDto, @Authz() ctx: AuthzContext): Promise<PolicyView> {
    return this.policies.replace(role, dto.rules, ctx.principal.id);
  }

  /** Whether the caller may `action` the subject (a row when `id` is given), and the rule that decides. */
  @CheckPolicies(() => true)
  @ApiOkResponse({ type: ExplanationSchema })
  @Get('authz/explain')
  async explain(@Query() q: ExplainQuery, @Authz() ctx: AuthzContext) {
    // The policy routes' operator check is not a rule of the policy data (OperatorOnlyGuard): say it here as they decide.
    if (q.subject === 'Policy' && !isOperator(ctx.principal)) return { allowed: false, reason: OPERATOR_ONLY_REASON, rule: null };
    if (!q.id) return this.authz.explain(ctx.ability, q.action, q.subject);
    const row = await this.load(q.subject, q.id, tenantOf(ctx));
    return this.authz.explain(ctx.ability, q.action, q.subject, row);
  }

  // Rows of another tenant do not exist for the caller (no existence leak).
  private async load(subject: string, id: string, tenantId: string): Promise<Record<string, unknown>> {
    const where = { id, tenantId };
    const row =
      subject === 'Document'
        ? await this.prisma.document.findFirst({ where })
        : subject === 'User'
          ? await this.prisma.user.findFirst({ where, omit: { passwordHash: true } })
          : null;
    if (!row) {
      if (subject === 'Policy') throw new AuthzDeniedException('Policies have no row ids');
      throw new NotFoundException(`No such ${subject}`);
    }
    return row as unknown as Record<string, unknown>;
  }
}
