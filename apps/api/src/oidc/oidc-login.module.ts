import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { OidcClients } from './oidc-clients';
import { OidcLoginController } from './oidc-login.controller';
import { OidcLoginService } from './oidc-login.service';

/** OIDC login for browser apps (`OIDC_LOGIN_PROVIDERS`). */
@Module({
  imports: [AuthModule],
  controllers: [OidcLoginController],
  providers: [OidcClients, OidcLoginService],
})
export class OidcLoginModule {}
