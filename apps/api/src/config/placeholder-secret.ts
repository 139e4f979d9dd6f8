/**
 * Values that are obviously not a real secret: words from templates and
 * examples, angle-bracket slots, one character repeated. A production
 * config with one of them is refused (ASVS v5 13.3.1: secrets are created
 * and held by a secrets manager, never left at a template's value).
 */
const PLACEHOLDER_PATTERNS: RegExp[] = [
  /change[-_ ]?(it|me|this)/i,
  /replace[-_ ]?(it|me|this)/i,
  /placeholder/i,
  /^<.*>$/,
  /^\$\{.*\}$/,
  /^(x+|0+|1234\d*|todo|tbd|fixme|secret|password|passw0rd|token|dummy|example|sample|test|demo|default|bastion|admin|root)$/i,
  /^(.)\1+$/,
  /(your|my)[-_ ]?(secret|token|key|password)/i,
];

/** Whether `value` looks like a template's stand-in rather than a generated secret. */
export function isPlaceholderSecret(value: string): boolean {
  const v = value.trim();
  return v === '' || PLACEHOLDER_PATTERNS.some((p) => p.test(v));
}
