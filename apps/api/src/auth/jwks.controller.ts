import { Controller, Get, Header, Inject, VERSION_NEUTRAL } from '@nestjs/common';
import { JWT_KEY_PROVIDER, type JwtKeyProvider } from '@bastion/auth';
import type { JWK } from 'jose';
import { PublicRoute } from '../docs/api-docs.decorators';
import { JwksSchema } from '../docs/response-schemas';
import { ApiOkResponse } from '@nestjs/swagger';

/** `GET /.well-known/jwks.json`: the public keys that verify the API's access tokens (RFC 7517). */
@Controller({ path: '.well-known', version: VERSION_NEUTRAL })
export class JwksController {
  constructor(@Inject(JWT_KEY_PROVIDER) private readonly keys: JwtKeyProvider) {}

  @PublicRoute()
  @ApiOkResponse({ type: JwksSchema })
  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  jwks(): Promise<{ keys: JWK[] }> {
    return this.keys.publicJwks();
  }
}
