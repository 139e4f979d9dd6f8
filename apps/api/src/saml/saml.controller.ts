import { Body, Controller, Get, Header, HttpCode, Inject, Post, Query, Redirect, Req, Res } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { ConfigType } from '@nestjs/config';
import { SamlServiceProvider } from '@bastion/auth-saml';
import { BodyLimit } from '@bastion/validation';
import { AuthService } from '../auth/auth.service';
import { LoginCodeService } from '../auth/login-code.service';
import type { ClientRequest } from '../common/client-request';
import { samlConfig } from '../config';
import { SamlAcsDto, SamlLoginQuery } from './dto/saml.dto';
import { IdpDirectory } from './idp-directory.service';
import { SamlLoginService } from './saml-login.service';
import { ProblemResponse, PublicRoute, RedirectResponse, RequestHeader } from '../docs/api-docs.decorators';
import { TokenPairDto } from '../auth/dto/token-pair.dto';
import { ApiConsumes, ApiOkResponse, ApiProduces } from '@nestjs/swagger';

/** Whether the caller asked for JSON (an API client) rather than a page (a browser posting the IdP's form). */
function wantsJson(req: ClientRequest): boolean {
  const accept = req.headers.accept;
  return typeof accept === 'string' && /application\/json/i.test(accept) && !/text\/html/i.test(accept);
}

/** `/v1/auth/saml`: SP metadata, SP-initiated sign-in, and the Assertion Consumer Service. */
@PublicRoute()
@Controller({ path: 'auth/saml', version: '1' })
export class SamlController {
  constructor(
    private readonly sp: SamlServiceProvider,
    private readonly directory: IdpDirectory,
    private readonly logins: SamlLoginService,
    private readonly auth: AuthService,
    private readonly codes: LoginCodeService,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(samlConfig.KEY) private readonly cfg: ConfigType<typeof samlConfig>,
  ) {}

  @ApiProduces('application/samlmetadata+xml')
  @ApiOkResponse({
    description: 'The SP metadata (SAML 2.0 metadata XML) to give the IdP: entity id, ACS URL, signing/encryption certificates.',
    content: { 'application/samlmetadata+xml': { schema: { type: 'string', example: '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="…">…</md:EntityDescriptor>' } } },
  })
  @Get('metadata')
  @Header('Content-Type', 'application/samlmetadata+xml')
  @Header('Cache-Control', 'public, max-age=3600')
  metadata(): string {
    return this.sp.metadata();
  }

  /** Redirects the browser to the tenant's IdP with a (signed, when configured) AuthnRequest. */
  @RedirectResponse(302, 'To the IdP\'s single sign-on URL with the AuthnRequest (HTTP-Redirect binding).')
  @ProblemResponse(404, 'The tenant has no such (enabled) identity provider (`ERR_SAML_NO_IDP`); several and no `idp` is a 400 `ERR_SAML_IDP_AMBIGUOUS`.')
  @Get('login')
  @Redirect()
  async login(@Query() q: SamlLoginQuery): Promise<{ url: string; statusCode: number }> {
    const idp = await this.directory.forTenant(q.tenant, q.idp);
    return { url: await this.sp.loginUrl(idp.provider), statusCode: 302 };
  }

  /**
   * The IdP's HTTP-POST answer. An API client (`Accept: application/json`)
   * gets the token pair; a browser a 303 to `SAML_LOGIN_RETURN_URL?code=`
   * with a one-time code, never a token in a URL.
   */
  // 96 kB: room for a response with many groups; the SAML lib refuses a SAMLResponse over 64 kB with 400.
  @BodyLimit(96 * 1024)
  @ApiConsumes('application/x-www-form-urlencoded')
  @RequestHeader('Accept', '`application/json` (without `text/html`): answer with the token pair instead of a redirect.')
  @ApiOkResponse({ type: TokenPairDto, description: 'With `Accept: application/json`: the token pair (`Cache-Control: no-store`).' })
  @RedirectResponse(303, 'A browser: to `SAML_LOGIN_RETURN_URL?code=<one-time code>`; trade the code within 60 s at `POST /v1/auth/login-code`.')
  @Post('acs')
  @HttpCode(200)
  async acs(@Body() dto: SamlAcsDto, @Req() req: ClientRequest, @Res() res: unknown): Promise<void> {
    const user = await this.logins.signIn(dto.SAMLResponse, req);
    const adapter = this.adapterHost.httpAdapter;
    adapter.setHeader(res, 'Cache-Control', 'no-store');
    if (wantsJson(req)) {
      adapter.setHeader(res, 'Content-Type', 'application/json; charset=utf-8');
      return adapter.reply(res, JSON.stringify(await this.auth.issueFor(user, ['saml'], req)), 200);
    }
    const target = new URL(this.cfg.SAML_LOGIN_RETURN_URL);
    target.searchParams.set('code', await this.codes.issue(user.id, 'saml'));
    adapter.setHeader(res, 'Referrer-Policy', 'no-referrer');
    return adapter.redirect(res, 303, target.toString());
  }
}
