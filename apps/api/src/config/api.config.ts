import { registerAs } from '@nestjs/config';
import { httpEnv, parseEnv, port, runtimeEnv } from '@bastion/config';

/** How the API listens and logs. */
export const apiConfig = registerAs('api', () =>
  parseEnv(runtimeEnv.extend(httpEnv.shape).extend({ PORT: port(3000) }), process.env),
);
