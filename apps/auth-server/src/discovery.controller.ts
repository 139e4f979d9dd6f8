import { Controller, Get } from '@nestjs/common';

/** `GET /`: what this server is and where its discovery document is. */
@Controller()
export class DiscoveryController {
  @Get()
  about(): { service: string; discovery: string } {
    return { service: 'bastion-auth-server', discovery: '/.well-known/openid-configuration' };
  }
}
