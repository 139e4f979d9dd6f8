export { DeprecationInterceptor, SuccessorVersion, SUCCESSOR_KEY } from './deprecation.interceptor';
export type { DeprecatedVersion, DeprecationOptions } from './deprecation.interceptor';
