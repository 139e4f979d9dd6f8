import { registerAs } from '@nestjs/config';
import { ConfigError, flag, httpEnv, parseEnv, port, runtimeEnv } from '@bastion/config';
import { z } from 'zod';

const SIZE = /^(\d{1,7})(b|kb|mb)$/i;
const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 * 1024 };

/** How the API listens, logs, and guards its transport. */
export const apiConfig = registerAs('api', () => {
  const env = parseEnv(
    runtimeEnv.extend(httpEnv.shape).extend({
      PORT: port(3000),
      BODY_LIMIT: z
        .string()
        .regex(SIZE, { error: 'must be a size such as 100kb or 1mb' })
        .transform((v) => {
          const [, n, unit] = SIZE.exec(v) as RegExpExecArray;
          return Number(n) * (UNITS[(unit as string).toLowerCase()] as number);
        })
        .refine((n) => n >= 1024 && n <= 10 * 1024 * 1024, { error: 'must be between 1kb and 10mb' })
        .default(100 * 1024),
      CORS_ORIGINS: z
        .string()
        .transform((v) => v.split(',').map((o) => o.trim()).filter(Boolean))
        .refine(
          (list) =>
            list.every((o) => {
              try {
                return new URL(o).origin === o;
              } catch {
                return false;
              }
            }),
          { error: 'must be a comma list of origins such as https://app.example.com (scheme://host[:port], no path)' },
        )
        .default([]),
      TLS_CERT_FILE: z.string().max(1024).optional(),
      TLS_KEY_FILE: z.string().max(1024).optional(),
      REQUIRE_HTTPS: flag(false),
    }),
    process.env,
  );
  if ((env.TLS_CERT_FILE === undefined) !== (env.TLS_KEY_FILE === undefined)) {
    throw new ConfigError([{ variable: env.TLS_CERT_FILE ? 'TLS_KEY_FILE' : 'TLS_CERT_FILE', message: 'TLS_CERT_FILE and TLS_KEY_FILE go together' }]);
  }
  return env;
});
