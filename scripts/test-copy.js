#!/usr/bin/env node
'use strict';
// `npm run test:copy`: proves that the libs copy into someone else's Nest app, as their READMEs say (issue 16).
//
// In a temporary folder it makes two fresh apps from registry packages only, shaped as `nest new` makes them:
//   - nest11-cjs-express: Nest 11, CommonJS (`module: commonjs`, `moduleResolution: node`), Express, TypeScript 5.9;
//   - nest12-esm-fastify: Nest 12, ES modules (`"type": "module"`, `nodenext`), Fastify, TypeScript 6.0.
// For each app it follows every lib's README: copies what step 1 names (`libs/<name>/src`) to the same path under
// `src/`, installs the packages of the README's `npm i` lines (one `npm install` per app; a `a || b` range becomes `a`
// in the Nest 11 app and `b` in the Nest 12 app, so both ends of every peer range are tried), runs the README steps
// the lib needs (the CASL declarations of libs/authz under node10 resolution, the Prisma client and prisma.config.ts
// of libs/database), compiles with tsc, starts the app and checks it over real HTTP. The app's own code is in
// test/copy-app/ (the same files for both apps). Both apps hold every lib and run every check; only the Nest 12 app
// holds libs/database (with libs/field-encryption on its client), because it needs a generated Prisma client.
// A README step this script needs that the README does not give is a README bug: fix the README, not this script.
//
// Usage: node scripts/test-copy.js [--keep]   (--keep leaves the temporary folder for a look)
const { spawn } = require('node:child_process');
const { Buffer } = require('node:buffer');
const { setTimeout, clearTimeout } = require('node:timers');
const { AbortSignal } = globalThis;
const { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } = require('node:fs');
const { createPrivateKey, generateKeyPairSync, sign } = require('node:crypto');
const { tmpdir } = require('node:os');
const { createServer } = require('node:net');
const { join } = require('node:path');
const { copySection: readmeCopySection, readmeInstallCommands } = require('./check-lib-imports');

const ROOT = join(__dirname, '..');
const KEEP = process.argv.includes('--keep');
const ALL_LIBS = readdirSync(join(ROOT, 'libs')).filter((l) => existsSync(join(ROOT, 'libs', l, 'package.json')));

/** The two apps. Every lib goes into both; `database` only into the ESM one (it needs a generated client). */
const APPS = [
  {
    name: 'nest11-cjs-express',
    major: 11,
    esm: false,
    adapter: 'express',
    libs: ALL_LIBS.filter((l) => l !== 'database'),
    dependencies: {
      '@nestjs/common': '^11.0.1',
      '@nestjs/core': '^11.0.1',
      '@nestjs/platform-express': '^11.0.1',
      'reflect-metadata': '^0.2.2',
      rxjs: '^7.8.1',
    },
    devDependencies: { '@types/express': '^5.0.0', '@types/node': '^22.10.7', typescript: '~5.9' },
    // What `nest new` writes, with the settings of a CommonJS app that predates nodenext (Nest 10's `nest new`):
    // without esModuleInterop, a default import of a CommonJS package compiles and is undefined at run time.
    compilerOptions: { module: 'commonjs', moduleResolution: 'node', esModuleInterop: false },
  },
  {
    name: 'nest12-esm-fastify',
    major: 12,
    esm: true,
    adapter: 'fastify',
    libs: ALL_LIBS,
    dependencies: {
      '@nestjs/common': '^12.0.1',
      '@nestjs/core': '^12.0.1',
      '@nestjs/platform-fastify': '^12.0.1',
      'reflect-metadata': '^0.2.2',
      rxjs: '^7.8.1',
    },
    devDependencies: { '@types/node': '^24.0.0', typescript: '~6.0' },
    compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', resolvePackageJsonExports: true },
  },
];

/** `nest new`'s tsconfig.json (@nestjs/schematics 12), strict, with the app's module settings. */
function tsconfig(app) {
  return {
    compilerOptions: {
      esModuleInterop: true,
      isolatedModules: true,
      declaration: true,
      removeComments: true,
      emitDecoratorMetadata: true,
      experimentalDecorators: true,
      allowSyntheticDefaultImports: true,
      target: 'ES2023',
      types: ['node'],
      sourceMap: true,
      outDir: './dist',
      rootDir: '.',
      incremental: true,
      skipLibCheck: true,
      strict: true,
      strictPropertyInitialization: false,
      ...app.compilerOptions,
    },
  };
}
const TSCONFIG_BUILD = {
  extends: './tsconfig.json',
  compilerOptions: { rootDir: './src' },
  include: ['src'],
  exclude: ['node_modules', 'test', 'dist', '**/*spec.ts'],
};

// ---------------------------------------------------------------------------------------------------------------
// README steps

/** The "Copy it into your app" section of a lib's README. */
function copySection(lib) {
  const section = readmeCopySection(readFileSync(join(ROOT, 'libs', lib, 'README.md'), 'utf8'));
  if (section === null) throw new Error(`libs/${lib}/README.md has no "## Copy it into your app" section`);
  return section;
}

/** What README step 1 says to copy: `libs/<name>/src` (into the app's `src/`, at the same path). */
function readmeCopyPath(lib) {
  const m = /^1\. Copy `(libs\/[\w-]+(?:\/src)?)`/m.exec(copySection(lib));
  if (!m) throw new Error(`libs/${lib}/README.md: step 1 does not say what to copy`);
  return m[1];
}

/**
 * The packages of every `npm i` command in a README's copy steps, as `{ name, range, dev }`.
 * `a || b` ranges are kept whole here; `rangeFor` picks the alternative per app.
 */
function readmePackages(lib) {
  const out = [];
  copySection(lib); // says which README lacks the section
  for (const { args, dev } of readmeInstallCommands(readFileSync(join(ROOT, 'libs', lib, 'README.md'), 'utf8'))) {
    for (const arg of args) {
      const at = arg.lastIndexOf('@');
      if (at <= 0) throw new Error(`libs/${lib}/README.md: "npm i ${arg}" has no version range`);
      out.push({ name: arg.slice(0, at), range: arg.slice(at + 1), dev });
    }
  }
  if (!out.length) throw new Error(`libs/${lib}/README.md: its copy steps install nothing`);
  return out;
}

/**
 * Declaration files a README asks a `moduleResolution: node` app to add (a ```ts block of `declare module`s), for
 * packages that publish their types only through `"exports"` (libs/authz: CASL).
 */
function readmeNode10Declarations(lib) {
  return [...copySection(lib).matchAll(/```ts\n([\s\S]*?)```/g)]
    .map((m) => m[1].replace(/^ {3}/gm, ''))
    .filter((block) => /^declare module /m.test(block));
}

/** The first alternative of `a || b` for the Nest 11 app, the last for the Nest 12 app. */
function rangeFor(app, range) {
  const alternatives = range.split('||').map((r) => r.trim());
  return app.major === 11 ? alternatives[0] : alternatives[alternatives.length - 1];
}

/**
 * libs/database README steps 3-6: the Prisma generator writes the client into the lib, in the app's module format.
 * The app's schema holds one model of its own; step 5 says to point src/index.ts at your own models.
 */
function prepareDatabase(app, dir) {
  const esm = app.esm;
  writeFileSync(
    join(dir, 'prisma', 'schema.prisma'),
    [
      'generator client {',
      '  provider            = "prisma-client"',
      '  output              = "../src/libs/database/src/generated/prisma"',
      `  moduleFormat        = "${esm ? 'esm' : 'cjs'}"`,
      `  importFileExtension = "${esm ? 'js' : ''}"`,
      '}',
      '',
      'datasource db {',
      '  provider = "postgresql"',
      '}',
      '',
      'model Note {',
      '  id   String @id @db.Uuid',
      '  body String',
      '  @@map("notes")',
      '}',
      '',
    ].join('\n'),
  );
  // Step 6: the README's prisma.config.ts, which keeps the CLI from downloading its schema engine.
  const prismaConfig = [...copySection('database').matchAll(/```ts\n([\s\S]*?)```/g)]
    .map((m) => m[1].replace(/^ {3}/gm, ''))
    .find((block) => block.includes('defineConfig('));
  if (!prismaConfig) throw new Error('libs/database/README.md: step 6 gives no prisma.config.ts');
  writeFileSync(join(dir, 'prisma.config.ts'), prismaConfig);
  mkdirSync(join(dir, 'prisma', 'migrations', '20260101000000_notes'), { recursive: true });
  writeFileSync(
    join(dir, 'prisma', 'migrations', '20260101000000_notes', 'migration.sql'),
    'CREATE TABLE "notes" ("id" UUID NOT NULL, "body" TEXT NOT NULL, CONSTRAINT "notes_pkey" PRIMARY KEY ("id"));\n',
  );
  // Step 3: TypeScript 6 with `declaration: true` (nest new's) fails on the generated client; the README says to
  // turn it off.
  if (!copySection('database').includes('"declaration": false')) throw new Error('libs/database/README.md: step 3 changed');
  const tsconfigPath = join(dir, 'tsconfig.json');
  const config = JSON.parse(readFileSync(tsconfigPath, 'utf8'));
  config.compilerOptions.declaration = false;
  writeFileSync(tsconfigPath, `${JSON.stringify(config, null, 2)}\n`);
  const index = join(dir, 'src', 'libs', 'database', 'src', 'index.ts');
  const lines = readFileSync(index, 'utf8').split('\n');
  const models = lines.findIndex((l) => l.startsWith('export type {') && l.includes('generated/prisma/client'));
  const enums = lines.findIndex((l) => l.includes('generated/prisma/enums'));
  if (models < 0 || enums < 0) throw new Error('libs/database/src/index.ts: the two lines README step 5 names are gone');
  lines[models] = "export type { Note } from './generated/prisma/client.js';";
  lines.splice(enums, 1);
  writeFileSync(index, lines.join('\n'));
}

// ---------------------------------------------------------------------------------------------------------------
// Build

function runAsync(cmd, args, cwd, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env } });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => resolve({ ok: code === 0, output: output.trim() }));
  });
}

async function makeApp(app, base) {
  const dir = join(base, app.name);
  mkdirSync(join(dir, 'src', 'libs'), { recursive: true });
  mkdirSync(join(dir, 'prisma'), { recursive: true });
  const dependencies = { ...app.dependencies };
  const devDependencies = { ...app.devDependencies };
  for (const lib of app.libs) {
    const path = readmeCopyPath(lib); // README step 1
    cpSync(join(ROOT, path), join(dir, 'src', path), { recursive: true });
    for (const p of readmePackages(lib)) (p.dev ? devDependencies : dependencies)[p.name] = rangeFor(app, p.range);
  }
  for (const name of Object.keys(dependencies)) delete devDependencies[name];
  const appSrc = join(ROOT, 'test', 'copy-app', 'src');
  cpSync(appSrc, join(dir, 'src'), { recursive: true });
  if (!app.libs.includes('database')) {
    cpSync(join(ROOT, 'test', 'copy-app', 'without-database', 'notes.module.ts'), join(dir, 'src', 'notes.module.ts'));
  }
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify(
      {
        name: app.name,
        version: '0.0.1',
        private: true,
        license: 'UNLICENSED',
        ...(app.esm ? { type: 'module' } : {}),
        scripts: { build: 'tsc -p tsconfig.build.json', 'start:prod': 'node dist/main' },
        // argon2 needs its install script; nothing else in these apps does (Prisma's would download engines).
        allowScripts: { argon2: true, prisma: true, '@prisma/client': false, '@prisma/engines': false },
        dependencies,
        devDependencies,
      },
      null,
      2,
    )}\n`,
  );
  const config = tsconfig(app);
  if (app.compilerOptions.moduleResolution === 'node') {
    const declarations = app.libs.flatMap(readmeNode10Declarations);
    if (declarations.length) {
      mkdirSync(join(dir, 'src', 'types'), { recursive: true });
      writeFileSync(join(dir, 'src', 'types', 'node10-shims.d.ts'), declarations.join('\n'));
    }
  }
  writeFileSync(join(dir, 'tsconfig.json'), `${JSON.stringify(config, null, 2)}\n`);
  writeFileSync(join(dir, 'tsconfig.build.json'), `${JSON.stringify(TSCONFIG_BUILD, null, 2)}\n`);

  const steps = [];
  const step = async (name, fn) => {
    if (steps.some((s) => !s.ok)) return steps.push({ name, ok: false, detail: 'skipped' });
    const t = Date.now();
    const r = await fn();
    steps.push({ name, ok: r.ok, detail: `${((Date.now() - t) / 1000).toFixed(1)} s`, output: r.ok ? undefined : r.output });
  };
  await step('npm install', () => runAsync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], dir));
  if (app.libs.includes('database')) {
    prepareDatabase(app, dir);
    await step('prisma generate', () =>
      runAsync('npx', ['prisma', 'generate', '--no-hints'], dir, { DATABASE_URL: 'postgresql://pglite/local' }),
    );
  }
  await step('tsc', () => runAsync('npx', ['tsc', '-p', 'tsconfig.build.json'], dir));
  return { dir, steps, dependencies };
}

// ---------------------------------------------------------------------------------------------------------------
// Checks over HTTP

/** A port nothing listens on now (the machine is shared). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function startApp(app, dir) {
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: dir,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(app.port),
      HOST: '127.0.0.1',
      HTTP_ADAPTER: app.adapter,
      LOG_LEVEL: 'warn',
      EMBEDDED_DB_DIR: join(dir, '.data', 'pglite'),
    },
  });
  let output = '';
  const ready = new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), 60_000);
    const onData = (d) => {
      output += d;
      if (output.includes('COPY_APP_READY')) {
        clearTimeout(timer);
        resolve(true);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  return { child, ready, output: () => output };
}

/** A token with the app's header and claims, signed by a key the app never saw. */
function forge(token) {
  const [header, payload] = token.split('.');
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), { key: createPrivateKey(privateKey.export({ format: 'pem', type: 'pkcs8' })), dsaEncoding: 'ieee-p1363' });
  return `${header}.${payload}.${signature.toString('base64url')}`;
}

async function checks(app) {
  const base = `http://127.0.0.1:${app.port}`;
  const results = [];
  const call = async (method, path, { token, apiKey, body } = {}) => {
    const headers = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (apiKey) headers['x-api-key'] = apiKey;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await globalThis.fetch(base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000), // a hung route fails its check instead of the whole run
    });
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, json, text };
  };
  const check = async (name, fn) => {
    try {
      const detail = await fn();
      results.push({ name, ok: true, detail: detail ?? '' });
    } catch (error) {
      results.push({ name, ok: false, detail: error instanceof Error ? error.message : String(error) });
    }
  };
  const expect = (cond, message) => {
    if (!cond) throw new Error(message);
  };
  const problem = (r, status) => {
    expect(r.status === status, `status ${r.status}, expected ${status}: ${r.text.slice(0, 200)}`);
    const type = r.headers.get('content-type') ?? '';
    expect(type.startsWith('application/problem+json'), `content-type ${type}, expected application/problem+json`);
    expect(r.json?.status === status, `body status ${r.json?.status}`);
    return `${status} problem+json${r.json?.code ? ` ${r.json.code}` : ''}`;
  };

  let token;
  let apiKey;
  await check('security headers (security-headers)', async () => {
    const r = await call('GET', '/health/live');
    expect(r.status === 200, `GET /health/live: ${r.status}`);
    for (const h of ['x-content-type-options', 'content-security-policy', 'strict-transport-security', 'x-frame-options']) {
      expect(r.headers.get(h), `no ${h}`);
    }
    expect(r.headers.get('cache-control')?.includes('no-store'), 'no Cache-Control: no-store');
    return 'CSP, HSTS, nosniff, frame, no-store';
  });
  await check('readiness (health)', async () => {
    const r = await call('GET', '/health/ready');
    expect(r.status === 200, `GET /health/ready: ${r.status} ${r.text.slice(0, 200)}`);
    return Object.keys(r.json?.checks ?? r.json?.info ?? {}).join(', ') || '200';
  });
  await check('bad body is 400 (validation, problem-details)', async () =>
    problem(await call('POST', '/v1/auth/login', { body: { email: 'not-an-email', password: 1, extra: true } }), 400),
  );
  await check('login issues a JWT (auth)', async () => {
    const r = await call('POST', '/v1/auth/login', { body: { email: 'viewer@example.com', password: 'correct horse battery staple' } });
    expect(r.status === 200 && typeof r.json?.accessToken === 'string', `login: ${r.status} ${r.text.slice(0, 200)}`);
    token = r.json.accessToken;
    return 'ES256 at+jwt';
  });
  await check('JWT accepted (auth)', async () => {
    const r = await call('GET', '/v1/me', { token });
    expect(r.status === 200 && r.json?.sub === 'u-viewer' && r.json?.method === 'jwt', `GET /v1/me: ${r.status} ${r.text.slice(0, 200)}`);
    return '200';
  });
  await check('forged JWT refused (auth)', async () => {
    const r = await call('GET', '/v1/me', { token: forge(token) });
    const d = problem(r, 401);
    expect(/^Bearer /.test(r.headers.get('www-authenticate') ?? ''), 'no Bearer challenge');
    return d;
  });
  await check('API key works (auth)', async () => {
    const made = await call('POST', '/v1/api-keys', { token, body: {} });
    expect(made.status === 201 && made.json?.key, `POST /v1/api-keys: ${made.status} ${made.text.slice(0, 200)}`);
    apiKey = made.json.key;
    const r = await call('GET', '/v1/me', { apiKey });
    expect(r.status === 200 && r.json?.method === 'api-key', `GET /v1/me with the key: ${r.status} ${r.text.slice(0, 200)}`);
    const bad = await call('GET', '/v1/me', { apiKey: `${apiKey.slice(0, -4)}AAAA` });
    return `200; altered key ${problem(bad, 401)}`;
  });
  await check('CASL rule answers 403 (authz)', async () => {
    const read = await call('GET', '/v1/documents', { token });
    expect(read.status === 200, `GET /v1/documents: ${read.status} ${read.text.slice(0, 200)}`);
    return `read 200; delete ${problem(await call('DELETE', '/v1/documents/d1', { token }), 403)}`;
  });
  await check('429 with RateLimit fields (throttling)', async () => {
    let r;
    for (let i = 0; i < 3; i++) r = await call('GET', '/v1/limited');
    const d = problem(r, 429);
    const fields = r.headers.get('ratelimit');
    expect(/"api";r=0;t=\d+/.test(fields ?? ''), `RateLimit: ${fields}`);
    expect(/"api";q=2;w=60/.test(r.headers.get('ratelimit-policy') ?? ''), `RateLimit-Policy: ${r.headers.get('ratelimit-policy')}`);
    expect(/^\d+$/.test(r.headers.get('retry-after') ?? ''), 'no Retry-After');
    return `${d}; RateLimit: ${fields}`;
  });
  await check('audit event recorded (audit)', async () => {
    const r = await call('GET', '/v1/audit', { token });
    expect(r.status === 200, `GET /v1/audit: ${r.status} ${r.text.slice(0, 200)}`);
    const login = (r.json?.items ?? r.json?.events ?? []).find((e) => e.action === 'auth.login' && e.outcome === 'success');
    expect(login && /^[0-9a-f]{64}$/.test(login.hash), `no chained auth.login event in ${r.text.slice(0, 300)}`);
    return 'auth.login, hash-chained';
  });
  await check('deprecated version headers (versioning)', async () => {
    const r = await call('GET', '/v1/me', { token });
    expect(r.headers.get('deprecation') && r.headers.get('sunset'), 'no Deprecation/Sunset');
    expect((r.headers.get('link') ?? '').includes('successor-version'), `Link: ${r.headers.get('link')}`);
    return `Deprecation: ${r.headers.get('deprecation')}`;
  });
  await check('metrics (observability)', async () => {
    const r = await call('GET', '/metrics');
    expect(r.status === 200 && r.text.includes('http_request'), `GET /metrics: ${r.status} ${r.text.slice(0, 200)}`);
    return 'Prometheus text';
  });
  await check('SAML metadata (auth-saml)', async () => {
    const r = await call('GET', '/v1/saml/metadata');
    expect(r.status === 200 && r.text.includes('EntityDescriptor'), `GET /v1/saml/metadata: ${r.status} ${r.text.slice(0, 200)}`);
    return 'EntityDescriptor';
  });
  if (app.libs.includes('database')) {
    await check('PGlite + encrypted field (database, field-encryption)', async () => {
      const r = await call('POST', '/v1/notes', { token, body: { body: 'meet at noon' } });
      expect(r.status === 201 && r.json?.body === 'meet at noon', `POST /v1/notes: ${r.status} ${r.text.slice(0, 200)}`);
      expect(typeof r.json?.stored === 'string' && !r.json.stored.includes('noon'), `stored in clear: ${r.json?.stored}`);
      return 'stored ciphertext, read back plaintext';
    });
  }
  return results;
}

// ---------------------------------------------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  const base = mkdtempSync(join(tmpdir(), 'bastion-copy-'));
  console.log(`test:copy in ${base}`);
  const report = [];
  try {
    const built = await Promise.all(APPS.map((app) => makeApp(app, base)));
    for (const [i, app] of APPS.entries()) {
      const { dir, steps } = built[i];
      const rows = [...steps];
      if (steps.every((s) => s.ok)) {
        app.port = await freePort();
        const proc = startApp(app, dir);
        const t = Date.now();
        const ready = await proc.ready;
        rows.push({ name: 'app starts', ok: ready, detail: `${((Date.now() - t) / 1000).toFixed(1)} s`, output: ready ? undefined : proc.output() });
        if (ready) rows.push(...(await checks(app)));
        proc.child.kill('SIGTERM');
        const stopped = new Promise((r) => (proc.child.exitCode === null ? proc.child.on('exit', r) : r()));
        const forced = setTimeout(() => proc.child.kill('SIGKILL'), 15_000);
        await stopped;
        clearTimeout(forced);
        const errors = proc.output().split('\n').filter((l) => /"level":(50|60|"error"|"fatal")|Error:/.test(l));
        rows.push({ name: 'no error in the log', ok: errors.length === 0, detail: errors.slice(0, 3).join(' | ').slice(0, 300) });
      }
      report.push({ app, rows, versions: versionsOf(dir) });
    }
  } finally {
    if (!KEEP) rmSync(base, { recursive: true, force: true });
  }

  let failed = 0;
  for (const { app, rows, versions } of report) {
    console.log(`\n${app.name}  (${versions})  libs: ${app.libs.join(', ')}`);
    const width = Math.max(...rows.map((r) => r.name.length));
    for (const r of rows) {
      if (!r.ok) failed++;
      console.log(`  ${r.ok ? 'PASS' : 'FAIL'}  ${r.name.padEnd(width)}  ${r.detail}`);
      if (r.output) console.log(r.output.split('\n').slice(0, 40).map((l) => `        ${l}`).join('\n'));
    }
  }
  console.log(`\n${failed ? `${failed} check(s) failed` : 'all checks passed'} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  process.exit(failed ? 1 : 0);
}

function versionsOf(dir) {
  const v = (p) => {
    try {
      return JSON.parse(readFileSync(join(dir, 'node_modules', p, 'package.json'), 'utf8')).version;
    } catch {
      return '?';
    }
  };
  return ['@nestjs/core', '@nestjs/passport', '@nestjs/terminus', 'nestjs-pino', 'typescript'].map((p) => `${p} ${v(p)}`).join(', ');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
