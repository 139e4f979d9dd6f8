export { AuthSamlModule, AUTH_SAML_OPTIONS } from './auth-saml.module';
export { SamlServiceProvider } from './service-provider';
export type { SamlIdentity, SamlIdentityProvider, SamlServiceProviderOptions } from './service-provider';
export { SamlError, SAML_MALFORMED_CODES } from './errors';
export type { SamlErrorCode } from './errors';
export { MemorySamlReplayCache, MemorySamlRequestStore, RedisSamlReplayCache, RedisSamlRequestStore, systemSamlClock } from './stores';
export type { SamlClock, SamlRedisLike, SamlReplayCache, SamlRequestStore } from './stores';
export { ALLOWED_DIGEST_ALGORITHMS, ALLOWED_SIGNATURE_ALGORITHMS } from './xml-checks';
export type { InspectedResponse } from './xml-checks';
