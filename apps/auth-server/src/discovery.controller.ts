import { Controller, Get } from '@nestjs/common';

/** `GET /`: what this server is. Discovery proper (`/.well-known/openid-configuration`) comes with oidc-provider. */
@Controller()
export class DiscoveryController {
  @Get()
  about(): { service: string; status: string } {
    return { service: 'bastion-auth-server', status: 'OAuth 2.0 / OpenID Connect endpoints are not enabled yet' };
  }
}
