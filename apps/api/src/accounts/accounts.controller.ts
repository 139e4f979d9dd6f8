import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNoContentResponse, ApiOperation } from '@nestjs/swagger';
import { BodyLimit } from '@bastion/validation';
import type { ClientRequest } from '../common/client-request';
import { ProblemResponse, PublicRoute } from '../docs/api-docs.decorators';
import { RateTier } from '../rate-limits/rate-tier.decorator';
import { AccountsService } from './accounts.service';
import { AcceptedDto, EmailDto, ResetPasswordDto, SignupDto, TokenDto } from './dto/accounts.dto';

const SAME_ANSWER = 'The same answer, in the same time, whether or not the address has an account; the mail (if any) is sent after it.';
const BAD_LINK = 'The link is unknown, used, replaced by a newer one, expired or of another purpose (`ERR_ACCOUNT_TOKEN_INVALID`).';

/**
 * `/v1/auth`: open sign-up with email verification, and password reset (docs/accounts.md). Public routes, each
 * counted per client (RATE_LIMIT_ACCOUNTS) and, where an address is named, per address (RATE_LIMIT_ACCOUNT_EMAIL).
 */
@PublicRoute()
@RateTier('accounts')
@Controller({ path: 'auth', version: '1' })
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @BodyLimit(4 * 1024)
  @ApiOperation({ summary: 'Sign up: a new tenant and its first admin, pending until the address is verified (SIGNUP=open)' })
  @ApiAcceptedResponse({ type: AcceptedDto, description: `${SAME_ANSWER} A new address gets a verification link; one with an account gets a note that someone tried.` })
  @ProblemResponse(400, 'Invalid body, or a password the policy refuses (`ERR_AUTH_PASSWORD_POLICY`).')
  @ProblemResponse(403, 'Sign-up is not open here (`ERR_ACCOUNT_SIGNUP_CLOSED`: SIGNUP=invite or off).')
  @Post('signup')
  @HttpCode(202)
  signup(@Body() dto: SignupDto, @Req() req: ClientRequest): Promise<AcceptedDto> {
    return this.accounts.signup(dto, req);
  }

  @BodyLimit(1024)
  @ApiOperation({ summary: 'Verify an address with the token of its link; the pending account becomes active' })
  @ApiNoContentResponse({ description: 'Verified; the account may sign in.' })
  @ProblemResponse(400, BAD_LINK)
  @Post('email/verify')
  @HttpCode(204)
  async verify(@Body() dto: TokenDto, @Req() req: ClientRequest): Promise<void> {
    await this.accounts.verifyEmail(dto.token, req);
  }

  @BodyLimit(1024)
  @ApiOperation({ summary: 'Send a new verification link to a pending account (the older links stop working)' })
  @ApiAcceptedResponse({ type: AcceptedDto, description: SAME_ANSWER })
  @ProblemResponse(400, 'Invalid body.')
  @Post('email/resend')
  @HttpCode(202)
  resend(@Body() dto: EmailDto, @Req() req: ClientRequest): Promise<AcceptedDto> {
    return this.accounts.resendVerification(dto.email, req);
  }

  @BodyLimit(1024)
  @ApiOperation({ summary: 'Forgot password: mail a single-use reset link (PASSWORD_RESET_TTL) to the account of the address' })
  @ApiAcceptedResponse({ type: AcceptedDto, description: `${SAME_ANSWER} Only the newest link works.` })
  @ProblemResponse(400, 'Invalid body.')
  @Post('password/forgot')
  @HttpCode(202)
  forgot(@Body() dto: EmailDto, @Req() req: ClientRequest): Promise<AcceptedDto> {
    return this.accounts.forgotPassword(dto.email, req);
  }

  @BodyLimit(4 * 1024)
  @ApiOperation({ summary: 'Set a new password with a reset link; every session and access token of the user ends at once' })
  @ApiNoContentResponse({ description: 'Changed; every refresh token and access token of the user is revoked, and a notice is mailed.' })
  @ProblemResponse(400, `${BAD_LINK} Or a password the policy refuses (\`ERR_AUTH_PASSWORD_POLICY\`; the link stays usable).`)
  @Post('password/reset')
  @HttpCode(204)
  async reset(@Body() dto: ResetPasswordDto, @Req() req: ClientRequest): Promise<void> {
    await this.accounts.resetPassword(dto.token, dto.newPassword, req);
  }
}
