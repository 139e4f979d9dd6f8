import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { Auth, type AuthPrincipal, CurrentPrincipal, Public } from '@bastion/auth';
import { BodyLimit } from '@bastion/validation';
import { RateTier } from '../rate-limits/rate-tier.decorator';
import { AuthService } from './auth.service';
import { LoginDto } from './dto/login.dto';
import { LoginCodeDto } from './dto/login-code.dto';
import { RefreshDto } from './dto/refresh.dto';
import type { TokenPairDto } from './dto/token-pair.dto';
import type { ClientRequest } from '../common/client-request';

/** `/v1/auth`: sign in with a password, rotate a refresh token, sign out. */
@Controller({ path: 'auth', version: '1' })
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  // A login body is two short strings: 4 kB is plenty and caps what an anonymous client can make us parse.
  @Public()
  @BodyLimit(4 * 1024)
  @Post('login')
  @HttpCode(200)
  login(@Body() dto: LoginDto, @Req() req: ClientRequest): Promise<TokenPairDto> {
    return this.auth.login(dto.email, dto.password, req);
  }

  /** The second half of an OIDC or SAML login: the one-time code from the redirect, for the token pair. */
  @Public()
  @BodyLimit(4 * 1024)
  @Post('login-code')
  @HttpCode(200)
  loginWithCode(@Body() dto: LoginCodeDto, @Req() req: ClientRequest): Promise<TokenPairDto> {
    return this.auth.loginWithCode(dto.code, req);
  }

  @Public()
  @RateTier('refresh')
  @Post('refresh')
  @HttpCode(200)
  refresh(@Body() dto: RefreshDto, @Req() req: ClientRequest): Promise<TokenPairDto> {
    return this.auth.refresh(dto.refreshToken, req);
  }

  @Auth('jwt')
  @Post('logout')
  @HttpCode(204)
  async logout(@CurrentPrincipal() principal: AuthPrincipal, @Body() dto: RefreshDto, @Req() req: ClientRequest): Promise<void> {
    await this.auth.logout(principal, dto.refreshToken, req);
  }
}
