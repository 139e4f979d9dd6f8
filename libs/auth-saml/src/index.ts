export { AuthSamlModule, AUTH_SAML_OPTIONS } from './auth-saml.module.js';
export { SamlServiceProvider } from './service-provider.js';
export type { SamlIdentity, SamlIdentityProvider, SamlServiceProviderOptions } from './service-provider.js';
export { SamlError, SAML_MALFORMED_CODES } from './errors.js';
export type { SamlErrorCode } from './errors.js';
export { MemorySamlReplayCache, MemorySamlRequestStore, RedisSamlReplayCache, RedisSamlRequestStore, systemSamlClock } from './stores.js';
export type { SamlClock, SamlRedisLike, SamlReplayCache, SamlRequestStore } from './stores.js';
export { ALLOWED_DIGEST_ALGORITHMS, ALLOWED_SIGNATURE_ALGORITHMS } from './xml-checks.js';
export type { InspectedResponse } from './xml-checks.js';
