import { z } from 'zod';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };
const MS_DURATION = /^(\d{1,6})(ms|s|m)$/;

/** A duration written as 500ms, 30s or 2m, read as milliseconds; `error` names the accepted forms. */
export function msDuration(error: string) {
  return z
    .string()
    .regex(MS_DURATION, { error })
    .transform((v) => {
      const [, n, unit] = MS_DURATION.exec(v) as RegExpExecArray;
      return Number(n) * (UNIT_MS[unit as string] as number);
    });
}
