import { registerAs } from '@nestjs/config';
import { httpEnv, parseEnv, port, runtimeEnv } from '@bastion/config';

/** How the auth server listens and logs. */
export const authServerConfig = registerAs('authServer', () =>
  parseEnv(runtimeEnv.extend(httpEnv.shape).extend({ AUTH_SERVER_PORT: port(3001) }), process.env),
);
