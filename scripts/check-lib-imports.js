#!/usr/bin/env node
'use strict';
// Libraries must copy cleanly into another Nest app (STYLE.md): a file in
// libs/<x> may import only files inside libs/<x> and packages listed in
// libs/<x>/package.json (Node built-ins aside), never another lib or an alias.
// A relative import names the emitted file, `./foo.js` or `./dir/index.js`: Node's ES module resolution
// (`nodenext` apps) neither adds an extension nor looks for index files, and TypeScript maps `.js` to the `.ts`
// source in every resolution mode.
const { readdirSync, readFileSync, existsSync } = require('node:fs');
const { builtinModules } = require('node:module');
const { join, resolve, relative, dirname, sep } = require('node:path');

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;(])(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'generated' || e.name === 'node_modules' ? [] : files(p);
    return /\.ts$/.test(e.name) ? [p] : [];
  });
}

/** The "## Copy it into your app" section of a lib's README, or null when it has none. */
function copySection(readme) {
  const start = readme.indexOf('## Copy it into your app');
  if (start < 0) return null;
  const end = readme.indexOf('\n## ', start + 3);
  return readme.slice(start, end < 0 ? undefined : end);
}

/**
 * Every `npm i` in a README's copy steps after step 1 (whose optional install is for the lib's own specs): its
 * package arguments (double quotes honoured, flags left out) and whether it installs dev dependencies. Null when
 * the README has no copy section. Shared with test-copy.js, which installs exactly these.
 */
function readmeInstallCommands(readme) {
  const section = copySection(readme);
  if (section === null) return null;
  const steps = section.replace(/^1\. Copy[\s\S]*?(?=^2\. )/m, '');
  return [...steps.matchAll(/npm (?:i|install)\s+([^`\n#]+)/g)].map((m) => {
    const words = [...m[1].matchAll(/"([^"]*)"|(\S+)/g)].map((w) => w[1] ?? w[2]);
    return { args: words.filter((w) => !w.startsWith('-')), dev: words.includes('-D') || words.includes('--save-dev') };
  });
}

/** `name -> range` of every package the README's copy steps install. */
function readmeInstalls(readme) {
  const commands = readmeInstallCommands(readme);
  if (commands === null) return null;
  const installs = new Map();
  for (const arg of commands.flatMap((c) => c.args)) {
    if (arg.lastIndexOf('@') <= 0) continue;
    installs.set(arg.slice(0, arg.lastIndexOf('@')), arg.slice(arg.lastIndexOf('@') + 1));
  }
  return installs;
}

function packageName(spec) {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Returns one message per import that breaks the rule. */
function checkLibs(root) {
  const libsDir = join(root, 'libs');
  const problems = [];
  for (const lib of readdirSync(libsDir)) {
    const libRoot = join(libsDir, lib);
    const pkgPath = join(libRoot, 'package.json');
    if (!existsSync(pkgPath)) {
      problems.push(`libs/${lib}: no package.json listing its peer dependencies`);
      continue;
    }
    const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));
    const allowed = new Set([
      ...Object.keys(pkg.peerDependencies ?? {}),
      ...Object.keys(pkg.dependencies ?? {}),
      ...Object.keys(pkg.devDependencies ?? {}),
    ]);
    if (!existsSync(join(libRoot, 'src', 'index.ts'))) problems.push(`libs/${lib}: no src/index.ts`);
    if (!existsSync(join(libRoot, 'README.md'))) {
      problems.push(`libs/${lib}: no README.md`);
    } else {
      // `npm run test:copy` installs what the README says; the README must say what package.json declares.
      const installs = readmeInstalls(readFileSync(join(libRoot, 'README.md'), 'utf8'));
      if (!installs) problems.push(`libs/${lib}/README.md: no "## Copy it into your app" section`);
      for (const [name, range] of Object.entries(pkg.peerDependencies ?? {})) {
        if (installs && installs.get(name) !== range) {
          problems.push(`libs/${lib}/README.md: its copy steps do not install "${name}@${range}" (a peer dependency)`);
        }
      }
    }
    for (const file of files(join(libRoot, 'src'))) {
      const text = readFileSync(file, 'utf8');
      const where = relative(root, file);
      if (/process\.env/.test(text.replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, ''))) {
        problems.push(`${where}: reads process.env (a lib takes options; the app reads the environment)`);
      }
      for (const m of text.matchAll(IMPORT)) {
        const spec = m[1] ?? m[2] ?? m[3];
        if (spec.startsWith('.')) {
          const target = resolve(dirname(file), spec);
          if (target !== libRoot && !target.startsWith(libRoot + sep)) {
            problems.push(`${where}: imports "${spec}", outside libs/${lib}`);
          } else if (!spec.endsWith('.js')) {
            problems.push(`${where}: imports "${spec}" without its .js extension (ES module apps need it)`);
          } else if (!existsSync(target.replace(/\.js$/, '.ts'))) {
            problems.push(`${where}: imports "${spec}", but there is no ${relative(root, target.replace(/\.js$/, '.ts'))}`);
          }
        } else if (spec.startsWith('node:') || builtinModules.includes(spec)) {
          continue;
        } else if (!allowed.has(packageName(spec))) {
          problems.push(`${where}: imports "${spec}", which libs/${lib}/package.json does not list`);
        }
      }
    }
  }
  return problems;
}

module.exports = { checkLibs, copySection, readmeInstallCommands };

if (require.main === module) {
  const problems = checkLibs(join(__dirname, '..'));
  for (const p of problems) console.error(p);
  if (problems.length) process.exit(1);
  console.log('libs: imports stay inside each lib or its package.json, relative ones carry .js, READMEs install every peer');
}
