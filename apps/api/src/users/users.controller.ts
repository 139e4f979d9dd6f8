import { Body, Controller, Get, HttpCode, NotFoundException, Put, Req } from '@nestjs/common';
import { Auth, type AuthPrincipal, CurrentPrincipal, Scopes } from '@bastion/auth';
import { PrismaService } from '@bastion/database';
import { SuccessorVersion } from '@bastion/versioning';
import { AuthService } from '../auth/auth.service';
import type { ClientRequest } from '../common/client-request';
import { ChangePasswordDto } from './dto/change-password.dto';
import type { MeDto } from './dto/me.dto';

/** `/v1/users`: the caller's own profile and password. */
@Controller({ path: 'users', version: '1' })
export class UsersController {
  constructor(
    private readonly prisma: PrismaService,
    private readonly auth: AuthService,
  ) {}

  @Auth('jwt', 'api-key', 'oidc')
  @Scopes('profile:read')
  @SuccessorVersion('/v2/users/me')
  @Get('me')
  async me(@CurrentPrincipal() principal: AuthPrincipal): Promise<MeDto> {
    const user = await this.prisma.user.findUnique({
      where: { id: principal.sub },
      select: { id: true, email: true, displayName: true, role: true, department: true, tenant: { select: { id: true, slug: true } } },
    });
    if (!user) throw new NotFoundException('The user no longer exists');
    return { ...user, authentication: { method: principal.method, scopes: principal.scopes } };
  }

  @Auth('jwt')
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
