import { decodeKey, FieldEncryptionError, parseKeyList } from '@bastion/field-encryption';
import { PLACEHOLDER_CLIENT_SECRET } from '../apps/api/src/config/oidc.config';
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
  if (truthy(env.LOGIN_LIMITS_FAIL_OPEN)) error('LOGIN_LIMITS_FAIL_OPEN', 'lets logins through uncounted when Redis does not answer');
  if (truthy(env.TOKEN_REVOCATION_FAIL_OPEN)) error('TOKEN_REVOCATION_FAIL_OPEN', 'accepts revoked credentials when revocations cannot be read from the database');
  // An evicting Redis is the redis check's (it asks the server); refusing to start on one is a choice, skipping the look is not.
  if (env.REDIS_SETTINGS_CHECK === 'off') error('REDIS_SETTINGS_CHECK', 'off: the API would not say when Redis may evict rate-limit counters');

  lintFieldEncryption(env, deferred, error, info);
  lintFederation(env, deferred, error, info);
  lintAccounts(env, deferred, error, info);
  return findings;
}

/**
 * Sign-up, invitations and password reset (apps/api/src/accounts, docs/accounts.md). ASVS v5 6.3.2-ish: open
 * sign-up in production lets anyone create a tenant with an admin, a choice to make on purpose; 12.2.1: the links
 * that carry reset and invitation tokens are https; mail leaves through SMTP, not the development outbox.
 */
function lintAccounts(env: Record<string, string | undefined>, deferred: string[], error: Report, info: Note): void {
  if (env.SIGNUP === 'open') error('SIGNUP', 'open: anyone can create a tenant and its admin account; use invite (the production default) or off, unless self-service sign-up is the product');
  if (env.APP_URL !== undefined && !deferred.includes('APP_URL') && !https(env.APP_URL)) error('APP_URL', 'must be an https:// URL in production: the links in mails carry reset and invitation tokens');
  if (env.APP_URL === undefined) info('APP_URL unset: the links in mails point at http://localhost:<PORT>', 'APP_URL');
  if (env.SMTP_URL === undefined) info('SMTP_URL unset: account mails are written to the outbox folder (MAIL_OUTBOX_DIR), not sent', 'SMTP_URL');
}

type Report = (variable: string, message: string) => void;
type Note = (message: string, variable?: string) => void;

/** The lib's own parser says what is wrong with a key, never the key. */
function keyProblem(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (e instanceof FieldEncryptionError) return e.message;
    throw e;
  }
}

/**
 * Field-encryption keys (apps/api/src/encryption). ASVS v5 13.3.1 and
 * 11.5.1: real random keys from the secret store, the blind index with its
 * own key; production refuses to start without keys, so the lint says it first.
 */
function lintFieldEncryption(env: Record<string, string | undefined>, deferred: string[], error: Report, info: Note): void {
  const keys = env.ENCRYPTION_KEYS;
  const blind = env.BLIND_INDEX_KEY;
  if (deferred.includes('ENCRYPTION_KEYS')) info('ENCRYPTION_KEYS is supplied at deploy time (${ENCRYPTION_KEYS}): not checked here', 'ENCRYPTION_KEYS');
  else if (keys !== undefined) {
    // `k1:<base64 of 32 random bytes>` from .env.example is not base64; `k1:AAAA…` is not random: both refused by the lib.
    const problem = isPlaceholderSecret(keys) ? 'is a placeholder secret' : keyProblem(() => parseKeyList(keys, 'ENCRYPTION_KEYS'))?.replace('ENCRYPTION_KEYS: ', '');
    if (problem) error('ENCRYPTION_KEYS', problem);
  } else if (!env.ENCRYPTION_KEYS_FILE && !deferred.includes('ENCRYPTION_KEYS_FILE')) {
    error('ENCRYPTION_KEYS', 'unset (and no ENCRYPTION_KEYS_FILE): production refuses to start without field-encryption keys');
  }
  if (deferred.includes('BLIND_INDEX_KEY')) info('BLIND_INDEX_KEY is supplied at deploy time (${BLIND_INDEX_KEY}): not checked here', 'BLIND_INDEX_KEY');
  else if (blind !== undefined) {
    const problem = isPlaceholderSecret(blind) ? 'is a placeholder secret' : keyProblem(() => decodeKey(blind, 'BLIND_INDEX_KEY'))?.replace('BLIND_INDEX_KEY ', '');
    if (problem) error('BLIND_INDEX_KEY', problem);
    // Its own key: the index must not be computable by whoever holds a data key, and the reverse.
    else if (keys && keys.split(',').some((entry) => entry.slice(entry.indexOf(':') + 1).trim() === blind.trim())) error('BLIND_INDEX_KEY', 'is one of the ENCRYPTION_KEYS: give the blind index its own key');
  } else if (keys !== undefined || deferred.includes('ENCRYPTION_KEYS')) {
    error('BLIND_INDEX_KEY', 'is required with ENCRYPTION_KEYS');
  }
}

/** The URLs of a JSON list setting (`OIDC_ISSUERS`, `OIDC_LOGIN_PROVIDERS`), or a comma list of URLs (the short form). */
function jsonEntries(value: string): Record<string, unknown>[] | undefined {
  const text = value.trim();
  if (!text.startsWith('[')) return text.split(',').map((url) => ({ discoveryUrl: url.trim() }));
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null) : undefined;
  } catch {
    return undefined;
  }
}

const https = (value: unknown): boolean => typeof value === 'string' && value.startsWith('https://');

/**
 * SAML and OIDC (apps/api/src/saml, apps/api/src/oidc). ASVS v5 12.2.1: the
 * URLs that carry assertions, codes and discovery documents are https;
 * 13.3.1: no demo client secret (`bastion-api-secret`) or template value.
 */
function lintFederation(env: Record<string, string | undefined>, deferred: string[], error: Report, info: Note): void {
  const samlInUse = ['SAML_IDP_ENTRY_POINT', 'SAML_ACS_URL', 'SAML_LOGIN_RETURN_URL'].some((v) => env[v] !== undefined);
  for (const name of ['SAML_ACS_URL', 'SAML_LOGIN_RETURN_URL', 'SAML_IDP_ENTRY_POINT'] as const) {
    const value = env[name];
    if (value !== undefined && !https(value)) error(name, 'must be an https:// URL in production');
    else if (value === undefined && samlInUse && name !== 'SAML_IDP_ENTRY_POINT' && !deferred.includes(name)) error(name, 'unset while SAML is in use: the default is a loopback http:// URL');
  }
  if (env.SAML_SP_PRIVATE_KEY !== undefined && isPlaceholderSecret(env.SAML_SP_PRIVATE_KEY)) error('SAML_SP_PRIVATE_KEY', 'is a placeholder secret');
  if (truthy(env.SAML_IDP_ALLOW_IDP_INITIATED)) info('SAML_IDP_ALLOW_IDP_INITIATED=true: responses nobody asked for are accepted (no InResponseTo binding)', 'SAML_IDP_ALLOW_IDP_INITIATED');

  if (env.OIDC_ISSUERS === undefined && !deferred.includes('OIDC_ISSUERS')) {
    info('OIDC_ISSUERS unset: the API accepts access tokens of the demo auth server on http://127.0.0.1 only; list your issuers', 'OIDC_ISSUERS');
  } else if (env.OIDC_ISSUERS !== undefined) {
    const issuers = jsonEntries(env.OIDC_ISSUERS);
    if (!issuers) error('OIDC_ISSUERS', 'is not a JSON array of issuers (or a comma list of discovery URLs)');
    for (const [i, issuer] of (issuers ?? []).entries()) {
      if (!https(issuer.discoveryUrl)) error('OIDC_ISSUERS', `issuer ${String(issuer.name ?? i + 1)}: discoveryUrl must be https://`);
    }
  }
  const providers = env.OIDC_LOGIN_PROVIDERS === undefined ? [] : jsonEntries(env.OIDC_LOGIN_PROVIDERS);
  if (!providers || (env.OIDC_LOGIN_PROVIDERS !== undefined && !env.OIDC_LOGIN_PROVIDERS.trim().startsWith('['))) {
    error('OIDC_LOGIN_PROVIDERS', 'is not a JSON array of providers');
    return;
  }
  for (const [i, p] of providers.entries()) {
    const name = String(p.name ?? i + 1);
    if (!https(p.discoveryUrl)) error('OIDC_LOGIN_PROVIDERS', `provider ${name}: discoveryUrl must be https://`);
    if (!https(p.redirectUri)) error('OIDC_LOGIN_PROVIDERS', `provider ${name}: redirectUri must be https://`);
    const secret = typeof p.clientSecret === 'string' ? p.clientSecret : '';
    if (secret === PLACEHOLDER_CLIENT_SECRET || isPlaceholderSecret(secret)) error('OIDC_LOGIN_PROVIDERS', `provider ${name}: clientSecret is the demo or a placeholder secret`);
  }
  const returnUrl = env.OIDC_LOGIN_RETURN_URL;
  if (providers.length && !https(returnUrl) && !deferred.includes('OIDC_LOGIN_RETURN_URL')) {
    error('OIDC_LOGIN_RETURN_URL', returnUrl === undefined ? 'unset while OIDC login is on: the default is a loopback http:// URL' : 'must be an https:// URL in production');
  }
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
