import { ConfigurableModuleBuilder, Module } from '@nestjs/common';
import { OidcTokenVerifier, type OidcTokenVerifierOptions } from './oidc-token-verifier.js';

export const {
  ConfigurableModuleClass: AuthOidcConfigurableModule,
  MODULE_OPTIONS_TOKEN: AUTH_OIDC_MODULE_OPTIONS,
} = new ConfigurableModuleBuilder<OidcTokenVerifierOptions>().setClassMethodName('forRoot').build();

/**
 * Provides an {@link OidcTokenVerifier} built (and its options checked) at
 * start-up. Plug it into your authentication (e.g. `@bastion/auth`'s
 * `externalTokens`) through an adapter that maps a verified token to your
 * principal.
 *
 * @example
 * AuthOidcModule.forRoot({ issuers: [{ name: 'keycloak',
 *   discoveryUrl: 'https://sso.example.com/realms/acme/.well-known/openid-configuration',
 *   audience: 'bastion-api', types: ['JWT'] }] })
 */
@Module({
  providers: [{ provide: OidcTokenVerifier, inject: [AUTH_OIDC_MODULE_OPTIONS], useFactory: (o: OidcTokenVerifierOptions) => new OidcTokenVerifier(o) }],
  exports: [OidcTokenVerifier],
})
export class AuthOidcModule extends AuthOidcConfigurableModule {}
