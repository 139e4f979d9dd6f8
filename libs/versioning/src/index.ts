export { DeprecationInterceptor, SuccessorVersion, SUCCESSOR_KEY } from './deprecation.interceptor.js';
export type { DeprecatedVersion, DeprecationOptions } from './deprecation.interceptor.js';
