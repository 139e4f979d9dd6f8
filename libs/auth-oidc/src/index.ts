export { AuthOidcModule, AUTH_OIDC_MODULE_OPTIONS } from './auth-oidc.module.js';
export { OidcTokenVerifier } from './oidc-token-verifier.js';
export type { OidcTokenVerifierOptions, VerifiedOidcToken } from './oidc-token-verifier.js';
export { resolveIssuer, normalizeTyp } from './oidc-issuer.js';
export type { OidcIssuerOptions, ResolvedIssuer } from './oidc-issuer.js';
export { OidcTokenError } from './errors.js';
export type { OidcTokenErrorCode } from './errors.js';
