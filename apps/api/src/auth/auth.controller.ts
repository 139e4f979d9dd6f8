import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { type AuthPrincipal, CurrentPrincipal } from '@bastion/auth';
import { BodyLimit } from '@bastion/validation';
import { RateTier } from '../rate-limits/rate-tier.decorator';
import { AuthService } from './auth.service';
import { LoginDto } from './dto/login.dto';
import { LoginCodeDto } from './dto/login-code.dto';
import { RefreshDto } from './dto/refresh.dto';
import { TokenPairDto } from './dto/token-pair.dto';
import type { ClientRequest } from '../common/client-request';
import { PublicRoute, Secured } from '../docs/api-docs.decorators';
import { ApiNoContentResponse, ApiOkResponse } from '@nestjs/swagger';

/** `/v1/auth`: sign in with a password, rotate a refresh token, sign out. */
@Controller({ path: 'auth', version: '1' })
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  // A login body is two short strings: 4 kB is plenty and caps what an anonymous client can make us parse.
  @PublicRoute()
  @BodyLimit(4 * 1024)
  @ApiOkResponse({ type: TokenPairDto, description: 'A new access token and refresh token.' })
  @Post('login')
  @HttpCode(200)
  login(@Body() dto: LoginDto, @Req() req: ClientRequest): Promise<TokenPairDto> {
    return this.auth.login(dto.email, dto.password, req);
  }

  // A browser's one-time code from a federated sign-in (SAML, OIDC) for the same token pair as a password login.
  @PublicRoute()
  @BodyLimit(1024)
  @ApiOkResponse({ type: TokenPairDto, description: 'The same token pair as a password login; the code is spent.' })
  @Post('login-code')
  @HttpCode(200)
  loginCode(@Body() dto: LoginCodeDto, @Req() req: ClientRequest): Promise<TokenPairDto> {
    return this.auth.loginWithCode(dto.code, req);
  }

  @PublicRoute()
  @RateTier('refresh')
  @ApiOkResponse({ type: TokenPairDto, description: 'A new pair; the refresh token sent is spent.' })
  @Post('refresh')
  @HttpCode(200)
  refresh(@Body() dto: RefreshDto, @Req() req: ClientRequest): Promise<TokenPairDto> {
    return this.auth.refresh(dto.refreshToken, req);
  }

  @Secured('jwt')
  @ApiNoContentResponse({ description: 'Signed out: the access token and the sign-in are revoked.' })
  @Post('logout')
  @HttpCode(204)
  async logout(@CurrentPrincipal() principal: AuthPrincipal, @Body() dto: RefreshDto, @Req() req: ClientRequest): Promise<void> {
    await this.auth.logout(principal, dto.refreshToken, req);
  }
}
