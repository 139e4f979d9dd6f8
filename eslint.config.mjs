// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import pluginSecurity from 'eslint-plugin-security';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '**/generated/', '.data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // Security rules (run by `npm run lint` and `npm run security:audit`); each finding is fixed or disabled inline with its reason.
  pluginSecurity.configs.recommended,
  {
    rules: {
      // Errors, not warnings: `npm run security:audit` fails on a new finding.
      ...Object.fromEntries(Object.keys(pluginSecurity.configs.recommended.rules).map((rule) => [rule, 'error'])),
      // Off: it flags every computed member access (`obj[key]`), well over a hundred here, all on
      // typed keys. Prototype pollution through client input is stopped where input enters: JsonShapePipe
      // refuses __proto__/constructor/prototype keys (libs/validation), and test/fuzz.e2e-spec.ts attacks it.
      'security/detect-object-injection': 'off',
    },
  },
  {
    // Paths from the operator's configuration or the repository, never from a request: key ring and
    // TLS files, the embedded database folder, migrations, the Swagger UI allowlist, CLI scripts, tests;
    // the field-encryption key ring file (ENCRYPTION_KEYS_FILE), the auth server's JWKS file (OIDC_JWKS_FILE),
    // the development mail outbox (MAIL_OUTBOX_DIR; file names made by the lib).
    files: [
      'libs/mail/src/mail.service.ts',
      'libs/auth/src/keys/file-key-ring.ts',
      'libs/field-encryption/src/key-provider.ts',
      'apps/api/src/config/encryption.config.ts',
      'apps/auth-server/src/oidc/oidc-keys.ts',
      'libs/database/src/embedded-registry.ts',
      'libs/database/src/migrator.ts',
      'apps/api/src/common/http-platform.ts',
      'apps/api/src/docs/swagger-ui.ts',
      'scripts/**',
      'test/**',
      '**/*.spec.ts',
    ],
    rules: { 'security/detect-non-literal-fs-filename': 'off' },
  },
  {
    // Tests build expected values into patterns; no client input reaches them.
    files: ['test/**', '**/*.spec.ts'],
    rules: { 'security/detect-non-literal-regexp': 'off' },
  },
  {
    languageOptions: {
      parserOptions: { projectService: false },
      globals: { process: 'readonly', console: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Not consistent-type-imports: a constructor parameter's class must stay a
      // value import, or Nest's decorator metadata loses it and DI fails.
      // Security: no dynamic code.
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
    },
  },
  {
    // class-validator's IsOptional lets null past every rule, and null then reaches the database (a NOT NULL
    // column: a 500). IsOptionalNotNull (libs/validation) skips the rules only for a property left out.
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'class-validator', importNames: ['IsOptional'], message: 'Use IsOptionalNotNull from @bastion/validation: IsOptional lets null past every rule.' }] },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
