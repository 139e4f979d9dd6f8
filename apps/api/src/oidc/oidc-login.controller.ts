import { Controller, Get, Header, Query, Redirect, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiQuery } from '@nestjs/swagger';
import { ProblemResponse, PublicRoute, RedirectResponse } from '../docs/api-docs.decorators';
import { OidcLoginDoneSchema } from '../docs/response-schemas';
import type { ClientRequest } from '../common/client-request';
import { OidcLoginQuery } from './dto/oidc-login.query';
import { type CallbackQuery, OIDC_BROWSER_COOKIE, OidcLoginService } from './oidc-login.service';

/** What both adapters' replies share for setting a header (Fastify `reply.header`, Express `res.header`). */
interface HeaderReply {
  header(name: string, value: string): unknown;
}

const COOKIE_PATH = '/v1/auth/oidc';

function cookieOf(req: ClientRequest, name: string): string | undefined {
  // One cookie of our own, read by hand: no cookie parser is registered on either adapter.
  const header = req.headers.cookie;
  for (const part of (typeof header === 'string' ? header : '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

function firstString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * `/v1/auth/oidc`: sign in with an OpenID provider. `login` redirects to the
 * provider; `callback` redirects to `OIDC_LOGIN_RETURN_URL?code=` with a
 * one-time code that the app exchanges at `POST /v1/auth/login-code`.
 */
@Controller({ path: 'auth/oidc', version: '1' })
export class OidcLoginController {
  constructor(private readonly logins: OidcLoginService) {}

  @PublicRoute()
  @RedirectResponse(302, 'To the provider\'s authorization endpoint (code flow with PKCE, `state` and `nonce`); sets the HttpOnly `SameSite=Lax` cookie that binds the callback to this browser.')
  @ProblemResponse(400, 'No provider of that name (`ERR_OIDC_UNKNOWN_PROVIDER`), or an invalid `provider`.')
  @ProblemResponse(503, 'The provider\'s discovery document cannot be fetched (`ERR_OIDC_PROVIDER_UNAVAILABLE`).')
  @Get('login')
  @Redirect()
  async login(@Query() query: OidcLoginQuery, @Req() req: ClientRequest, @Res({ passthrough: true }) res: HeaderReply): Promise<{ url: string; statusCode: number }> {
    const { url, browser, secure } = await this.logins.start(query.provider, req);
    // HttpOnly: no script reads it; SameSite=Lax: sent on the provider's top-level redirect back, not on cross-site subrequests.
    res.header('Set-Cookie', `${OIDC_BROWSER_COOKIE}=${browser}; Path=${COOKIE_PATH}; HttpOnly; SameSite=Lax; Max-Age=600${secure ? '; Secure' : ''}`);
    return { url, statusCode: 302 };
  }

  @PublicRoute()
  @ApiQuery({ name: 'code', required: false, description: 'The provider\'s authorization code.', example: 'Zx9…' })
  @ApiQuery({ name: 'state', required: false, description: 'Must match the state this browser\'s login started with (its cookie).', example: 'b1e4…' })
  @ApiQuery({ name: 'iss', required: false, description: 'RFC 9207 issuer identification; must be the provider\'s issuer when sent.', example: 'http://127.0.0.1:3001' })
  @ApiQuery({ name: 'error', required: false, description: 'The provider\'s error (e.g. `access_denied`): answered with a 400 problem.', example: 'access_denied' })
  @RedirectResponse(302, 'To `OIDC_LOGIN_RETURN_URL?code=<one-time code>` (`Referrer-Policy: no-referrer`); trade the code within 60 s at `POST /v1/auth/login-code`.')
  @ProblemResponse(400, 'Missing, used, expired or other-browser state (`ERR_OIDC_STATE_INVALID`), or the provider refused or the code exchange/ID token failed (`ERR_OIDC_LOGIN_FAILED`).')
  @ProblemResponse(403, 'Disabled account (`ERR_OIDC_ACCOUNT_DISABLED`), unverified email (`ERR_OIDC_EMAIL_UNVERIFIED`), or the email belongs to an account that cannot use this provider (`ERR_OIDC_ACCOUNT_CONFLICT`).')
  @ProblemResponse(503, 'The provider is unreachable or not set up (`ERR_OIDC_PROVIDER_UNAVAILABLE`).')
  @Get('callback')
  @Redirect()
  async callback(@Req() req: ClientRequest & { query?: Record<string, unknown> }, @Res({ passthrough: true }) res: HeaderReply): Promise<{ url: string; statusCode: number }> {
    const q = req.query ?? {};
    const query: CallbackQuery = { code: firstString(q.code), state: firstString(q.state), error: firstString(q.error), iss: firstString(q.iss) };
    const url = await this.logins.finish(query, cookieOf(req, OIDC_BROWSER_COOKIE), req);
    res.header('Set-Cookie', `${OIDC_BROWSER_COOKIE}=; Path=${COOKIE_PATH}; HttpOnly; SameSite=Lax; Max-Age=0`);
    // The code in the URL must not travel on in a Referer header.
    res.header('Referrer-Policy', 'no-referrer');
    return { url, statusCode: 302 };
  }

  /** The default OIDC_LOGIN_RETURN_URL of the demo: what to do with the code (an app would POST it at once). */
  @PublicRoute()
  @ApiOkResponse({ type: OidcLoginDoneSchema })
  @Get('done')
  @Header('Referrer-Policy', 'no-referrer')
  done(): { next: string } {
    return { next: 'POST the code from this URL to /v1/auth/login-code as {"code": "..."} within 60 seconds' };
  }
}
