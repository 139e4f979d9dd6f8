import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, UseGuards } from '@nestjs/common';
import { Auth } from '@bastion/auth';
import { Authz, type AuthzContext, CheckPolicies, PoliciesGuard } from '@bastion/authz';
import type { SamlIdentityProvider } from '@bastion/database';
import { CreateIdentityProviderDto, UpdateIdentityProviderDto } from './dto/identity-provider.dto';
import { IdentityProvidersService } from './identity-providers.service';

/** `/v1/saml/identity-providers`: a tenant's SAML IdPs (its admins). */
@Auth('jwt')
@UseGuards(PoliciesGuard)
@Controller({ path: 'saml/identity-providers', version: '1' })
export class IdentityProvidersController {
  constructor(private readonly idps: IdentityProvidersService) {}

  @CheckPolicies({ action: 'read', subject: 'SamlIdentityProvider' })
  @Get()
  list(@Authz() ctx: AuthzContext): Promise<SamlIdentityProvider[]> {
    return this.idps.list(ctx);
  }

  @CheckPolicies({ action: 'read', subject: 'SamlIdentityProvider' })
  @Get(':id')
  read(@Param('id', ParseUUIDPipe) id: string, @Authz() ctx: AuthzContext): Promise<SamlIdentityProvider> {
    return this.idps.read(ctx, id);
  }

  @CheckPolicies({ action: 'create', subject: 'SamlIdentityProvider' })
  @Post()
  create(@Body() dto: CreateIdentityProviderDto, @Authz() ctx: AuthzContext): Promise<SamlIdentityProvider> {
    return this.idps.create(ctx, dto);
  }

  @CheckPolicies({ action: 'update', subject: 'SamlIdentityProvider' })
  @Patch(':id')
  update(@Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateIdentityProviderDto, @Authz() ctx: AuthzContext): Promise<SamlIdentityProvider> {
    return this.idps.update(ctx, id, dto);
  }

  @CheckPolicies({ action: 'delete', subject: 'SamlIdentityProvider' })
  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id', ParseUUIDPipe) id: string, @Authz() ctx: AuthzContext): Promise<void> {
    await this.idps.remove(ctx, id);
  }
}
