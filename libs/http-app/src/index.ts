export { createHttpApp, logLevelsFrom } from './create-http-app';
export type { HttpAppOptions, HttpAdapterName } from './create-http-app';
