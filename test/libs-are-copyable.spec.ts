import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { checkLibs } = require('../scripts/check-lib-imports.js') as { checkLibs: (root: string) => string[] };

describe('libs copy cleanly into another app', () => {
  it('no lib imports another lib, a path outside itself, an unlisted package or process.env; relative imports carry .js', () => {
    expect(checkLibs(join(__dirname, '..'))).toEqual([]);
  });

  it('the check catches a cross-lib import, an alias, process.env and a relative import without .js', () => {
    const root = mkdtempSync(join(tmpdir(), 'bastion-libs-'));
    try {
      cpSync(join(__dirname, '..', 'libs', 'health'), join(root, 'libs', 'health'), { recursive: true });
      writeFileSync(
        join(root, 'libs', 'health', 'src', 'bad.ts'),
        "import { x } from '../../config/src';\nimport { y } from '@bastion/redis';\nexport const z = process.env.X;\n" +
          "import { HealthModule } from './health.module';\nexport { HealthController } from './index';\n" +
          "import type { A } from './health.module.ts';\nexport * from './nothing-here.js';\nimport { ok } from './health.module.js';\n",
      );
      const problems = checkLibs(root).filter((p) => p.includes('bad.ts'));
      expect(problems).toEqual([
        'libs/health/src/bad.ts: reads process.env (a lib takes options; the app reads the environment)',
        'libs/health/src/bad.ts: imports "../../config/src", outside libs/health',
        'libs/health/src/bad.ts: imports "@bastion/redis", which libs/health/package.json does not list',
        'libs/health/src/bad.ts: imports "./health.module" without its .js extension (ES module apps need it)',
        'libs/health/src/bad.ts: imports "./index" without its .js extension (ES module apps need it)',
        'libs/health/src/bad.ts: imports "./health.module.ts" without its .js extension (ES module apps need it)',
        'libs/health/src/bad.ts: imports "./nothing-here.js", but there is no libs/health/src/nothing-here.ts',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('the check catches a README whose copy steps do not install a peer dependency at its range', () => {
    const root = mkdtempSync(join(tmpdir(), 'bastion-libs-'));
    try {
      cpSync(join(__dirname, '..', 'libs', 'health'), join(root, 'libs', 'health'), { recursive: true });
      const pkgPath = join(root, 'libs', 'health', 'package.json');
      const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { peerDependencies: Record<string, string> };
      pkg.peerDependencies['@nestjs/terminus'] = '^12.0.0';
      pkg.peerDependencies['left-pad'] = '^1.3.0';
      writeFileSync(pkgPath, JSON.stringify(pkg));
      expect(checkLibs(root)).toEqual([
        'libs/health/README.md: its copy steps do not install "@nestjs/terminus@^12.0.0" (a peer dependency)',
        'libs/health/README.md: its copy steps do not install "left-pad@^1.3.0" (a peer dependency)',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
