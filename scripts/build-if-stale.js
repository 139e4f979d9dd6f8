'use strict';
// Builds dist/ when a TypeScript source is newer than the last build. Used by
// `npm start` and by the e2e suite (which starts the built launcher).
const { execFileSync } = require('node:child_process');
const { readdirSync, statSync, existsSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const stamp = join(root, 'dist', '.build-stamp');

function newest(dir) {
  let latest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    latest = Math.max(latest, e.isDirectory() ? newest(p) : e.name.endsWith('.ts') ? statSync(p).mtimeMs : 0);
  }
  return latest;
}

function buildIfStale() {
  const sources = Math.max(
    ...['apps', 'libs', 'scripts', 'prisma'].map((d) => newest(join(root, d))),
    statSync(join(root, 'tsconfig.json')).mtimeMs,
    statSync(join(root, 'tsconfig.build.json')).mtimeMs,
  );
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= sources) return false;
  console.log('Building…');
  const run = (script, args) => execFileSync(process.execPath, [require.resolve(script), ...args], { cwd: root, stdio: 'inherit' });
  run('typescript/bin/tsc', ['-p', 'tsconfig.build.json']);
  run('tsc-alias/dist/bin/index.js', ['-p', 'tsconfig.build.json']);
  writeFileSync(stamp, new Date().toISOString());
  return true;
}

module.exports = { buildIfStale };
if (require.main === module) buildIfStale();
