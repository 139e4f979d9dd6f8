import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { assessRedisSettings, type RedisSettings } from '@bastion/redis';
import { type Finding, lintLockfile, lintProductionConfig, type Lockfile } from './security-audit-checks';

/** The repository root (this file runs from `scripts/` in tests and from `dist/scripts/` when built). */
const ROOT = join(__dirname, __dirname.includes(`${join('dist', 'scripts')}`) ? '../..' : '..');

/**
 * The security e2e suite: the attack scenarios over real HTTP (tokens,
 * authorization, login limits, rate limits, request protection, fuzzing,
 * API keys, docs coverage, SAML and OAuth/OIDC, field encryption). It runs on
 * the adapter HTTP_ADAPTER names (CI runs it on Express, the suite's other
 * runs being on Fastify).
 */
export const SECURITY_E2E_FILES = [
  'test/auth-tokens.e2e-spec.ts',
  'test/revocation.e2e-spec.ts',
  'test/auth-failures.e2e-spec.ts',
  'test/api-keys.e2e-spec.ts',
  'test/authz.e2e-spec.ts',
  'test/login-protection.e2e-spec.ts',
  'test/rate-limits.e2e-spec.ts',
  'test/request-protection.e2e-spec.ts',
  'test/fuzz.e2e-spec.ts',
  'test/api-docs.e2e-spec.ts',
  'test/saml.e2e-spec.ts',
  'test/oauth-server.e2e-spec.ts',
  'test/oauth-resource-server.e2e-spec.ts',
  'test/oidc-login.e2e-spec.ts',
  'test/oauth-end-to-end.e2e-spec.ts',
  'test/field-encryption.e2e-spec.ts',
];

export type CheckName = 'config' | 'redis' | 'lockfile' | 'eslint' | 'e2e' | 'npm-audit';
export const ALL_CHECKS: CheckName[] = ['config', 'redis', 'lockfile', 'eslint', 'e2e', 'npm-audit'];

/** One check's outcome in the report. */
export interface CheckResult {
  name: CheckName;
  title: string;
  /** `passed`, `failed`, or `unavailable` (npm audit when the registry's audit service does not answer). */
  status: 'passed' | 'failed' | 'unavailable';
  summary: string;
  findings: Finding[];
  seconds: number;
}

export interface AuditOptions {
  checks: CheckName[];
  /** The production environment to lint (a `.env`-style file). */
  envFile: string;
  /** Where `security-audit.md` and `.json` go. */
  reportDir: string;
  /** `${NAME}` values of the env file are looked up here. */
  outerEnv: Record<string, string | undefined>;
}

function run(command: string, args: string[], timeoutMs: number): { code: number | null; out: string; timedOut: boolean } {
  const r = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, FORCE_COLOR: '0' } });
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, timedOut: r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT' };
}

function fromFindings(name: CheckName, title: string, findings: Finding[], started: number, okSummary: string): CheckResult {
  const errors = findings.filter((f) => f.level === 'error');
  return {
    name,
    title,
    status: errors.length ? 'failed' : 'passed',
    summary: errors.length ? `${errors.length} problem(s): ${errors.map((e) => (e.variable ? `${e.variable} ${e.message}` : e.message)).slice(0, 5).join('; ')}` : okSummary,
    findings,
    seconds: (Date.now() - started) / 1000,
  };
}

function checkConfig(o: AuditOptions): CheckResult {
  const started = Date.now();
  let file: Record<string, string>;
  try {
    file = parseDotenv(readFileSync(o.envFile));
  } catch {
    return fromFindings('config', 'Production config', [{ level: 'error', message: `cannot read ${o.envFile}` }], started, '');
  }
  return fromFindings('config', `Production config (${o.envFile})`, lintProductionConfig(file, o.outerEnv), started, 'no placeholder secret or field key; TLS and HSTS on; SAML/OIDC over https; docs off; demo seed off');
}

// Run in a child process (this audit is synchronous): CONFIG GET of the settings that decide whether Redis may drop keys.
const REDIS_PROBE = `
const Redis = require('ioredis');
const client = new Redis(process.env.PROBE_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000 });
const get = async (n) => { const r = await client.config('GET', n); return Array.isArray(r) && typeof r[1] === 'string' ? r[1] : ''; };
(async () => {
  try {
    await client.connect();
    const [policy, maxmemory, appendonly, save] = await Promise.all(['maxmemory-policy', 'maxmemory', 'appendonly', 'save'].map(get));
    console.log(JSON.stringify({ settings: { maxmemoryPolicy: policy, maxmemory: Number(maxmemory) || 0, appendonly, save } }));
  } catch (e) {
    console.log(JSON.stringify(e && e.name === 'ReplyError' ? { settings: null } : { unreachable: String(e && e.message) }));
  } finally { client.disconnect(); }
})();`;

/**
 * The Redis of the production config (REDIS_URL, `\${REDIS_URL}` taken from the environment): an evicting
 * `maxmemory-policy` deletes rate-limit counters and replay entries under load (docs/failure-modes.md#redis).
 * Revocations do not depend on it (they live in the database).
 */
function checkRedis(o: AuditOptions): CheckResult {
  const started = Date.now();
  const title = 'Redis settings';
  let url: string | undefined;
  try {
    const raw = parseDotenv(readFileSync(o.envFile)).REDIS_URL;
    const ref = raw ? /^\$\{([A-Z][A-Z0-9_]*)\}$/.exec(raw.trim()) : null;
    url = ref ? o.outerEnv[ref[1] as string] : raw;
  } catch {
    url = undefined;
  }
  url ??= o.outerEnv.REDIS_URL;
  if (!url) return { name: 'redis', title, status: 'unavailable', summary: 'no REDIS_URL to check (set it, or supply ${REDIS_URL} in the environment)', findings: [], seconds: (Date.now() - started) / 1000 };
  const r = spawnSync(process.execPath, ['-e', REDIS_PROBE], { cwd: ROOT, encoding: 'utf8', timeout: 15_000, env: { ...process.env, PROBE_REDIS_URL: url } });
  let answer: { settings?: RedisSettings | null; unreachable?: string } = {};
  try {
    answer = JSON.parse((r.stdout ?? '').trim().split('\n').at(-1) ?? '{}') as typeof answer;
  } catch {
    answer = { unreachable: 'no answer from the probe' };
  }
  if (answer.unreachable !== undefined || answer.settings === undefined) {
    return { name: 'redis', title, status: 'unavailable', summary: `Redis did not answer (${answer.unreachable ?? 'no answer'})`, findings: [], seconds: (Date.now() - started) / 1000 };
  }
  const findings: Finding[] = assessRedisSettings(answer.settings).map((f) => ({ level: f.level, variable: f.setting, message: f.message }));
  return fromFindings('redis', title, findings, started, `maxmemory-policy noeviction${findings.length ? `; ${findings.map((f) => `${f.variable}: ${f.message}`).join('; ')}` : ''}`);
}

function checkLockfile(): CheckResult {
  const started = Date.now();
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as Lockfile;
  // Entries without `resolved` come from the registry npm is configured with.
  const registry = run('npm', ['config', 'get', 'registry'], 30_000).out.trim() || 'https://registry.npmjs.org/';
  const findings = lintLockfile(lock, registry);
  return fromFindings('lockfile', 'Lockfile', findings, started, `every package from the registry over https with a sha512 integrity hash (${findings.at(-1)?.message})`);
}

function checkEslint(): CheckResult {
  const started = Date.now();
  const r = run(process.execPath, [join(ROOT, 'node_modules/eslint/bin/eslint.js'), '--format', 'json', '.'], 600_000);
  let results: { filePath: string; messages: { ruleId: string | null; severity: number; line: number; message: string }[] }[];
  try {
    results = JSON.parse(r.out.slice(r.out.indexOf('['))) as typeof results;
  } catch {
    return fromFindings('eslint', 'ESLint (with eslint-plugin-security)', [{ level: 'error', message: `eslint did not run: ${r.out.slice(0, 300)}` }], started, '');
  }
  const findings: Finding[] = results.flatMap((f) =>
    f.messages.filter((m) => m.severity === 2).map((m) => ({ level: 'error' as const, message: `${f.filePath.replace(`${ROOT}/`, '')}:${m.line} ${m.ruleId ?? ''} ${m.message}` })),
  );
  return fromFindings('eslint', 'ESLint (with eslint-plugin-security)', findings, started, `${results.length} files, no error (security rules included)`);
}

function checkE2e(): CheckResult {
  const started = Date.now();
  // Through the e2e runner, which gives the files that import ES modules a Jest process each (see scripts/run-e2e.js).
  const r = run(process.execPath, [join(ROOT, 'scripts/run-e2e.js'), ...SECURITY_E2E_FILES], 1_800_000);
  const tests = [...r.out.matchAll(/Tests:\s+(.*)/g)].map((m) => (m[1] as string).trim()).join('; ') || 'no summary';
  const failed = r.code !== 0;
  const findings: Finding[] = failed ? [{ level: 'error', message: `jest exited ${r.code ?? 'by timeout'}: ${tests}` }] : [{ level: 'info', message: tests }];
  return fromFindings('e2e', `Security e2e suite (${SECURITY_E2E_FILES.length} files, ${process.env.HTTP_ADAPTER ?? 'fastify'})`, findings, started, tests);
}

function checkNpmAudit(): CheckResult {
  const started = Date.now();
  const title = 'npm audit (production dependencies)';
  const r = run('npm', ['audit', '--omit=dev', '--json'], 30_000);
  let report: { metadata?: { vulnerabilities?: Record<string, number> } } | undefined;
  try {
    report = JSON.parse(r.out.slice(r.out.indexOf('{'))) as typeof report;
  } catch {
    report = undefined;
  }
  const counts = report?.metadata?.vulnerabilities;
  if (r.timedOut || !counts) {
    return { name: 'npm-audit', title, status: 'unavailable', summary: 'npm audit: registry audit service did not answer', findings: [], seconds: (Date.now() - started) / 1000 };
  }
  const serious = (counts.high ?? 0) + (counts.critical ?? 0);
  const findings: Finding[] = [{ level: serious ? 'error' : 'info', message: Object.entries(counts).map(([k, v]) => `${k}: ${v}`).join(', ') }];
  return fromFindings('npm-audit', title, findings, started, `no high or critical advisory (${findings[0]?.message})`);
}

/** Runs the chosen checks, writes the report, and returns the exit code (0 when none failed). */
export function runSecurityAudit(o: AuditOptions): { exitCode: number; results: CheckResult[]; markdown: string } {
  const checks: Record<CheckName, () => CheckResult> = {
    config: () => checkConfig(o),
    redis: () => checkRedis(o),
    lockfile: checkLockfile,
    eslint: checkEslint,
    e2e: checkE2e,
    'npm-audit': checkNpmAudit,
  };
  const results = o.checks.map((name) => checks[name]());
  const failed = results.filter((r) => r.status === 'failed');
  const mark = { passed: 'PASS', failed: 'FAIL', unavailable: 'NOT RUN' } as const;
  const markdown = [
    '# Security audit',
    '',
    `${new Date().toISOString()} — ${failed.length ? `**${failed.length} check(s) failed**` : 'all checks passed'}.`,
    '',
    '| check | result | summary | time |',
    '| --- | --- | --- | --- |',
    ...results.map((r) => `| ${r.title} | ${mark[r.status]} | ${r.summary.replace(/\|/g, '\\|')} | ${r.seconds.toFixed(1)} s |`),
    '',
    ...results.flatMap((r) => {
      const errors = r.findings.filter((f) => f.level === 'error');
      return errors.length ? [`## ${r.title}`, '', ...errors.map((f) => `- ${f.variable ? `\`${f.variable}\` ` : ''}${f.message}`), ''] : [];
    }),
  ].join('\n');
  mkdirSync(o.reportDir, { recursive: true });
  writeFileSync(join(o.reportDir, 'security-audit.md'), markdown);
  writeFileSync(join(o.reportDir, 'security-audit.json'), `${JSON.stringify({ date: new Date().toISOString(), passed: failed.length === 0, checks: results }, null, 2)}\n`);
  return { exitCode: failed.length ? 1 : 0, results, markdown };
}

/** `npm run security:audit [-- --env-file <file>] [--only config,lockfile,...]`. */
export function parseArgs(argv: string[]): AuditOptions {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const only = value('--only')?.split(',').map((s) => s.trim()) ?? ALL_CHECKS;
  const unknown = only.filter((c) => !ALL_CHECKS.includes(c as CheckName));
  if (unknown.length) throw new Error(`--only: unknown check(s) ${unknown.join(', ')}; known: ${ALL_CHECKS.join(', ')}`);
  return {
    checks: only as CheckName[],
    envFile: value('--env-file') ?? join(ROOT, 'deploy', 'production.env'),
    reportDir: value('--report-dir') ?? join(ROOT, 'reports'),
    outerEnv: process.env,
  };
}

if (require.main === module) {
  const { exitCode, markdown } = runSecurityAudit(parseArgs(process.argv.slice(2)));
  console.log(markdown);
  process.exit(exitCode);
}
