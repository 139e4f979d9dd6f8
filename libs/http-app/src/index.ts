export { createHttpApp, logLevelsFrom, REQUEST_ID_PATTERN } from './create-http-app.js';
export type { HttpAppOptions, HttpAdapterName } from './create-http-app.js';
export { enableGracefulShutdown } from './graceful-shutdown.js';
export type { GracefulShutdownOptions } from './graceful-shutdown.js';
