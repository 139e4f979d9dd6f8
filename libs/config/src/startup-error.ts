import { ConfigError } from './config.error.js';

/**
 * What to print when start-up fails: the message alone for the project's
 * own errors (they carry a stable `ERR_…` code and a message written for
 * operators, never a secret), the whole error with its stack otherwise.
 */
export function startupErrorMessage(error: unknown): unknown {
  if (error instanceof ConfigError) return error.message;
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof Error && typeof code === 'string' && code.startsWith('ERR_')) return `${error.name} ${code}: ${error.message}`;
  return error;
}
