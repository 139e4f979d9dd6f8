import { AuthError } from './errors.js';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/**
 * Parses a lifetime such as `4s`, `15m`, `1h` or `7d` into seconds.
 *
 * @example parseDuration('15m') // 900
 */
export function parseDuration(text: string, option = 'duration'): number {
  const match = /^(\d{1,6})([smhd])$/.exec(text.trim());
  const seconds = match ? Number(match[1]) * (UNITS[match[2] as string] as number) : NaN;
  if (!Number.isSafeInteger(seconds) || seconds <= 0) {
    throw new AuthError('ERR_AUTH_OPTIONS', `${option} must be a positive number followed by s, m, h or d (e.g. 15m)`);
  }
  return seconds;
}
