import { pino } from 'pino';
import { optionsError } from './errors.js';

/** What a censored value is replaced with. */
export const REDACTED = '[REDACTED]';

/** Request and response headers that carry credentials; always censored. */
export const REDACTED_HEADER_PATHS: readonly string[] = Object.freeze([
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
]);

/**
 * Property names that hold a secret wherever they appear in a log line (a DTO, an error's
 * details, a token response): the camelCase names of this codebase and the snake_case names of
 * OAuth 2.0 (RFC 6749 §5.1, RFC 7636 §4.1) and OpenID Connect.
 */
export const SECRET_KEYS: readonly string[] = Object.freeze([
  'password',
  'currentPassword',
  'newPassword',
  'passwordConfirmation',
  'token',
  'accessToken',
  'refreshToken',
  'idToken',
  'access_token',
  'refresh_token',
  'id_token',
  'secret',
  'clientSecret',
  'client_secret',
  'key',
  'apiKey',
  'api_key',
  'privateKey',
  'codeVerifier',
  'code_verifier',
  'authorization',
  'cookie',
]);

/**
 * pino paths are exact, with `*` for one level, so each key is censored at the top level, one
 * level down anywhere (`details.password`, `body.token`), and two and three levels down inside
 * `err` (`err.details.password`, `err.details.user.password`). Deeper values are not.
 *
 * A general `*.*.<key>` is left out on purpose: pino then walks every pair of levels of every
 * line, which more than doubled the cost of a request line (about 27 µs to 62 µs for these
 * keys), while `err.*…` paths cost nothing on lines without an error.
 */
function pathsForKey(key: string): string[] {
  return [key, `*.${key}`, `err.*.${key}`, `err.*.*.${key}`];
}

/** Every path censored by default: {@link REDACTED_HEADER_PATHS} and the {@link SECRET_KEYS} paths. */
export const DEFAULT_REDACT_PATHS: readonly string[] = Object.freeze([...REDACTED_HEADER_PATHS, ...SECRET_KEYS.flatMap(pathsForKey)]);

/**
 * The part of {@link DEFAULT_REDACT_PATHS} that the logger leaves to pino's `redact`: the exact
 * top-level keys (which also covers a child logger's bindings) and the `err` paths, applied to the
 * serialized error. pino's redaction (@pinojs/redact 0.4) walks every key of every line for a
 * `*.<key>` path: with the 22 keys that cost 40–350 µs a line (docs/performance.md), the largest
 * single cost of a request. The `*.<key>` level is done by {@link censorOneLevelDown} instead, a
 * set lookup per key; request and response headers never reach a line (the serializers pick
 * fields).
 */
export const PINO_REDACT_PATHS: readonly string[] = Object.freeze(
  SECRET_KEYS.flatMap((key) => [key, `err.${key}`, `err.*.${key}`, `err.*.*.${key}`]),
);

const SECRET_KEY_SET: ReadonlySet<string> = new Set(SECRET_KEYS);

/** Keys whose values pino serializers turn into fields chosen by hand (`req`, `res`) or redacts by path (`err`). */
const SERIALIZED_KEYS: ReadonlySet<string> = new Set(['req', 'res', 'err']);

/**
 * The `*.<key>` paths of {@link DEFAULT_REDACT_PATHS}, as pino's `formatters.log` (and for child
 * bindings): a value one level down under a {@link SECRET_KEYS} name becomes {@link REDACTED}.
 * Copy on write: the caller's objects are never changed, and an object with nothing to censor is
 * returned as it is. Written by hand because pino's own redaction costs more than the rest of the
 * request; the semantics are the path list's, checked by the same tests.
 */
export function censorOneLevelDown<T extends Record<string, unknown>>(object: T): T {
  let result: Record<string, unknown> | undefined;
  for (const key in object) {
    if (!Object.hasOwn(object, key) || SERIALIZED_KEYS.has(key)) continue;
    const value = object[key];
    if (typeof value !== 'object' || value === null) continue;
    let censored: Record<string, unknown> | undefined;
    for (const inner in value) {
      if (SECRET_KEY_SET.has(inner) && Object.hasOwn(value, inner)) {
        censored ??= Array.isArray(value) ? ([...value] as unknown as Record<string, unknown>) : { ...(value as Record<string, unknown>) };
        censored[inner] = REDACTED;
      }
    }
    if (censored) {
      result ??= { ...object };
      result[key] = censored;
    }
  }
  return (result ?? object) as T;
}

const nowhere = { write: (): void => undefined };

/**
 * The default paths plus the app's own, each checked by pino's path parser so that a typo stops
 * start-up (naming `redactPaths[i]`) instead of silently censoring nothing.
 */
export function redactPathsWith(extra: readonly unknown[] | undefined): string[] {
  const paths = [...DEFAULT_REDACT_PATHS];
  (extra ?? []).forEach((path, i) => {
    if (typeof path !== 'string' || path.trim() === '') throw optionsError(`redactPaths[${i}]`, 'must be a non-empty string');
    try {
      pino({ redact: [path] }, nowhere);
    } catch (error) {
      throw optionsError(`redactPaths[${i}]`, `is not a valid pino redaction path (${error instanceof Error ? error.message : String(error)})`);
    }
    if (!paths.includes(path)) paths.push(path);
  });
  return paths;
}
