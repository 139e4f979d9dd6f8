import { Body, Controller, Get, HttpCode, NotFoundException, Put, Req } from '@nestjs/common';
import { type AuthPrincipal, CurrentPrincipal } from '@bastion/auth';
import { AuthService } from '../auth/auth.service';
import { PrincipalCache } from '../auth/principal-cache.service';
import type { ClientRequest } from '../common/client-request';
import { ChangePasswordDto } from './dto/change-password.dto';
import type { MeDto } from './dto/me.dto';
import { RequiredScopes, Secured, Successor } from '../docs/api-docs.decorators';
import { MeV1Schema } from '../docs/response-schemas';
import { ApiNoContentResponse, ApiOkResponse } from '@nestjs/swagger';

/** `/v1/users`: the caller's own profile and password. */
@Controller({ path: 'users', version: '1' })
export class UsersController {
  constructor(
    private readonly principals: PrincipalCache,
    private readonly auth: AuthService,
  ) {}

  @Secured('jwt', 'api-key', 'oidc')
  @RequiredScopes('profile:read')
  @Successor('/v2/users/me')
  @ApiOkResponse({ type: MeV1Schema })
  @Get('me')
  async me(@CurrentPrincipal() principal: AuthPrincipal): Promise<MeDto> {
    // From the principal cache: emptied on every instance when this user changes.
    const user = await this.principals.get(principal.sub);
    if (!user) throw new NotFoundException('The user no longer exists');
    return {
      id: user.id,
      email: user.email,
      displayName: user.displayName,
      role: user.role,
      department: user.department,
      tenant: { id: user.tenantId, slug: user.tenantSlug },
      authentication: { method: principal.method, scopes: principal.scopes },
    };
  }

  @Secured('jwt')
  @ApiNoContentResponse({ description: 'Changed; every sign-in of the user has ended.' })
  @Put('me/password')
  @HttpCode(204)
  async changePassword(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Body() dto: ChangePasswordDto,
    @Req() req: ClientRequest,
  ): Promise<void> {
    await this.auth.changePassword(principal, dto.currentPassword, dto.newPassword, req);
  }
}
