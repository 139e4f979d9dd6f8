import { registerAs } from '@nestjs/config';
import { parseEnv, runtimeEnv } from '@bastion/config';
import { parseDuration } from '@bastion/auth';
import { z } from 'zod';

/** A duration such as 30m or 7d, in seconds, between `min` and `max` seconds. */
const seconds = (fallback: string, min: number, max: number, range: string) =>
  z
    .string()
    .regex(/^\d{1,6}[smhd]$/, { error: 'must be a number followed by s, m, h or d (e.g. 30m)' })
    .default(fallback)
    .transform((v) => parseDuration(v))
    .refine((s) => s >= min && s <= max, { error: `must be from ${range}` });

const rate = (fallback: string) =>
  z.string().regex(/^\d{1,6}\/\d{1,6}[smhd]$/, { error: 'must look like 10/15m (requests per window)' }).default(fallback);

/**
 * Sign-up, verification, invitations and password reset (apps/api/src/accounts). `SIGNUP` defaults to `open` in
 * development and test, so that the demo shows the flow, and to `invite` in production.
 */
export const accountsConfig = registerAs('accounts', () => {
  const env = parseEnv(
    runtimeEnv.extend({
      SIGNUP: z.enum(['open', 'invite', 'off'], { error: 'must be open, invite or off' }).optional(),
      // Where the links in mails point: a front end that reads the token from the URL fragment and POSTs it.
      APP_URL: z
        .string()
        .refine(
          (v) => {
            try {
              const url = new URL(v);
              return (url.protocol === 'https:' || url.protocol === 'http:') && !url.search && !url.hash;
            } catch {
              return false;
            }
          },
          { error: 'must be an http(s) URL without query or fragment, such as https://app.example.com' },
        )
        .optional(),
      PASSWORD_RESET_TTL: seconds('30m', 15 * 60, 60 * 60, '15m to 60m'),
      EMAIL_VERIFICATION_TTL: seconds('24h', 15 * 60, 7 * 86_400, '15m to 7d'),
      INVITATION_TTL: seconds('7d', 3600, 30 * 86_400, '1h to 30d'),
      RATE_LIMIT_ACCOUNTS: rate('20/15m'),
      RATE_LIMIT_ACCOUNT_EMAIL: rate('5/1h'),
    }),
    process.env,
  );
  return {
    ...env,
    SIGNUP: env.SIGNUP ?? (env.NODE_ENV === 'production' ? 'invite' : 'open'),
    APP_URL: (env.APP_URL ?? `http://localhost:${process.env.PORT ?? 3000}`).replace(/\/+$/, ''),
  };
});

/** How the API sends mail (libs/mail): SMTP_URL, else the development outbox under .data/. */
export const mailConfig = registerAs('mail', () =>
  parseEnv(
    z.object({
      SMTP_URL: z
        .string()
        .regex(/^smtps?:\/\/[^\s]+$/, { error: 'must be a URL such as smtp://localhost:1025 or smtps://user:pass@smtp.example.com:465' })
        .optional(),
      MAIL_FROM: z
        .string()
        .max(200)
        .regex(/^(?:[^\r\n<>]{0,100}<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/, { error: 'must be an address such as noreply@example.com or "Example <noreply@example.com>"' })
        .default('Bastion <noreply@bastion.localhost>'),
      MAIL_OUTBOX_DIR: z.string().min(1).max(1024).default('.data/mail-outbox'),
    }),
    process.env,
  ),
);
