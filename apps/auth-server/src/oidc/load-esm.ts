/**
 * Loads an ES module from CommonJS with a real `import()`. TypeScript
 * compiles a literal `import()` to `require()` under `module: commonjs`; that
 * works in Node 20.19+ (require of ESM) but not under Jest, whose module
 * loader cannot require ESM. A function made at run time keeps the
 * `import()`: in Node it is the native loader, under Jest (run with
 * `--experimental-vm-modules`) Jest's ESM loader. Measured: both load
 * oidc-provider 9 and openid-client 6.
 */
// eslint-disable-next-line no-new-func -- a fixed string, no input: the only way to keep import() (above)
export const importEsm = new Function('specifier', 'return import(specifier)') as <T>(specifier: string) => Promise<T>;
