export { parseEnv } from './parse-env';
export { ConfigError } from './config.error';
export { startupErrorMessage } from './startup-error';
export { port, urlWithScheme, oneOf, flag } from './fields';
export { runtimeEnv, databaseEnv, redisEnv, httpEnv, trustProxy } from './common.env';
