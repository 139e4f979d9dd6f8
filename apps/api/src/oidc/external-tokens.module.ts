import { Logger, Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { AuthOidcModule } from '@bastion/auth-oidc';
import { authConfig, oidcConfig } from '../config';
import { ExternalTokens } from './external-tokens';

const logger = new Logger('ExternalTokens');

/** Access tokens of the issuers in `OIDC_ISSUERS`, for the auth lib's `oidc` method. */
@Module({
  imports: [
    AuthOidcModule.forRootAsync({
      inject: [oidcConfig.KEY, authConfig.KEY],
      useFactory: (o: ConfigType<typeof oidcConfig>, a: ConfigType<typeof authConfig>) => ({
        issuers: o.OIDC_ISSUERS.map((i) => ({
          name: i.name,
          discoveryUrl: i.discoveryUrl,
          issuer: i.issuer,
          // RFC 8707: the API is the resource, so its identifier is the audience.
          audience: i.audience ?? a.JWT_AUDIENCE,
          algorithms: i.algorithms,
          types: i.types,
          jwksCooldownSeconds: i.jwksCooldownSeconds,
          clockToleranceSeconds: i.clockToleranceSeconds,
        })),
        onDiscoveryError: (issuer: string, error: Error) => logger.warn(`discovery of ${issuer} failed (its tokens are refused until it answers): ${error.message}`),
      }),
    }),
  ],
  providers: [ExternalTokens],
  exports: [ExternalTokens],
})
export class ExternalTokensModule {}
