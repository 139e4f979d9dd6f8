import { registerAs } from '@nestjs/config';
import { parseEnv } from '@bastion/config';
import { z } from 'zod';

/** The audit trail's key: the same AUDIT_HMAC_KEY as the API's, since both append to one chain. */
export const auditConfig = registerAs('audit', () =>
  parseEnv(z.object({ AUDIT_HMAC_KEY: z.string().min(32, { error: 'must be at least 32 characters' }).max(512).optional() }), process.env),
);
