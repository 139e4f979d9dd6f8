import { Controller, Get, Header, Query, Redirect, Req, Res } from '@nestjs/common';
import { Public } from '@bastion/auth';
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

  @Public()
  @Get('login')
  @Redirect()
  async login(@Query() query: OidcLoginQuery, @Req() req: ClientRequest, @Res({ passthrough: true }) res: HeaderReply): Promise<{ url: string; statusCode: number }> {
    const { url, browser, secure } = await this.logins.start(query.provider, req);
    // HttpOnly: no script reads it; SameSite=Lax: sent on the provider's top-level redirect back, not on cross-site subrequests.
    res.header('Set-Cookie', `${OIDC_BROWSER_COOKIE}=${browser}; Path=${COOKIE_PATH}; HttpOnly; SameSite=Lax; Max-Age=600${secure ? '; Secure' : ''}`);
    return { url, statusCode: 302 };
  }

  @Public()
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
  @Public()
  @Get('done')
  @Header('Referrer-Policy', 'no-referrer')
  done(): { next: string } {
    return { next: 'POST the code from this URL to /v1/auth/login-code as {"code": "..."} within 60 seconds' };
  }
}
