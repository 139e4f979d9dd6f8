// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Makes a string storable as it is, so that the hash computed before the write matches the one computed after a read:
 * PostgreSQL refuses NUL in `text` and `jsonb`, and a lone surrogate is turned into U+FFFD on the way to UTF-8.
 */
export function storableText(value: string): string {
  return value.replaceAll('\u0000', '').replace(LONE_SURROGATE, '\uFFFD');
}

/**
 * At most `max` UTF-16 code units (so at most `max` characters for a `varchar(max)`), ending with `marker` when cut.
 * Cutting may split a surrogate pair; {@link storableText}, applied after, repairs it.
 */
export function truncateText(value: string, max: number, marker = ''): string {
  return value.length <= max ? value : value.slice(0, max - marker.length) + marker;
}
