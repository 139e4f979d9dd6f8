import { isIP } from 'node:net';
import { registerAs } from '@nestjs/config';
import { parseEnv } from '@bastion/config';
import { z } from 'zod';

function isCidr(entry: string): boolean {
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (!family || extra !== undefined) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}

/** Authorization settings. */
export const authzConfig = registerAs('authz', () =>
  parseEnv(
    z.object({
      ADMIN_ALLOWED_CIDRS: z
        .string()
        .transform((v) => v.split(',').map((e) => e.trim()).filter(Boolean))
        .refine((list) => list.length > 0 && list.every(isCidr), { error: 'must be a comma list of addresses or CIDRs, e.g. 10.0.0.0/8,127.0.0.1/32' })
        .default(['127.0.0.0/8', '::1/128']),
    }),
    process.env,
  ),
);
