import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { parse } from 'yaml';
import { withExactEnv } from '../test/support/exact-env';
import { FileKeyRing, systemClock } from '@bastion/auth';
import { FileKeyProvider } from '@bastion/field-encryption';
import { validateApiEnvironment } from '../apps/api/src/config';
import { validateAuthServerEnvironment } from '../apps/auth-server/src/config';
import { loadOidcKeys } from '../apps/auth-server/src/oidc/oidc-keys';
import { COMPOSE_ENV_FILE, COMPOSE_SECRETS_MOUNT, initSecrets, SECRET_FILES } from './secrets';
import { lintProductionConfig, SECRET_VARIABLES } from './security-audit-checks';

type Service = { environment?: Record<string, string>; env_file?: string[]; volumes?: string[] };
const compose = parse(readFileSync(join(__dirname, '..', 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };

/** What a compose service's container sees: the image's NODE_ENV, its environment, the env file; *_FILE paths moved from the mount to `dir`. */
function containerEnv(service: string, dir: string, withEnvFile = true): Record<string, string> {
  const env: Record<string, string> = { NODE_ENV: 'production', ...(compose.services[service]?.environment ?? {}) };
  for (const [name, value] of Object.entries(env)) {
    if (value.startsWith(`${COMPOSE_SECRETS_MOUNT}/`)) env[name] = join(dir, value.slice(COMPOSE_SECRETS_MOUNT.length + 1));
  }
  return withEnvFile ? { ...parseDotenv(readFileSync(join(dir, COMPOSE_ENV_FILE))), ...env } : env;
}


describe('npm run secrets:init', () => {
  let dir: string;
  let report: Awaited<ReturnType<typeof initSecrets>>;

  beforeAll(async () => {
    dir = join(mkdtempSync(join(tmpdir(), 'bastion-secrets-')), 'secrets');
    report = await initSecrets(dir);
  });
  afterAll(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

  it('makes the folder (0700) with each key file and the env file (0600)', () => {
    expect(report.created.sort()).toEqual([...Object.values(SECRET_FILES), COMPOSE_ENV_FILE].sort());
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const name of report.created) expect([name, statSync(join(dir, name)).mode & 0o777]).toEqual([name, 0o600]);
  });

  it('changes nothing on a second run', async () => {
    const before = Object.fromEntries(report.created.map((name) => [name, readFileSync(join(dir, name), 'utf8')]));
    const again = await initSecrets(dir);
    expect(again.created).toEqual([]);
    expect(again.kept.sort()).toEqual(report.created.sort());
    for (const name of report.created) expect(readFileSync(join(dir, name), 'utf8')).toBe(before[name]);
  });

  it('passes the production config of the api and the auth server as compose runs them', () => {
    expect(() => withExactEnv(containerEnv('api', dir), validateApiEnvironment)).not.toThrow();
    expect(() => withExactEnv(containerEnv('auth-server', dir), validateAuthServerEnvironment)).not.toThrow();
  });

  it('writes key files the apps open in production (never creating one)', async () => {
    const api = containerEnv('api', dir);
    await expect(FileKeyRing.open({ path: api.JWT_KEYS_FILE as string, createIfMissing: false }, systemClock)).resolves.toBeDefined();
    await expect(new FileKeyProvider({ path: api.ENCRYPTION_KEYS_FILE as string, createIfMissing: false }).load()).resolves.toBeDefined();
    const auth = containerEnv('auth-server', dir);
    const keys = await loadOidcKeys({ file: auth.OIDC_JWKS_FILE as string, createIfMissing: false, cookieKeys: auth.OIDC_COOKIE_KEYS?.split(',') });
    expect(keys.jwks.keys).toHaveLength(1);
  });

  it('is refused in production without the generated secrets', () => {
    const empty = mkdtempSync(join(tmpdir(), 'bastion-no-secrets-'));
    try {
      expect(() => withExactEnv(containerEnv('api', empty, false), validateApiEnvironment)).toThrow(/ENCRYPTION_KEYS_FILE/);
      expect(() => withExactEnv(containerEnv('auth-server', empty, false), validateAuthServerEnvironment)).toThrow(/OIDC_COOKIE_KEYS/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('gives the production lint no secret to object to', () => {
    const errors = lintProductionConfig(containerEnv('api', dir)).filter((f) => f.level === 'error');
    // What the lint rightly still says of compose, and nothing else: it publishes plain HTTP on
    // loopback (no TLS), so the links in its mails are plain http too, and its PostgreSQL, reachable only on the
    // compose network, has a fixed password.
    expect(errors.map((f) => f.variable).sort()).toEqual(['APP_URL', 'DATABASE_URL', 'REQUIRE_HTTPS']);
    const env = containerEnv('api', dir);
    for (const name of ['AUDIT_HMAC_KEY', 'METRICS_TOKEN'] as const) expect([name, SECRET_VARIABLES.includes(name), env[name]?.length]).toEqual([name, true, 64]);
  });
});
