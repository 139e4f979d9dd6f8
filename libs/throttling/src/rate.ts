import { optionsError } from './errors.js';

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A limit and its window, as `ThrottlingModule` takes them. */
export interface Rate {
  /** Requests admitted per window. */
  limit: number;
  /** Window length in milliseconds. */
  ttl: number;
}

/**
 * Parses a rate such as `300/1m`, `5/15m`, `10/s` or `1000/1d` into `{ limit, ttl }` (ttl in
 * milliseconds). Units: `s`, `m`, `h`, `d`; the count before the unit defaults to 1. `option` names
 * the setting in the error, so a bad environment variable is easy to find.
 *
 * @example
 * ThrottlingModule.forRoot({ throttlers: [{ name: 'api', ...parseRate('300/1m') }] })
 * @throws {ThrottlingError} `ERR_THROTTLING_OPTIONS` when the text is not a rate.
 */
export function parseRate(text: string, option = 'rate'): Rate {
  // eslint-disable-next-line security/detect-unsafe-regex -- bounded digit runs; the text is operator config read once at start-up
  const match = typeof text === 'string' ? /^(\d{1,9})\s*\/\s*(\d{1,6})?\s*([smhd])$/.exec(text.trim()) : null;
  if (!match) {
    throw optionsError(option, 'must look like <limit>/<count><unit> with unit s, m, h or d (e.g. 300/1m)');
  }
  const limit = Number(match[1]);
  const count = match[2] === undefined ? 1 : Number(match[2]);
  if (limit < 1) throw optionsError(option, 'must admit at least one request (limit >= 1)');
  if (count < 1) throw optionsError(option, 'must have a window of at least one unit');
  return { limit, ttl: count * (UNIT_MS[match[3] as string] as number) };
}
