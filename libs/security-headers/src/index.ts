export { applySecurityHeaders } from './security-headers';
export type { SecurityHeadersOptions, RelaxedCsp } from './security-headers';
