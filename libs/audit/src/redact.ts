import { storableText, truncateText } from './text.js';

/** A JSON value as `details` holds it after {@link redactDetails}. */
export type AuditJson = null | boolean | number | string | AuditJson[] | { [key: string]: AuditJson };

/** The `details` of an event: a JSON object without secrets. */
export type AuditDetails = { [key: string]: AuditJson };

/** What replaces the value of a secret-looking key. */
export const REDACTED = '[REDACTED]';

/** What replaces an object or array nested too deep. */
export const TRUNCATED = '[TRUNCATED]';

/** Bounds that {@link redactDetails} applies. */
export const DETAILS_LIMITS = Object.freeze({
  /** Nesting levels kept, `details` itself being level 1; deeper objects and arrays become {@link TRUNCATED}. */
  maxDepth: 5,
  /** Characters of JSON kept, about 4 kB; entries past it are left out and `_truncated: true` is added. */
  maxJsonLength: 4096,
  /** Characters kept of a string; a longer one is cut and ends with `…[TRUNCATED]`. */
  maxStringLength: 512,
});

/**
 * Keys whose values are never stored (OWASP ASVS 5.0 V16.2.5: logs hold no credentials or session tokens). A deny
 * list cannot be complete: put only what an investigator needs in `details`, never whole request bodies or headers.
 */
export const SECRET_KEY = /pass(word)?|secret|token|authorization|cookie|api[-_]?key|private|credential/i;

// Values that are credentials whatever key holds them: an Authorization header value and a JWT.
const SECRET_VALUES = [/^(?:bearer|basic)\s+\S/i, /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]*$/];
const STRING_MARKER = '…' + TRUNCATED;
const TRUNCATED_KEY = '_truncated';
// Reserved up front so that the marker always fits, which makes the function idempotent (a second pass changes nothing).
const MARKER_COST = JSON.stringify(TRUNCATED_KEY).length + ':true,'.length;

interface Budget {
  left: number;
  truncated: boolean;
}

/**
 * Returns a copy of `details` that is safe and cheap to store:
 * - the value of every key matching {@link SECRET_KEY}, at any depth, becomes {@link REDACTED}, and so does a string
 *   that looks like a bearer token, basic credentials or a JWT;
 * - strings are cut at 512 characters, objects and arrays nested deeper than 5 levels become {@link TRUNCATED}, and
 *   entries past about 4 kB of JSON are left out, with `_truncated: true` added;
 * - the result is plain JSON that reads back from `jsonb` unchanged: `NaN` and `Infinity` become `null`, a `Date` its
 *   ISO string, a `bigint` its decimal string, bytes `"[BINARY]"`, an `Error` `{ name, message }`; `undefined`,
 *   functions and symbols are left out; NUL characters are removed.
 *
 * Never throws: an object whose getters throw gives `{ _unreadable: true }`. Work is bounded by the limits, not by the
 * size of the input.
 *
 * @example
 * redactDetails({ user: 'ann', password: 'hunter2', headers: { Authorization: 'Bearer x' } })
 * // { user: 'ann', password: '[REDACTED]', headers: { Authorization: '[REDACTED]' } }
 */
export function redactDetails(details: unknown): AuditDetails {
  if (details === undefined || details === null) return {};
  const budget: Budget = { left: DETAILS_LIMITS.maxJsonLength - 2 - MARKER_COST, truncated: false };
  try {
    // Anything but a plain object is kept under `value`, so that `details` is always an object.
    const object = isPlainObject(details) ? details : { value: details };
    const out = walkObject(object, 1, budget);
    if (budget.truncated) out[TRUNCATED_KEY] = true;
    return out;
  } catch {
    return { _unreadable: true };
  }
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

function isPlainObject(value: unknown): value is object {
  if (!isObject(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function walk(value: unknown, depth: number, budget: Budget): AuditJson | undefined {
  switch (typeof value) {
    case 'string': {
      if (SECRET_VALUES.some((re) => re.test(value))) return REDACTED;
      return storableText(truncateText(value, DETAILS_LIMITS.maxStringLength, STRING_MARKER));
    }
    case 'number':
      // -0 becomes 0; NaN and ±Infinity are not JSON.
      return Number.isFinite(value) ? value + 0 : null;
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null) return null;
  if (value instanceof Date) return Number.isFinite(value.getTime()) ? value.toISOString() : null;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return '[BINARY]';
  if (depth > DETAILS_LIMITS.maxDepth) return TRUNCATED;
  if (value instanceof Error) return walkObject({ name: value.name, message: value.message }, depth, budget);
  return Array.isArray(value) ? walkArray(value, depth, budget) : walkObject(value, depth, budget);
}

function walkArray(items: readonly unknown[], depth: number, budget: Budget): AuditJson[] {
  const out: AuditJson[] = [];
  for (const item of items) {
    if (budget.truncated) break;
    const value = entry(item, depth + 1, 1, budget);
    if (value === undefined) break;
    out.push(value);
  }
  return out;
}

function walkObject(object: object, depth: number, budget: Budget): AuditDetails {
  const entries: [string, AuditJson][] = [];
  for (const rawKey in object) {
    if (!Object.hasOwn(object, rawKey)) continue;
    if (budget.truncated) break;
    const key = storableText(rawKey);
    const raw: unknown = (object as Record<string, unknown>)[rawKey];
    if (raw === undefined || typeof raw === 'function' || typeof raw === 'symbol') continue;
    const keyCost = JSON.stringify(key).length + 1;
    const value = SECRET_KEY.test(key) ? entry(REDACTED, depth + 1, keyCost, budget) : entry(raw, depth + 1, keyCost, budget);
    if (value === undefined) break;
    entries.push([key, value]);
  }
  // fromEntries defines own properties, so a "__proto__" key stays data and never becomes the prototype.
  return Object.fromEntries(entries);
}

/**
 * Charges one element (its key, if any, its value and a comma) to the budget and returns the value, or undefined
 * when it does not fit; the budget is then spent and everything after it is left out.
 */
function entry(raw: unknown, depth: number, keyCost: number, budget: Budget): AuditJson | undefined {
  const isContainer = isObject(raw) && !(raw instanceof Date) && !ArrayBuffer.isView(raw) && !(raw instanceof ArrayBuffer) && depth <= DETAILS_LIMITS.maxDepth;
  if (isContainer) {
    // Brackets and comma now; the children charge themselves.
    const cost = keyCost + 3;
    if (cost > budget.left) return spent(budget);
    budget.left -= cost;
    return walk(raw, depth, budget) ?? null;
  }
  const value = walk(raw, depth, budget) ?? null;
  const cost = keyCost + JSON.stringify(value).length + 1;
  if (cost > budget.left) return spent(budget);
  budget.left -= cost;
  return value;
}

function spent(budget: Budget): undefined {
  budget.truncated = true;
  return undefined;
}
