import { AuthzError } from './errors.js';
import type { PolicyRule, PolicySchema } from './policy.types.js';

/** Condition operators a stored rule may use (Prisma's, as @casl/prisma understands them). Nothing else: no `$where`, no functions. */
const OPERATORS = new Set(['equals', 'not', 'in', 'notIn', 'lt', 'lte', 'gt', 'gte']);
const RULE_KEYS = new Set(['action', 'subject', 'fields', 'conditions', 'inverted', 'reason']);
const PLACEHOLDER = /^\$\{user\.([A-Za-z]+)\}$/;

/** Limits that keep a policy cheap to store, build and evaluate. */
export const POLICY_LIMITS = { rules: 100, bytes: 16 * 1024, inValues: 50, stringLength: 200 } as const;

function invalid(where: string, why: string): never {
  throw new AuthzError('ERR_AUTHZ_POLICY_INVALID', `${where}: ${why}`);
}

function checkScalar(value: unknown, where: string, schema: PolicySchema): void {
  if (typeof value === 'string') {
    if (value.length > POLICY_LIMITS.stringLength) invalid(where, `is longer than ${POLICY_LIMITS.stringLength} characters`);
    if (value.includes('${')) {
      const m = PLACEHOLDER.exec(value);
      if (!m || !schema.attributes.includes(m[1] as string)) {
        invalid(where, `may only be a whole placeholder of ${schema.attributes.map((a) => '${user.' + a + '}').join(', ')}`);
      }
    }
    return;
  }
  if (typeof value === 'number' ? !Number.isFinite(value) : typeof value !== 'boolean' && value !== null) {
    invalid(where, 'must be a string, a finite number, a boolean or null');
  }
}

function checkCondition(field: string, value: unknown, where: string, schema: PolicySchema): void {
  if (value === null || typeof value !== 'object') return checkScalar(value, where, schema);
  if (Array.isArray(value)) invalid(where, 'an array needs an operator (in, notIn)');
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) invalid(where, 'an empty operator object');
  for (const [op, operand] of entries) {
    if (!OPERATORS.has(op)) invalid(`${where}.${op}`, `unknown operator (allowed: ${[...OPERATORS].join(', ')})`);
    if (op === 'in' || op === 'notIn') {
      if (!Array.isArray(operand) || operand.length > POLICY_LIMITS.inValues) invalid(`${where}.${op}`, `must be a list of at most ${POLICY_LIMITS.inValues} values`);
      operand.forEach((v, i) => checkScalar(v, `${where}.${op}[${i}]`, schema));
    } else {
      checkScalar(operand, `${where}.${op}`, schema);
    }
  }
  void field;
}

/**
 * Checks rules against the schema: known actions and subjects, known fields
 * (in `fields` and in conditions), the operator allowlist, placeholders of
 * known attributes only, and size bounds. Throws `ERR_AUTHZ_POLICY_INVALID`
 * saying where. Validate before storing, never trust stored data blindly.
 */
export function validatePolicyRules(rules: unknown, schema: PolicySchema): PolicyRule[] {
  if (!Array.isArray(rules)) invalid('rules', 'must be a list');
  if (rules.length > POLICY_LIMITS.rules) invalid('rules', `has more than ${POLICY_LIMITS.rules} rules`);
  if (Buffer.byteLength(JSON.stringify(rules)) > POLICY_LIMITS.bytes) invalid('rules', `is larger than ${POLICY_LIMITS.bytes} bytes`);
  return rules.map((raw: unknown, i): PolicyRule => {
    const where = `rules[${i}]`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) invalid(where, 'must be an object');
    const rule = raw as Record<string, unknown>;
    for (const key of Object.keys(rule)) if (!RULE_KEYS.has(key)) invalid(`${where}.${key}`, 'unknown property');
    const actions = [rule.action].flat();
    const subjects = [rule.subject].flat();
    if (actions.length === 0 || actions.some((a) => typeof a !== 'string' || !schema.actions.includes(a))) {
      invalid(`${where}.action`, `must be one of ${schema.actions.join(', ')}`);
    }
    if (subjects.length === 0 || subjects.some((s) => typeof s !== 'string' || !Object.hasOwn(schema.subjects, s))) {
      invalid(`${where}.subject`, `must be one of ${Object.keys(schema.subjects).join(', ')}`);
    }
    // Fields every named subject has: a condition must make sense for each of them.
    const fieldSets = subjects.map((s) => new Set(schema.subjects[s as string] ?? []));
    const known = new Set([...(fieldSets[0] ?? [])].filter((f) => fieldSets.every((set) => set.has(f))));
    if (rule.fields !== undefined) {
      if (!Array.isArray(rule.fields) || rule.fields.length === 0) invalid(`${where}.fields`, 'must be a non-empty list');
      rule.fields.forEach((f, j) => {
        if (typeof f !== 'string' || !known.has(f)) invalid(`${where}.fields[${j}]`, `unknown field for ${subjects.join(', ')}`);
      });
    }
    if (rule.conditions !== undefined) {
      if (rule.conditions === null || typeof rule.conditions !== 'object' || Array.isArray(rule.conditions)) invalid(`${where}.conditions`, 'must be an object');
      if (Object.keys(rule.conditions).length === 0) invalid(`${where}.conditions`, 'must name at least one field (leave it out for no condition)');
      for (const [field, value] of Object.entries(rule.conditions as Record<string, unknown>)) {
        if (!known.has(field)) invalid(`${where}.conditions.${field}`, `unknown field for ${subjects.join(', ')}`);
        checkCondition(field, value, `${where}.conditions.${field}`, schema);
      }
    }
    if (rule.inverted !== undefined && typeof rule.inverted !== 'boolean') invalid(`${where}.inverted`, 'must be true or false');
    if (rule.reason !== undefined && (typeof rule.reason !== 'string' || rule.reason.length > POLICY_LIMITS.stringLength)) {
      invalid(`${where}.reason`, `must be a string of at most ${POLICY_LIMITS.stringLength} characters`);
    }
    return rule as unknown as PolicyRule;
  });
}

const MISSING = Symbol('missing attribute');

/**
 * Fills `${user.<attr>}` placeholders with the principal's values, as data:
 * no template is ever evaluated, and only own string attributes are used.
 * A rule naming an attribute the principal lacks grants nothing (an allow
 * rule is dropped) and, inverted, forbids without condition.
 */
export function interpolateRules(rules: PolicyRule[], values: Record<string, string>): PolicyRule[] {
  let missing = false;
  const fill = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const m = PLACEHOLDER.exec(v);
      if (!m) return v;
      const name = m[1] as string;
      const value = Object.hasOwn(values, name) ? values[name] : undefined;
      if (typeof value !== 'string') {
        missing = true;
        return MISSING;
      }
      return value;
    }
    if (Array.isArray(v)) return v.map(fill);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]));
    return v;
  };
  return rules.flatMap((r): PolicyRule[] => {
    if (!r.conditions) return [r];
    missing = false;
    const conditions = fill(r.conditions) as Record<string, unknown>;
    if (!missing) return [{ ...r, conditions }];
    if (!r.inverted) return [];
    const { conditions: _c, ...unconditional } = r;
    return [unconditional];
  });
}
