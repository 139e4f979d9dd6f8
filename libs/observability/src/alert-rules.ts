import { optionsError } from './errors.js';
import type { AlertRule } from './alert.types.js';

/** Most events a rule may need before firing: each key keeps at most this many timestamps. */
export const MAX_ALERT_THRESHOLD = 1000;

const RULE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const RULE_KEYS = new Set(['name', 'event', 'threshold', 'windowMs', 'key']);

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/**
 * Checks alert rules, naming the wrong one as `<at>[i].<field>`. Unknown fields are refused, so
 * that a typo such as `window` cannot leave a rule without its window.
 *
 * @throws {ObservabilityError} `ERR_OBSERVABILITY_OPTIONS`.
 */
export function validateAlertRules(rules: unknown, at = 'rules'): AlertRule[] {
  if (!Array.isArray(rules)) throw optionsError(at, 'must be an array of alert rules');
  const names = new Set<string>();
  return rules.map((rule: Partial<AlertRule>, i): AlertRule => {
    const where = `${at}[${i}]`;
    if (typeof rule !== 'object' || rule === null) throw optionsError(where, 'must be an object');
    for (const key of Object.keys(rule)) if (!RULE_KEYS.has(key)) throw optionsError(`${where}.${key}`, 'is not a known field');
    if (typeof rule.name !== 'string' || !RULE_NAME.test(rule.name)) {
      throw optionsError(`${where}.name`, 'must be 1-64 letters, digits, "_", "." or "-", starting with a letter or digit');
    }
    if (names.has(rule.name)) throw optionsError(`${where}.name`, `repeats "${rule.name}"; names must be unique`);
    names.add(rule.name);
    if (typeof rule.event !== 'string' || rule.event === '') throw optionsError(`${where}.event`, 'must be a non-empty string');
    if (!isPositiveInteger(rule.threshold) || rule.threshold > MAX_ALERT_THRESHOLD) {
      throw optionsError(`${where}.threshold`, `must be an integer from 1 to ${MAX_ALERT_THRESHOLD}`);
    }
    if (!isPositiveInteger(rule.windowMs)) throw optionsError(`${where}.windowMs`, 'must be a positive integer (milliseconds)');
    if (rule.key !== undefined && typeof rule.key !== 'function') throw optionsError(`${where}.key`, 'must be a function');
    return Object.freeze({ ...rule }) as AlertRule;
  });
}
