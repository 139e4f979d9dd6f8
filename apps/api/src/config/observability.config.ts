import { registerAs } from '@nestjs/config';
import { parseEnv } from '@bastion/config';
import { z } from 'zod';

const rate = (fallback: string) =>
  z.string().regex(/^\d{1,6}\/\d{0,6}[smhd]$/, { error: 'must look like 10/5m (events per window)' }).default(fallback);

/** Metrics access, alert rules and the audit trail's key. */
export const observabilityConfig = registerAs('observability', () =>
  parseEnv(
    z.object({
      METRICS_TOKEN: z.string().min(32, { error: 'must be at least 32 characters' }).max(512).optional(),
      ALERT_WEBHOOK_URL: z
        .string()
        // eslint-disable-next-line security/detect-unsafe-regex -- anchored alternatives, one optional port group: linear; and the value is operator config
        .refine((v) => /^https:\/\/|^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//.test(v), { error: 'must be an https:// URL (or http:// on localhost)' })
        .optional(),
      ALERT_LOGIN_FAILURES: rate('10/5m'),
      ALERT_AUTHZ_DENIALS: rate('50/1m'),
      AUDIT_HMAC_KEY: z.string().min(32, { error: 'must be at least 32 characters' }).max(512).optional(),
    }),
    process.env,
  ),
);
