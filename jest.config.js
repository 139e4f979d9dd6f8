// Two projects: unit specs beside the code, and end-to-end scenarios in test/.
// Jest runs under `node --experimental-vm-modules` because PGlite's CommonJS
// build loads `fs` with a dynamic import (TOOLCHAIN.md).
const { compilerOptions } = require('./tsconfig.json');

const moduleNameMapper = {
  ...Object.fromEntries(Object.entries(compilerOptions.paths).map(([alias, [target]]) => [`^${alias}$`, `<rootDir>/${target}`])),
  // Libs write relative imports with their emitted `.js` extension, as Node's
  // ESM resolution (nodenext) needs; Jest resolves the TypeScript source.
  '^(\\.{1,2}/.*)\\.js$': '$1',
};

// NestJS 12 (and a few other packages) ship only ES modules. Jest loads them
// from CommonJS natively on Node 24.9+ (require(esm)); on older Node (22 here)
// it cannot, so those packages are compiled to CommonJS by Babel instead.
const [major, minor] = process.versions.node.split('.').map(Number);
const nativeRequireEsm = major > 24 || (major === 24 && minor >= 9);
// oauth2-mock-server (test only) brings is-plain-obj and jose 6, ES-only as well.
const ESM_ONLY = ['@nestjs', 'oauth2-mock-server', 'is-plain-obj', 'jose'];

const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  transform: {
    // On Node 22 the sources are compiled to plain CommonJS too, so that an `import()` of an ES-only
    // package becomes a require() of its Babel-compiled copy (one copy of each package in the registry).
    '^.+\\.ts$': ['ts-jest', { tsconfig: nativeRequireEsm ? { isolatedModules: true } : { isolatedModules: true, module: 'commonjs', moduleResolution: 'node10', ignoreDeprecations: '6.0' } }],
    ...(nativeRequireEsm ? {} : { '^.+\\.m?js$': ['babel-jest', { babelrc: false, configFile: false, plugins: [require.resolve('./test/support/babel-drop-create-require.js'), 'babel-plugin-transform-import-meta', '@babel/plugin-transform-modules-commonjs'] }] }),
  },
  ...(nativeRequireEsm ? {} : { transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`] }),
  moduleNameMapper,
};

module.exports = {
  // e2e scenarios start real servers; no unit spec comes near this.
  testTimeout: 60_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,scripts}/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.js',
    },
  ],
};
