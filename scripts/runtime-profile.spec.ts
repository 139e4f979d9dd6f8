// scripts/runtime-profile.js is plain CommonJS: scripts/start.js loads it before anything is built.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runtimeFlags } = require('./runtime-profile.js') as { runtimeFlags: (env: Record<string, string | undefined>) => string[] };

describe('npm start runtime flags', () => {
  it('on the embedded database: the V8 heap limits and no TurboFan for WebAssembly (PGlite)', () => {
    expect(runtimeFlags({})).toEqual(['--max-semi-space-size=16', '--heap-growing-percent=30', '--liftoff-only']);
    expect(runtimeFlags({ DATABASE_URL: '' })).toContain('--liftoff-only');
  });

  it('on PostgreSQL: the heap limits only, so that Prisma keeps its optimised query compiler', () => {
    expect(runtimeFlags({ DATABASE_URL: 'postgresql://u@h/db' })).toEqual(['--max-semi-space-size=16', '--heap-growing-percent=30']);
  });

  it('lowers no limit a request could run into (no --max-old-space-size, no --max-heap-size)', () => {
    for (const env of [{}, { DATABASE_URL: 'postgresql://u@h/db' }]) {
      expect(runtimeFlags(env).filter((f) => /max-(old-space|heap)-size/.test(f))).toEqual([]);
    }
  });
});
