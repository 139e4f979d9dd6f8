'use strict';
// Runs the e2e project with --runInBand, as `npm run test:e2e` always did,
// except that the files which load ES-only packages (oidc-provider,
// openid-client 6) through a real import() each get a Jest process of their
// own. Why: in one --runInBand process, on PostgreSQL, the second such file's
// import() was answered by the first file's torn-down Jest environment
// ("You are trying to `import` a file after the Jest environment has been
// torn down. From test/oauth-server.e2e-spec.ts"), then the process never
// exited. Reproduced with just those two files; each alone passes.
//
// Usage: node scripts/run-e2e.js [test files...]  (none: the whole e2e project)
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

/** The e2e files that import ES modules at run time (see apps/auth-server/src/oidc/load-esm.ts). */
const OWN_PROCESS = ['test/oauth-server.e2e-spec.ts', 'test/oauth-end-to-end.e2e-spec.ts', 'test/auth-server-outage.e2e-spec.ts'];

const jest = join(__dirname, '..', 'node_modules', 'jest', 'bin', 'jest.js');
const run = (args) => spawnSync(process.execPath, ['--experimental-vm-modules', jest, '--selectProjects', 'e2e', '--runInBand', ...args], { stdio: 'inherit' }).status ?? 1;

const asked = process.argv.slice(2);
const isolated = asked.length ? OWN_PROCESS.filter((f) => asked.includes(f)) : OWN_PROCESS;
const rest = asked.filter((f) => !OWN_PROCESS.includes(f));
const results = [];
if (!asked.length) results.push(run(OWN_PROCESS.flatMap((f) => ['--testPathIgnorePatterns', f.replace(/\./g, '\\.')])));
else if (rest.length) results.push(run(rest));
for (const file of isolated) results.push(run([file]));
process.exit(results.some((code) => code !== 0) ? 1 : 0);
