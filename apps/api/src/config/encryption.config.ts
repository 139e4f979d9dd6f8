import { existsSync } from 'node:fs';
import { registerAs } from '@nestjs/config';
import { ConfigError, parseEnv, runtimeEnv } from '@bastion/config';
import { decodeKey, FieldEncryptionError, parseKeyList } from '@bastion/field-encryption';
import { z } from 'zod';

/** Where the field-encryption keys come from (apps/api/src/encryption). */
export const encryptionConfig = registerAs('encryption', () => {
  const env = parseEnv(
    runtimeEnv.extend({
      ENCRYPTION_KEYS: z.string().max(20_000).optional(),
      ENCRYPTION_KEYS_FILE: z.string().min(1).max(1024).optional(),
      BLIND_INDEX_KEY: z.string().max(200).optional(),
    }),
    process.env,
  );
  // Each variable on its own, so the message names the one that is wrong (never its value).
  const check = (variable: string, fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      if (!(error instanceof FieldEncryptionError)) throw error;
      throw new ConfigError([{ variable, message: error.message.replace(`${variable}: `, '') }]);
    }
  };
  if (env.ENCRYPTION_KEYS) {
    if (env.ENCRYPTION_KEYS_FILE) throw new ConfigError([{ variable: 'ENCRYPTION_KEYS_FILE', message: 'set ENCRYPTION_KEYS or ENCRYPTION_KEYS_FILE, not both' }]);
    check('ENCRYPTION_KEYS', () => parseKeyList(env.ENCRYPTION_KEYS as string, 'ENCRYPTION_KEYS'));
    if (!env.BLIND_INDEX_KEY) throw new ConfigError([{ variable: 'BLIND_INDEX_KEY', message: 'is required with ENCRYPTION_KEYS (base64 of 32 random bytes, its own key)' }]);
  }
  if (env.BLIND_INDEX_KEY) check('BLIND_INDEX_KEY', () => decodeKey(env.BLIND_INDEX_KEY as string, 'BLIND_INDEX_KEY'));
  // Production never makes up keys: data encrypted under a key that lives only in one container is lost with it.
  if (env.NODE_ENV === 'production' && !env.ENCRYPTION_KEYS && !env.ENCRYPTION_KEYS_FILE) {
    throw new ConfigError([
      { variable: 'ENCRYPTION_KEYS', message: 'is required in production (kid:base64key,..., with BLIND_INDEX_KEY), or ENCRYPTION_KEYS_FILE naming an existing key ring' },
    ]);
  }
  // ...nor a ring file: one that is not there is a deployment mistake, not a reason to make a new key.
  if (env.NODE_ENV === 'production' && env.ENCRYPTION_KEYS_FILE && !existsSync(env.ENCRYPTION_KEYS_FILE)) {
    throw new ConfigError([{ variable: 'ENCRYPTION_KEYS_FILE', message: `key ring ${env.ENCRYPTION_KEYS_FILE} does not exist (production never makes one)` }]);
  }
  return { ...env, ENCRYPTION_KEYS_FILE: env.ENCRYPTION_KEYS_FILE ?? '.data/encryption-keys.json' };
});
