import { BlockList, isIPv6 } from 'node:net';
import type { AnyAbility } from '@casl/ability';
import { createPrismaAbility } from '@casl/prisma/runtime';
import { AuthzError } from './errors.js';
import { interpolateRules } from './policy-validator.js';
import type { AuthzPrincipal, PolicyRule, PolicySchema, PolicySet } from './policy.types.js';

/** A restriction that applies when the client is outside some networks. */
export interface NetworkRestriction {
  /** CIDRs (or addresses) inside which the restriction does not apply. */
  allowedCidrs: string[];
  /** Inverted rules added for clients outside them, e.g. `{ action: 'update', subject: 'Policy', inverted: true, reason }`. */
  rules: PolicyRule[];
}

/** What a scope grants: the (action, subject) pairs a credential with it may use. */
export type ScopeGrants = Record<string, { action: string; subject: string }[]>;

/** The ability type of this lib: string actions and subjects, Prisma-style conditions. */
export type AppAbility = AnyAbility;

function toBlockList(cidrs: string[], where: string): BlockList {
  const list = new BlockList();
  for (const entry of cidrs) {
    const [address = '', prefix] = entry.trim().split('/');
    const type = isIPv6(address) ? 'ipv6' : 'ipv4';
    if (prefix !== undefined && !/^\d{1,3}$/.test(prefix)) throw new AuthzError('ERR_AUTHZ_OPTIONS', `${where}: "${entry}" has no valid prefix length`);
    try {
      if (prefix === undefined) list.addAddress(address, type);
      else list.addSubnet(address, Number(prefix), type);
    } catch {
      throw new AuthzError('ERR_AUTHZ_OPTIONS', `${where}: "${entry}" is not an address or CIDR`);
    }
  }
  return list;
}

function inside(list: BlockList, address: string | undefined): boolean {
  if (!address) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const a = mapped ?? address;
  return list.check(a, isIPv6(a) ? 'ipv6' : 'ipv4');
}

/**
 * Builds CASL abilities from the current policy set: the role's rules with
 * the principal's attributes filled in (RBAC + ABAC), narrowed by the
 * credential's scopes (claims) and by network restrictions. Abilities are
 * cached per (policy version, role, attributes, scopes, network), so a
 * request costs a map lookup, not a rebuild.
 */
export class AbilityFactory {
  private readonly cache = new Map<string, AppAbility>();
  private readonly restrictions: { list: BlockList; rules: PolicyRule[] }[];
  private readonly domain: { action: string; subject: string }[];

  constructor(
    private readonly scopeGrants: ScopeGrants = {},
    networkRestrictions: NetworkRestriction[] = [],
    schema?: PolicySchema,
    private readonly maxCached = 1000,
  ) {
    this.restrictions = networkRestrictions.map((r, i) => ({ list: toBlockList(r.allowedCidrs, `networkRestrictions[${i}]`), rules: r.rules }));
    // A credential with scopes may do only what some scope grants: every
    // concrete action on every subject of the schema (not just the pairs the
    // grant table happens to name) is otherwise forbidden.
    const pairs = new Map<string, { action: string; subject: string }>();
    for (const grants of Object.values(scopeGrants)) for (const g of grants) pairs.set(`${g.action}|${g.subject}`, g);
    for (const action of schema?.actions ?? []) {
      if (action === 'manage') continue;
      for (const subject of Object.keys(schema?.subjects ?? {})) pairs.set(`${action}|${subject}`, { action, subject });
    }
    this.domain = [...pairs.values()];
  }

  abilityFor(policies: PolicySet, principal: AuthzPrincipal): AppAbility {
    const outside = this.restrictions.map((r) => !inside(r.list, principal.address));
    const key = JSON.stringify([policies.version, principal.role, principal.id, principal.attributes, principal.scopes ?? null, outside]);
    const cached = this.cache.get(key);
    if (cached) return cached;
    const ability = createPrismaAbility(this.rulesFor(policies, principal, outside) as never) as AppAbility;
    if (this.cache.size >= this.maxCached) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, ability);
    return ability;
  }

  /** The plain rules an ability is built from (for explain and tests). */
  rulesFor(policies: PolicySet, principal: AuthzPrincipal, outside = this.restrictions.map((r) => !inside(r.list, principal.address))): PolicyRule[] {
    const values = { ...principal.attributes, id: principal.id, role: principal.role };
    const own = Object.hasOwn(policies.roles, principal.role) ? (policies.roles[principal.role] ?? []) : [];
    const rules = [...interpolateRules(own, values)];
    if (principal.scopes) {
      // Claims narrow what the role allows: every pair no scope grants is
      // forbidden, whatever the role says (inverted rules come last and win).
      const granted = new Set(principal.scopes.flatMap((s) => (this.scopeGrants[s] ?? []).map((g) => `${g.action}|${g.subject}`)));
      for (const pair of this.domain) {
        if (!granted.has(`${pair.action}|${pair.subject}`)) {
          rules.push({ ...pair, inverted: true, reason: `The credential's scopes do not allow ${pair.action} on ${pair.subject}` });
        }
      }
    }
    this.restrictions.forEach((r, i) => {
      if (outside[i]) rules.push(...r.rules.map((rule) => ({ ...rule, inverted: true })));
    });
    return rules;
  }

  /** Forgets every cached ability (after a policy change). */
  clear(): void {
    this.cache.clear();
  }
}
