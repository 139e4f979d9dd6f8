import type { z } from 'zod';
import { ConfigError } from './config.error.js';

/**
 * Validates the variables `schema` describes and returns them typed, with
 * defaults filled in. A blank value counts as unset. Throws a
 * {@link ConfigError} naming every bad variable.
 *
 * @example
 * const cfg = parseEnv(z.object({ PORT: port(3000) }), process.env);
 */
export function parseEnv<S extends z.ZodObject>(
  schema: S,
  env: Record<string, string | undefined>,
): z.infer<S> {
  const input: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') input[key] = value.trim();
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => ({
      variable: String(issue.path[0] ?? '(environment)'),
      message: issue.message,
    })),
  );
}
