import { AbilityFactory } from './ability.factory.js';
import { interpolateRules, validatePolicyRules } from './policy-validator.js';
import type { PolicySchema, PolicySet } from './policy.types.js';

const schema: PolicySchema = {
  actions: ['manage', 'read', 'update'],
  subjects: { Doc: ['id', 'tenantId', 'ownerId', 'title'], Note: ['id', 'text'] },
  attributes: ['id', 'tenantId'],
};

describe('policy rules as data', () => {
  it('refuses a condition on a field one of several subjects lacks', () => {
    expect(() => validatePolicyRules([{ action: 'read', subject: ['Doc', 'Note'], conditions: { ownerId: 'x' } }], schema)).toThrow(/unknown field/);
    expect(() => validatePolicyRules([{ action: 'read', subject: ['Doc', 'Note'], conditions: { id: 'x' } }], schema)).not.toThrow();
  });

  it('refuses an empty condition object', () => {
    expect(() => validatePolicyRules([{ action: 'read', subject: 'Doc', conditions: {} }], schema)).toThrow(/at least one field/);
  });

  it('fills placeholders as data and never with inherited or non-string values', () => {
    const rules = [{ action: 'read', subject: 'Doc', conditions: { tenantId: '${user.tenantId}' } }];
    expect(interpolateRules(rules, { tenantId: 't1' })).toEqual([{ action: 'read', subject: 'Doc', conditions: { tenantId: 't1' } }]);
    // Missing: an allow rule grants nothing.
    expect(interpolateRules(rules, {})).toEqual([]);
    expect(interpolateRules([{ action: 'read', subject: 'Doc', conditions: { tenantId: '${user.constructor}' } }], {})).toEqual([]);
    // Missing, inverted: forbids without condition.
    expect(interpolateRules([{ ...rules[0]!, inverted: true }], {})).toEqual([{ action: 'read', subject: 'Doc', inverted: true }]);
    expect(interpolateRules(rules, { tenantId: { not: 'x' } as unknown as string })).toEqual([]);
  });

  it('scopes forbid every pair no scope grants, not only the pairs the grant table names', () => {
    const factory = new AbilityFactory({ 'docs:read': [{ action: 'read', subject: 'Doc' }] }, [], schema);
    const policies: PolicySet = { version: 1, roles: { admin: [{ action: 'manage', subject: ['Doc', 'Note'] }] } };
    const full = factory.abilityFor(policies, { id: 'u', role: 'admin', attributes: {} });
    const key = factory.abilityFor(policies, { id: 'u', role: 'admin', attributes: {}, scopes: ['docs:read'] });
    expect(full.can('update', 'Note')).toBe(true);
    expect(key.can('read', 'Doc')).toBe(true);
    expect(key.can('update', 'Doc')).toBe(false);
    expect(key.can('update', 'Note')).toBe(false);
    expect(key.can('read', 'Note')).toBe(false);
  });

  it('refuses a CIDR with an empty prefix instead of reading it as /0', () => {
    expect(() => new AbilityFactory({}, [{ allowedCidrs: ['10.0.0.1/'], rules: [] }])).toThrow(/prefix/);
  });
});
