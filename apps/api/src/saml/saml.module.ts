import { Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { AuthSamlModule, RedisSamlReplayCache, RedisSamlRequestStore, type SamlRedisLike } from '@bastion/auth-saml';
import { REDIS_CLIENT } from '@bastion/redis';
import type Redis from 'ioredis';
import { AuthModule } from '../auth/auth.module';
import { AuthzModule } from '../authz/authz.module';
import { samlConfig } from '../config';
import { IdentityProvidersController } from './identity-providers.controller';
import { IdentityProvidersService } from './identity-providers.service';
import { IdpDirectory } from './idp-directory.service';
import { SamlController } from './saml.controller';
import { SamlLoginService } from './saml-login.service';

const samlLib = AuthSamlModule.forRootAsync({
  inject: [samlConfig.KEY, REDIS_CLIENT],
  useFactory: (cfg: ConfigType<typeof samlConfig>, redis: Redis | null) => ({
    entityId: cfg.SAML_SP_ENTITY_ID,
    acsUrl: cfg.SAML_ACS_URL,
    signing: cfg.SAML_SP_PRIVATE_KEY && cfg.SAML_SP_CERT ? { privateKey: cfg.SAML_SP_PRIVATE_KEY, certificate: cfg.SAML_SP_CERT[0] as string } : undefined,
    clockSkewSeconds: cfg.SAML_CLOCK_SKEW_SECONDS,
    // With Redis every instance sees an assertion used and a request sent by any other.
    replayCache: redis ? new RedisSamlReplayCache(redis as unknown as SamlRedisLike) : undefined,
    requestStore: redis ? new RedisSamlRequestStore(redis as unknown as SamlRedisLike) : undefined,
  }),
});

/** SAML 2.0 single sign-on: SP metadata, sign-in at a tenant's IdP, the ACS, and the admins' IdP API. */
@Module({
  imports: [samlLib, AuthModule, AuthzModule],
  controllers: [SamlController, IdentityProvidersController],
  providers: [IdpDirectory, SamlLoginService, IdentityProvidersService],
})
export class SamlModule {}
