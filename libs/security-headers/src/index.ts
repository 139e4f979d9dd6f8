export { applySecurityHeaders } from './security-headers.js';
export type { SecurityHeadersOptions, RelaxedCsp } from './security-headers.js';
