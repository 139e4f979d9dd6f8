import { randomBytes } from 'node:crypto';
import { chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateStoredKey } from '@bastion/auth';
import { newKeyFile, writeKeyFile } from '@bastion/field-encryption';
import { loadOidcKeys } from '../apps/auth-server/src/oidc/oidc-keys';

/** Where docker-compose.yml mounts the secrets folder (read-only) in both app containers. */
export const COMPOSE_SECRETS_MOUNT = '/run/secrets/bastion';

/** The key files `npm run secrets:init` makes, and the variable of each app that names it. */
export const SECRET_FILES = {
  JWT_KEYS_FILE: 'jwt-keys.json',
  ENCRYPTION_KEYS_FILE: 'encryption-keys.json',
  OIDC_JWKS_FILE: 'oidc-jwks.json',
} as const;

/** The file of non-file secrets, read by compose's `env_file`. */
export const COMPOSE_ENV_FILE = 'compose.env';

/**
 * A random secret as 64 hex characters (256 bits). Hex, not base64: the
 * configs refuse values that contain a placeholder word ("demo", "secret",
 * "xxx", ...), which base64 letters can spell by chance; hex letters cannot.
 */
const randomSecret = () => randomBytes(32).toString('hex');

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/** What {@link initSecrets} did: file names only, never a value. */
export interface SecretsReport {
  created: string[];
  kept: string[];
}

/**
 * Makes the secrets folder of the compose deployment (mode 0700), each file
 * only when it is missing (mode 0600): the API's JWT key ring and
 * field-encryption key ring, the auth server's JWKS (each written by the
 * code the apps use to make them in development), and `compose.env` with
 * the random keys that are not files. A file that exists is never touched,
 * so a second run changes nothing and a rotated ring is never replaced.
 */
export async function initSecrets(dir: string): Promise<SecretsReport> {
  const report: SecretsReport = { created: [], kept: [] };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const step = async (name: string, make: (path: string) => Promise<unknown>) => {
    const path = join(dir, name);
    if (await exists(path)) {
      report.kept.push(name);
      return;
    }
    await make(path);
    await chmod(path, 0o600);
    report.created.push(name);
  };
  await step(SECRET_FILES.JWT_KEYS_FILE, async (path) =>
    writeFile(path, `${JSON.stringify({ keys: [await generateStoredKey(Date.now())] }, null, 2)}\n`, { mode: 0o600, flag: 'wx' }),
  );
  await step(SECRET_FILES.ENCRYPTION_KEYS_FILE, (path) => writeKeyFile(path, newKeyFile()));
  await step(SECRET_FILES.OIDC_JWKS_FILE, (path) => loadOidcKeys({ file: path, createIfMissing: true }));
  await step(COMPOSE_ENV_FILE, (path) =>
    writeFile(
      path,
      [
        '# Made by `npm run secrets:init`; read by docker-compose.yml (env_file). Keep it out of the repository.',
        '# The audit trail key: the API and the auth server append to one chain, so they share it.',
        `AUDIT_HMAC_KEY=${randomSecret()}`,
        '# Signs the auth server\'s cookies; put a new key first to rotate.',
        `OIDC_COOKIE_KEYS=${randomSecret()}`,
        '# Bearer token a metrics scraper sends to GET /metrics from outside loopback.',
        `METRICS_TOKEN=${randomSecret()}`,
        '',
      ].join('\n'),
      { mode: 0o600, flag: 'wx' },
    ),
  );
  return report;
}
