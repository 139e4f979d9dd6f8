export { parseEnv } from './parse-env.js';
export { ConfigError } from './config.error.js';
export { startupErrorMessage } from './startup-error.js';
export { port, urlWithScheme, oneOf, flag } from './fields.js';
export { runtimeEnv, databaseEnv, redisEnv, httpEnv, trustProxy, logFormatFor } from './common.env.js';
