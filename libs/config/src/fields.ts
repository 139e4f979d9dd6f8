import { z } from 'zod';

/** A TCP port number, 1–65535. */
export function port(defaultValue: number) {
  return z
    .string()
    .regex(/^\d{1,5}$/, { error: 'must be a port number from 1 to 65535' })
    .transform(Number)
    .refine((n) => n >= 1 && n <= 65535, { error: 'must be a port number from 1 to 65535' })
    .default(defaultValue);
}

/** A URL whose scheme is one of `schemes` (e.g. `['postgresql:', 'postgres:']`). */
export function urlWithScheme(schemes: string[], label: string) {
  return z.string().refine(
    (value) => {
      try {
        // Exact, lower-case prefix: clients such as ioredis switch TLS on only
        // for a literal "rediss://", while the URL parser lower-cases schemes.
        return schemes.some((s) => value.startsWith(`${s}//`)) && schemes.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { error: `must be a ${label} URL (${schemes.map((s) => `${s}//`).join(' or ')})` },
  );
}

/** One of a fixed list of words. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T, defaultValue: T[number]) {
  return z.enum(values, { error: `must be one of: ${values.join(', ')}` }).default(defaultValue as never);
}

/** A boolean written as true/false/1/0. */
export function flag(defaultValue: boolean) {
  return z
    .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
    .transform((v) => v === 'true' || v === '1')
    .default(defaultValue);
}
