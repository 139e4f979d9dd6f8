import { ConfigurableModuleBuilder, Module } from '@nestjs/common';
import { SamlServiceProvider, type SamlServiceProviderOptions } from './service-provider.js';

export const {
  ConfigurableModuleClass: AuthSamlConfigurableModule,
  MODULE_OPTIONS_TOKEN: AUTH_SAML_OPTIONS,
} = new ConfigurableModuleBuilder<SamlServiceProviderOptions>().setClassMethodName('forRoot').build();

/**
 * Provides one {@link SamlServiceProvider}, built (and its options checked)
 * when the module starts: a bad option stops start-up naming it.
 *
 * @example
 * AuthSamlModule.forRootAsync({
 *   inject: [REDIS_CLIENT],
 *   useFactory: (redis) => ({
 *     entityId: 'https://api.example.com/saml', acsUrl: 'https://api.example.com/v1/auth/saml/acs',
 *     replayCache: redis ? new RedisSamlReplayCache(redis) : undefined,
 *     requestStore: redis ? new RedisSamlRequestStore(redis) : undefined,
 *   }),
 * })
 */
@Module({
  providers: [{ provide: SamlServiceProvider, inject: [AUTH_SAML_OPTIONS], useFactory: (o: SamlServiceProviderOptions) => new SamlServiceProvider(o) }],
  exports: [SamlServiceProvider],
})
export class AuthSamlModule extends AuthSamlConfigurableModule {}
