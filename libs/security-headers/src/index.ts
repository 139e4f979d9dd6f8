export { applySecurityHeaders, API_CSP } from './security-headers';
export type { SecurityHeadersOptions, RelaxedCsp } from './security-headers';
export { RequireHttpsGuard } from './require-https.guard';
