import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lintLockfile, lintProductionConfig } from './security-audit-checks';
import { parseArgs, runSecurityAudit } from './security-audit';

const ROOT = join(__dirname, '..');

describe('security:audit', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bastion-audit-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('production-config lint', () => {
    it('passes on the committed production config, secrets deferred to deploy time', () => {
      const { exitCode, results } = runSecurityAudit({ checks: ['config'], envFile: join(ROOT, 'deploy', 'production.env'), reportDir: dir, outerEnv: {} });
      expect(results[0]?.findings.filter((f) => f.level === 'error')).toEqual([]);
      expect(exitCode).toBe(0);
      expect(results[0]?.findings).toContainEqual(expect.objectContaining({ level: 'info', variable: 'JWT_SIGNING_KEYS' }));
    });

    it('fails on a deliberately bad production config, naming each problem, and writes the report', () => {
      const bad = join(dir, 'bad.env');
      writeFileSync(
        bad,
        ['NODE_ENV=production', 'API_DOCS=on', 'REQUIRE_HTTPS=false', 'METRICS_TOKEN=change-me', 'AUDIT_HMAC_KEY=<your-hmac-key>', 'DATABASE_URL=postgresql://bastion:bastion@db/bastion', 'LOGIN_LIMITS_FAIL_OPEN=true'].join('\n'),
      );
      const { exitCode, results, markdown } = runSecurityAudit({ checks: ['config'], envFile: bad, reportDir: dir, outerEnv: {} });
      expect(exitCode).toBe(1);
      const errors = results[0]?.findings.filter((f) => f.level === 'error').map((f) => f.variable);
      expect(errors).toEqual(['AUDIT_HMAC_KEY', 'METRICS_TOKEN', 'DATABASE_URL', 'REQUIRE_HTTPS', 'API_DOCS', 'LOGIN_LIMITS_FAIL_OPEN']);
      expect(markdown).toContain('`METRICS_TOKEN` is a placeholder secret');
      expect(markdown).toContain('TLS is off');
      expect(readFileSync(join(dir, 'security-audit.md'), 'utf8')).toBe(markdown);
      const json = JSON.parse(readFileSync(join(dir, 'security-audit.json'), 'utf8')) as { passed: boolean; checks: { status: string }[] };
      expect(json.passed).toBe(false);
      expect(json.checks[0]?.status).toBe('failed');
    });

    it('checks a deferred secret when the deployment environment supplies it', () => {
      const file = { NODE_ENV: 'production', REQUIRE_HTTPS: 'true', TRUST_PROXY: '1', DATABASE_URL: '${DATABASE_URL}', METRICS_TOKEN: '${METRICS_TOKEN}' };
      expect(lintProductionConfig(file, { DATABASE_URL: 'postgresql://u@db/x', METRICS_TOKEN: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' }).filter((f) => f.level === 'error')).toEqual([
        { level: 'error', variable: 'METRICS_TOKEN', message: 'is a placeholder secret' },
      ]);
    });

    it('wants production mode, TLS behind a trusted proxy, and a real database', () => {
      const errors = lintProductionConfig({ NODE_ENV: 'development', REQUIRE_HTTPS: 'true' }).filter((f) => f.level === 'error').map((f) => f.variable);
      expect(errors).toEqual(['NODE_ENV', 'TRUST_PROXY', 'DATABASE_URL']);
    });
  });

  describe('lockfile lint', () => {
    it('passes on the repository lockfile', () => {
      const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
      expect(lintLockfile(lock).filter((f) => f.level === 'error')).toEqual([]);
    });

    it('names a package from elsewhere, over http, or without an integrity hash', () => {
      const findings = lintLockfile({
        lockfileVersion: 3,
        packages: {
          '': {},
          'node_modules/a': { resolved: 'http://registry.npmjs.org/a/-/a-1.0.0.tgz', integrity: 'sha512-x' },
          'node_modules/b': { resolved: 'https://registry.npmjs.org/b/-/b-1.0.0.tgz' },
          'node_modules/d': { integrity: 'sha512-y' },
          'node_modules/c': { resolved: 'git+ssh://git@example.com/c.git', integrity: 'sha1-x' },
        },
      });
      expect(findings.at(-1)?.message).toBe('4 packages checked, 1 from the configured registry https://registry.npmjs.org/');
      expect(lintLockfile({ lockfileVersion: 3, packages: {} }, 'http://mirror.example/').map((f) => f.message)).toContain('the configured registry http://mirror.example/ is not https');
      expect(findings.filter((f) => f.level === 'error').map((f) => f.message)).toEqual([
        'a: resolved from http://registry.npmjs.org, not https://registry.npmjs.org/',
        'b: no integrity hash',
        'c: resolved from git+ssh://git@example.com, not https://registry.npmjs.org/',
        'c: integrity is not sha512',
      ]);
    });
  });

  it('refuses an unknown check name', () => {
    expect(() => parseArgs(['--only', 'config,nope'])).toThrow(/unknown check\(s\) nope/);
  });
});
