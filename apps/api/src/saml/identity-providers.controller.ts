import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { Authz, type AuthzContext, CheckPolicies } from '@bastion/authz';
import type { SamlIdentityProvider } from '@bastion/database';
import { CreateIdentityProviderDto, UpdateIdentityProviderDto } from './dto/identity-provider.dto';
import { IdentityProvidersService } from './identity-providers.service';
import { Authorized, ProblemResponse, Secured } from '../docs/api-docs.decorators';
import { SamlIdentityProviderSchema } from '../docs/response-schemas';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse } from '@nestjs/swagger';

/** `/v1/saml/identity-providers`: a tenant's SAML IdPs (its admins). */
@Secured('jwt')
@Authorized()
@Controller({ path: 'saml/identity-providers', version: '1' })
export class IdentityProvidersController {
  constructor(private readonly idps: IdentityProvidersService) {}

  @CheckPolicies({ action: 'read', subject: 'SamlIdentityProvider' })
  @ApiOkResponse({ type: [SamlIdentityProviderSchema] })
  @Get()
  list(@Authz() ctx: AuthzContext): Promise<SamlIdentityProvider[]> {
    return this.idps.list(ctx);
  }

  @CheckPolicies({ action: 'read', subject: 'SamlIdentityProvider' })
  @ApiOkResponse({ type: SamlIdentityProviderSchema })
  @ProblemResponse(404, 'No such identity provider in the caller\'s tenant.')
  @Get(':id')
  read(@Param('id', ParseUUIDPipe) id: string, @Authz() ctx: AuthzContext): Promise<SamlIdentityProvider> {
    return this.idps.read(ctx, id);
  }

  @CheckPolicies({ action: 'create', subject: 'SamlIdentityProvider' })
  @ApiCreatedResponse({ type: SamlIdentityProviderSchema })
  @ProblemResponse(409, 'Another identity provider already has this `entityId` (`ERR_SAML_IDP_EXISTS`).')
  @Post()
  create(@Body() dto: CreateIdentityProviderDto, @Authz() ctx: AuthzContext): Promise<SamlIdentityProvider> {
    return this.idps.create(ctx, dto);
  }

  @CheckPolicies({ action: 'update', subject: 'SamlIdentityProvider' })
  @ApiOkResponse({ type: SamlIdentityProviderSchema })
  @ProblemResponse(404, 'No such identity provider in the caller\'s tenant.')
  @ProblemResponse(409, 'Another identity provider already has this `entityId` (`ERR_SAML_IDP_EXISTS`).')
  @Patch(':id')
  update(@Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateIdentityProviderDto, @Authz() ctx: AuthzContext): Promise<SamlIdentityProvider> {
    return this.idps.update(ctx, id, dto);
  }

  @CheckPolicies({ action: 'delete', subject: 'SamlIdentityProvider' })
  @ApiNoContentResponse({ description: 'Deleted; its users keep their accounts but can no longer sign in through it.' })
  @ProblemResponse(404, 'No such identity provider in the caller\'s tenant.')
  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id', ParseUUIDPipe) id: string, @Authz() ctx: AuthzContext): Promise<void> {
    await this.idps.remove(ctx, id);
  }
}
