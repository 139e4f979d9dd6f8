import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from './free-port';
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
      expect(errors).toEqual(['AUDIT_HMAC_KEY', 'METRICS_TOKEN', 'DATABASE_URL', 'REQUIRE_HTTPS', 'API_DOCS', 'LOGIN_LIMITS_FAIL_OPEN', 'ENCRYPTION_KEYS']);
      expect(markdown).toContain('`METRICS_TOKEN` is a placeholder secret');
      expect(markdown).toContain('TLS is off');
      expect(readFileSync(join(dir, 'security-audit.md'), 'utf8')).toBe(markdown);
      const json = JSON.parse(readFileSync(join(dir, 'security-audit.json'), 'utf8')) as { passed: boolean; checks: { status: string }[] };
      expect(json.passed).toBe(false);
      expect(json.checks[0]?.status).toBe('failed');
    });

    it('checks a deferred secret when the deployment environment supplies it', () => {
      const file = { NODE_ENV: 'production', REQUIRE_HTTPS: 'true', TRUST_PROXY: '1', DATABASE_URL: '${DATABASE_URL}', METRICS_TOKEN: '${METRICS_TOKEN}', ENCRYPTION_KEYS_FILE: '/run/secrets/keys.json' };
      expect(lintProductionConfig(file, { DATABASE_URL: 'postgresql://u@db/x', METRICS_TOKEN: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' }).filter((f) => f.level === 'error')).toEqual([
        { level: 'error', variable: 'METRICS_TOKEN', message: 'is a placeholder secret' },
      ]);
    });

    it('flags open sign-up and plain-http links', () => {
      const base = { NODE_ENV: 'production', REQUIRE_HTTPS: 'true', TRUST_PROXY: '1', DATABASE_URL: 'postgresql://u@db/x', ENCRYPTION_KEYS_FILE: '/run/secrets/keys.json' };
      const errors = (extra: Record<string, string>) => lintProductionConfig({ ...base, ...extra }).filter((f) => f.level === 'error').map((f) => f.variable);
      expect(errors({ SIGNUP: 'open', APP_URL: 'http://app.example.com' })).toEqual(['SIGNUP', 'APP_URL']);
      expect(errors({ SIGNUP: 'invite', APP_URL: 'https://app.example.com', SMTP_URL: 'smtps://u:p@smtp.example.com:465' })).toEqual([]);
      expect(lintProductionConfig(base).filter((f) => f.level === 'info').map((f) => f.variable)).toEqual(expect.arrayContaining(['APP_URL', 'SMTP_URL']));
    });

    it('wants production mode, TLS behind a trusted proxy, and a real database', () => {
      const errors = lintProductionConfig({ NODE_ENV: 'development', REQUIRE_HTTPS: 'true' }).filter((f) => f.level === 'error').map((f) => f.variable);
      expect(errors).toEqual(['NODE_ENV', 'TRUST_PROXY', 'DATABASE_URL', 'ENCRYPTION_KEYS']);
    });

    describe('settings of SAML, OIDC and field encryption', () => {
      const base = { NODE_ENV: 'production', REQUIRE_HTTPS: 'true', TRUST_PROXY: '1', DATABASE_URL: 'postgresql://u@db/x' };
      const KEY = 'ejBInw9emMsE+wzfxZyzOFlWcYrt/3rJb9MKo4wYrgc=';
      const OTHER = 'AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=';
      const errorsOf = (extra: Record<string, string>, outer: Record<string, string> = {}) =>
        lintProductionConfig({ ...base, ...extra }, outer).filter((f) => f.level === 'error').map((f) => `${f.variable} ${f.message}`);

      it('passes real keys, https URLs and a real client secret', () => {
        expect(
          errorsOf({
            ENCRYPTION_KEYS: `k2026a:${KEY}`,
            BLIND_INDEX_KEY: OTHER,
            SAML_ACS_URL: 'https://api.example.com/v1/auth/saml/acs',
            SAML_LOGIN_RETURN_URL: 'https://app.example.com/login/callback',
            OIDC_ISSUERS: '[{"name":"okta","discoveryUrl":"https://acme.okta.com/.well-known/openid-configuration"}]',
            OIDC_LOGIN_PROVIDERS:
              '[{"name":"okta","discoveryUrl":"https://acme.okta.com/.well-known/openid-configuration","clientId":"0oa1","clientSecret":"k7Q-9vXz2Lr8TmNp4WbYc6HdJf3GsA1e","tenant":"acme","redirectUri":"https://api.example.com/v1/auth/oidc/callback"}]',
            OIDC_LOGIN_RETURN_URL: 'https://app.example.com/oidc/done',
          }),
        ).toEqual([]);
      });

      it('refuses the .env.example key templates, a non-random key, a blind index sharing a data key, and a missing blind-index key', () => {
        expect(errorsOf({ ENCRYPTION_KEYS: 'k2026a:<base64 of 32 random bytes>', BLIND_INDEX_KEY: '<base64 of 32 random bytes>' })).toEqual([
          expect.stringMatching(/^ENCRYPTION_KEYS key k2026a is not base64/),
          'BLIND_INDEX_KEY is a placeholder secret',
        ]);
        expect(errorsOf({ ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`, BLIND_INDEX_KEY: OTHER })).toEqual([expect.stringMatching(/^ENCRYPTION_KEYS key k1 looks like a placeholder/)]);
        expect(errorsOf({ ENCRYPTION_KEYS: `k1:${KEY}`, BLIND_INDEX_KEY: KEY })).toEqual(['BLIND_INDEX_KEY is one of the ENCRYPTION_KEYS: give the blind index its own key']);
        expect(errorsOf({ ENCRYPTION_KEYS: '${ENCRYPTION_KEYS}' })).toEqual(['BLIND_INDEX_KEY is required with ENCRYPTION_KEYS']);
      });

      it('refuses plain-http SAML and OIDC URLs and the demo OIDC client secret bastion-api-secret', () => {
        const keys = { ENCRYPTION_KEYS_FILE: '/run/secrets/keys.json' };
        expect(errorsOf({ ...keys, SAML_ACS_URL: 'http://api.example.com/v1/auth/saml/acs', SAML_IDP_ENTRY_POINT: 'http://idp.example.com/sso' })).toEqual([
          'SAML_ACS_URL must be an https:// URL in production',
          'SAML_LOGIN_RETURN_URL unset while SAML is in use: the default is a loopback http:// URL',
          'SAML_IDP_ENTRY_POINT must be an https:// URL in production',
        ]);
        expect(errorsOf({ ...keys, OIDC_ISSUERS: 'http://idp.example.com/.well-known/openid-configuration' })).toEqual(['OIDC_ISSUERS issuer 1: discoveryUrl must be https://']);
        expect(
          errorsOf({
            ...keys,
            OIDC_LOGIN_PROVIDERS:
              '[{"name":"bastion","discoveryUrl":"http://127.0.0.1:3001/.well-known/openid-configuration","clientId":"bastion-api","clientSecret":"bastion-api-secret","tenant":"acme","redirectUri":"http://127.0.0.1:3000/v1/auth/oidc/callback"}]',
          }),
        ).toEqual([
          'OIDC_LOGIN_PROVIDERS provider bastion: discoveryUrl must be https://',
          'OIDC_LOGIN_PROVIDERS provider bastion: redirectUri must be https://',
          'OIDC_LOGIN_PROVIDERS provider bastion: clientSecret is the demo or a placeholder secret',
          'OIDC_LOGIN_RETURN_URL unset while OIDC login is on: the default is a loopback http:// URL',
        ]);
        expect(errorsOf({ ...keys, OIDC_LOGIN_PROVIDERS: '[{"name": ' })).toEqual(['OIDC_LOGIN_PROVIDERS is not a JSON array of providers']);
      });
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

  describe('Redis settings', () => {
    // A redis-server of this test's own, with the policy under test.
    async function withRedis(policy: string, fn: (url: string) => void): Promise<void> {
      const port = await freePort();
      const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory', '64mb', '--maxmemory-policy', policy], { stdio: 'ignore' });
      try {
        for (let i = 0; i < 100 && spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() !== 'PONG'; i++) await new Promise((r) => setTimeout(r, 50));
        fn(`redis://127.0.0.1:${port}/0`);
      } finally {
        proc.kill('SIGKILL');
      }
    }

    it('fails on an evicting maxmemory-policy, naming it and the consequence; passes on noeviction', async () => {
      const envFile = join(dir, 'prod.env');
      writeFileSync(envFile, 'REDIS_URL=${REDIS_URL}\n');
      await withRedis('allkeys-lru', (url) => {
        const { exitCode, results } = runSecurityAudit({ checks: ['redis'], envFile, reportDir: dir, outerEnv: { REDIS_URL: url } });
        expect(exitCode).toBe(1);
        expect(results[0]?.status).toBe('failed');
        expect(results[0]?.summary).toMatch(/maxmemory-policy is allkeys-lru .*counters reset early/);
      });
      await withRedis('noeviction', (url) => {
        const { exitCode, results } = runSecurityAudit({ checks: ['redis'], envFile, reportDir: dir, outerEnv: { REDIS_URL: url } });
        expect(exitCode).toBe(0);
        expect(results[0]?.summary).toMatch(/^maxmemory-policy noeviction; persistence: none/);
      });
    }, 30_000);

    it('the config lint refuses REDIS_SETTINGS_CHECK=off and TOKEN_REVOCATION_FAIL_OPEN', () => {
      const named = lintProductionConfig({ REDIS_SETTINGS_CHECK: 'off', TOKEN_REVOCATION_FAIL_OPEN: 'true' }).filter((f) => f.level === 'error').map((f) => f.variable);
      expect(named).toEqual(expect.arrayContaining(['REDIS_SETTINGS_CHECK', 'TOKEN_REVOCATION_FAIL_OPEN']));
      expect(lintProductionConfig({ REDIS_SETTINGS_CHECK: 'refuse' }).some((f) => f.variable === 'REDIS_SETTINGS_CHECK')).toBe(false);
    });

    it('says so, without failing, when there is no Redis to ask', () => {
      const envFile = join(dir, 'prod.env');
      writeFileSync(envFile, 'REDIS_URL=${REDIS_URL}\n');
      expect(runSecurityAudit({ checks: ['redis'], envFile, reportDir: dir, outerEnv: {} }).results[0]?.status).toBe('unavailable');
      const down = runSecurityAudit({ checks: ['redis'], envFile, reportDir: dir, outerEnv: { REDIS_URL: 'redis://127.0.0.1:1/0' } });
      expect(down.results[0]).toMatchObject({ status: 'unavailable', summary: expect.stringMatching(/did not answer/) });
    }, 30_000);
  });

  it('refuses an unknown check name', () => {
    expect(() => parseArgs(['--only', 'config,nope'])).toThrow(/unknown check\(s\) nope/);
  });
});
