export { AuthOidcModule, AUTH_OIDC_MODULE_OPTIONS } from './auth-oidc.module';
export { OidcTokenVerifier } from './oidc-token-verifier';
export type { OidcTokenVerifierOptions, VerifiedOidcToken } from './oidc-token-verifier';
export { resolveIssuer, normalizeTyp } from './oidc-issuer';
export type { OidcIssuerOptions, ResolvedIssuer } from './oidc-issuer';
export { OidcTokenError } from './errors';
export type { OidcTokenErrorCode } from './errors';
