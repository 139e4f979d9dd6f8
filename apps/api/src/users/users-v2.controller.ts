import { Controller, Get, NotFoundException } from '@nestjs/common';
import { Auth, type AuthPrincipal, CurrentPrincipal, Scopes } from '@bastion/auth';
import { PrismaService } from '@bastion/database';

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
  constructor(private readonly prisma: PrismaService) {}

  @Auth('jwt', 'api-key', 'oidc')
  @Scopes('profile:read')
  @Get('me')
  async me(@CurrentPrincipal() principal: AuthPrincipal): Promise<MeV2Dto> {
    const user = await this.prisma.user.findUnique({
      where: { id: principal.sub },
      select: { id: true, email: true, displayName: true, role: true, department: true, tenantId: true },
    });
    if (!user) throw new NotFoundException('The user no longer exists');
    return user;
  }
}
