import { Controller, Get, NotFoundException } from '@nestjs/common';
import { type AuthPrincipal, CurrentPrincipal } from '@bastion/auth';
import { PrincipalCache } from '../auth/principal-cache.service';
import { RequiredScopes, Secured } from '../docs/api-docs.decorators';
import { MeV2Schema } from '../docs/response-schemas';
import { ApiOkResponse } from '@nestjs/swagger';

/** `GET /v2/users/me`: the caller, flat and lean (no nested tenant, no credential details). */
export class MeV2Dto {
  id!: string;
  email!: string;
  displayName!: string;
  role!: string;
  department!: string;
  tenantId!: string;
}

/** `/v2/users`: the successor of v1's profile route. */
@Controller({ path: 'users', version: '2' })
export class UsersV2Controller {
  constructor(private readonly principals: PrincipalCache) {}

  @Secured('jwt', 'api-key', 'oidc')
  @RequiredScopes('profile:read')
  @ApiOkResponse({ type: MeV2Schema })
  @Get('me')
  async me(@CurrentPrincipal() principal: AuthPrincipal): Promise<MeV2Dto> {
    const user = await this.principals.get(principal.sub);
    if (!user) throw new NotFoundException('The user no longer exists');
    return { id: user.id, email: user.email, displayName: user.displayName, role: user.role, department: user.department, tenantId: user.tenantId };
  }
}
