/**
 * Runs `fn` with exactly `env` as `process.env`, then puts the old one back,
 * even when `fn` throws. For specs of `registerAs` factories, which read
 * `process.env` when called.
 *
 * @example expect(withExactEnv({ NODE_ENV: 'production' }, () => appConfig()).PORT).toBe(3000);
 */
export function withExactEnv<T>(env: Record<string, string>, fn: () => T): T {
  const saved = process.env;
  process.env = { ...env };
  try {
    return fn();
  } finally {
    process.env = saved;
  }
}
