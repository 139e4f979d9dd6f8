import { isPlaceholderSecret } from '../apps/api/src/config/placeholder-secret';

/** One finding of a check: `error` fails the audit, `info` is said in the report. */
export interface Finding {
  level: 'error' | 'info';
  variable?: string;
  message: string;
}

/** Variables that hold secrets: never a template's value in production. */
export const SECRET_VARIABLES = ['JWT_SIGNING_KEYS', 'AUDIT_HMAC_KEY', 'METRICS_TOKEN', 'API_DOCS_TOKEN'] as const;

/** A value written as `${NAME}`: supplied by the deployment's secret store, not by the file. */
const REFERENCE = /^\$\{([A-Z][A-Z0-9_]*)\}$/;

/** Resolves `${NAME}` references from `outer`; a reference with no value stays unresolved (undefined). */
function resolve(file: Record<string, string>, outer: Record<string, string | undefined>): { env: Record<string, string | undefined>; deferred: string[] } {
  const env: Record<string, string | undefined> = {};
  const deferred: string[] = [];
  for (const [key, value] of Object.entries(file)) {
    const ref = REFERENCE.exec(value.trim());
    if (!ref) env[key] = value;
    else if (outer[ref[1] as string]) env[key] = outer[ref[1] as string];
    else deferred.push(key);
  }
  return { env, deferred };
}

const truthy = (v: string | undefined) => v === 'true' || v === '1';

/**
 * Lints a production environment (the variables of a `.env`-style file,
 * `${NAME}` values taken from `outer` when set there). Each rule is a small
 * named step with the ASVS v5 requirement it enforces.
 */
export function lintProductionConfig(file: Record<string, string>, outer: Record<string, string | undefined> = {}): Finding[] {
  const { env, deferred } = resolve(file, outer);
  const findings: Finding[] = [];
  const error = (variable: string, message: string) => findings.push({ level: 'error', variable, message });
  const info = (message: string, variable?: string) => findings.push({ level: 'info', variable, message });

  // ASVS v5 13.4.2: production mode (no debug behaviour, no demo seed, no made-up keys).
  if (env.NODE_ENV !== 'production') error('NODE_ENV', `must be production (is ${env.NODE_ENV ?? 'unset'})`);

  // ASVS v5 13.3.1: secrets come from a secrets manager, never a template's value.
  for (const name of SECRET_VARIABLES) {
    const value = env[name];
    if (deferred.includes(name)) info(`${name} is supplied at deploy time (\${${name}}): not checked here`, name);
    else if (value !== undefined && isPlaceholderSecret(value)) error(name, 'is a placeholder secret');
    else if (value !== undefined && name !== 'JWT_SIGNING_KEYS' && value.length < 32) error(name, 'is shorter than 32 characters');
  }
  for (const name of ['DATABASE_URL', 'REDIS_URL'] as const) {
    const value = env[name];
    if (!value) continue;
    try {
      const password = decodeURIComponent(new URL(value).password);
      if (password && (isPlaceholderSecret(password) || password.length < 12)) error(name, 'has a placeholder or short password');
    } catch {
      error(name, 'is not a URL');
    }
  }

  // ASVS v5 12.2.1 and 3.4.1: TLS to every client; HSTS is sent on every answer (no setting turns it off).
  const directTls = Boolean(env.TLS_CERT_FILE && env.TLS_KEY_FILE);
  const behindProxy = truthy(env.REQUIRE_HTTPS) && env.TRUST_PROXY !== undefined && env.TRUST_PROXY !== 'false';
  if (!directTls && !truthy(env.REQUIRE_HTTPS)) error('REQUIRE_HTTPS', 'TLS is off: set TLS_CERT_FILE and TLS_KEY_FILE, or REQUIRE_HTTPS=true behind a TLS proxy');
  else if (!directTls && !behindProxy) error('TRUST_PROXY', 'REQUIRE_HTTPS=true behind a TLS proxy needs TRUST_PROXY (else every request looks like plain HTTP)');

  // ASVS v5 13.4.5: API documentation is not exposed unless intended.
  const docs = env.API_DOCS ?? 'off';
  if (docs === 'on') error('API_DOCS', 'serves /docs to anyone in production: use off, or token with API_DOCS_TOKEN');
  if (docs === 'token' && !env.API_DOCS_TOKEN && !deferred.includes('API_DOCS_TOKEN')) error('API_DOCS_TOKEN', 'is required when API_DOCS=token');

  // ASVS v5 6.3.2 (no default accounts): the demo seed runs only on the embedded database outside production.
  if (!env.DATABASE_URL && !deferred.includes('DATABASE_URL')) error('DATABASE_URL', 'unset: production would run on the embedded demo database');
  if (env.NODE_ENV === 'production') info('demo seed: off (NODE_ENV=production refuses it)');

  // Fail-open switches trade safety for availability: say so when they are on.
  for (const name of ['LOGIN_LIMITS_FAIL_OPEN', 'TOKEN_REVOCATION_FAIL_OPEN'] as const) {
    if (truthy(env[name])) error(name, 'lets requests through unchecked when Redis does not answer');
  }
  return findings;
}

/** The parts of package-lock.json (v2/v3) the lockfile lint reads. */
export interface Lockfile {
  lockfileVersion?: number;
  packages?: Record<string, { resolved?: string; integrity?: string; link?: boolean; inBundle?: boolean }>;
}

/**
 * Every package comes from the npm registry over https with a sha512
 * integrity hash (ASVS v5 15.2.4: third-party components from trusted
 * sources, verified). An entry without `resolved` (npm's
 * `omit-lockfile-registry-resolved`) is fetched from the configured
 * registry, which must then be https. Workspace links and bundled packages
 * have neither.
 */
export function lintLockfile(lock: Lockfile, configuredRegistry = 'https://registry.npmjs.org/'): Finding[] {
  const findings: Finding[] = [];
  const registry = configuredRegistry.endsWith('/') ? configuredRegistry : `${configuredRegistry}/`;
  if (!registry.startsWith('https://')) findings.push({ level: 'error', message: `the configured registry ${registry} is not https` });
  if ((lock.lockfileVersion ?? 0) < 2) findings.push({ level: 'error', message: `lockfileVersion ${lock.lockfileVersion ?? 'missing'}: need 2 or 3` });
  let count = 0;
  let implicit = 0;
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (path === '' || entry.link || entry.inBundle) continue;
    count++;
    const name = path.replace(/^.*node_modules\//, '');
    if (!entry.resolved) implicit++;
    else if (!entry.resolved.startsWith(registry)) findings.push({ level: 'error', message: `${name}: resolved from ${entry.resolved.split('/').slice(0, 3).join('/')}, not ${registry}` });
    if (!entry.integrity) findings.push({ level: 'error', message: `${name}: no integrity hash` });
    else if (!entry.integrity.startsWith('sha512-')) findings.push({ level: 'error', message: `${name}: integrity is not sha512` });
  }
  findings.push({ level: 'info', message: `${count} packages checked, ${implicit} from the configured registry ${registry}` });
  return findings;
}
