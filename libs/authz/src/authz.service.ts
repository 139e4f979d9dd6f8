import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { subject as asSubject } from '@casl/ability';
import { permittedFieldsOf } from '@casl/ability/extra';
import { accessibleBy } from '@casl/prisma/runtime';
import { AbilityFactory, type AppAbility } from './ability.factory.js';
import { AUTHZ_MODULE_OPTIONS, type AuthzModuleOptions } from './authz.module-definition.js';
import { AUTHZ_DENIAL_SINK, type AuthzDenialSink } from './denial-sink.js';
import { AuthzDeniedException, AuthzError, AuthzUnavailableException } from './errors.js';
import { MemoryPolicyChangeBus, type PolicyChangeBus } from './policy-source.js';
import { PolicyState } from './policy-state.js';
import type { AuthzPrincipal, PolicyRule, PolicySet } from './policy.types.js';

/** The answer of {@link AuthzService.explain}. */
export interface Explanation {
  allowed: boolean;
  reason: string;
  /** The rule that decided, or null when none applies (denied by default). */
  rule: PolicyRule | null;
}

const NO_POLICIES: PolicySet = Object.freeze({ version: -1, roles: Object.freeze({}) });

function checkMs(options: AuthzModuleOptions, name: 'pollIntervalMs' | 'retryIntervalMs' | 'loadWaitMs' | 'retryAfterSeconds', min: number): void {
  const value = options[name];
  if (value !== undefined && (!Number.isSafeInteger(value) || value < min)) {
    throw new AuthzError('ERR_AUTHZ_OPTIONS', `authz option "${name}" must be an integer of at least ${min}, got ${String(value)}`);
  }
}

/**
 * The current policies and the abilities built from them. Reloads when the
 * bus says the policies changed (every instance within about a second), and
 * every `pollIntervalMs` as a safety net. Until a first load succeeds no
 * decision is made: the guard answers 503 `ERR_AUTHZ_UNAVAILABLE` (never an
 * allow, never a recorded denial), a request that finds no policies starts a
 * load attempt, and {@link checkReady} keeps readiness down.
 */
@Injectable()
export class AuthzService implements OnModuleInit, OnModuleDestroy {
  private readonly state: PolicyState;
  private readonly factory: AbilityFactory;
  private readonly bus: PolicyChangeBus;
  private stop?: () => Promise<void>;
  private readonly logger = new Logger('Authz');
  private warnedAt = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(AUTHZ_MODULE_OPTIONS) private readonly options: AuthzModuleOptions,
    @Inject(AUTHZ_DENIAL_SINK) private readonly denials: AuthzDenialSink,
  ) {
    checkMs(options, 'pollIntervalMs', 0);
    checkMs(options, 'retryIntervalMs', 0);
    checkMs(options, 'loadWaitMs', 0);
    checkMs(options, 'retryAfterSeconds', 1);
    this.factory = new AbilityFactory(options.scopeGrants, options.networkRestrictions, options.schema);
    this.bus = options.bus ?? new MemoryPolicyChangeBus();
    this.state = new PolicyState(() => options.store.load(), { retryIntervalMs: options.retryIntervalMs });
  }

  async onModuleInit(): Promise<void> {
    // The app starts even when the store or the bus is away: until the
    // policies load, nothing is decided (503, fail closed), requests and
    // readiness probes start load attempts, and polling keeps trying.
    await this.reload().catch((error: unknown) => this.warn('policies not loaded yet', error));
    this.stop = await this.bus
      .subscribe((version) => {
        if (version > this.current.version) void this.reload().catch((error: unknown) => this.warn('policy reload failed', error));
      })
      .catch((error: unknown) => {
        this.warn('policy change notifications unavailable; polling only', error);
        return undefined;
      });
    const every = this.options.pollIntervalMs ?? 5000;
    if (every > 0) {
      this.timer = setInterval(() => void this.reload().catch((error: unknown) => this.warn('policy reload failed', error)), every);
      this.timer.unref();
    }
  }

  private warn(what: string, error: unknown): void {
    const now = Date.now();
    if (now - this.warnedAt < 60_000) return;
    this.warnedAt = now;
    this.logger.warn(`${what}: ${error instanceof Error ? error.message : String(error)}`);
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.stop?.();
  }

  /** The policy set in force; version -1 and no rules while none has loaded. */
  get current(): PolicySet {
    return this.state.current ?? NO_POLICIES;
  }

  /** Whether policies have loaded, so that decisions can be made. */
  get loaded(): boolean {
    return this.state.loaded;
  }

  /**
   * Re-reads the store; keeps the newer of what it has and what it read
   * (only ever forward: a slow read that finishes after a newer one must not
   * bring back revoked permissions). Rejects when the store cannot be read;
   * the set in force, if any, stays.
   */
  async reload(): Promise<void> {
    const before = this.state.current;
    const after = await this.state.refresh();
    if (after !== before) this.factory.clear();
  }

  /** Call after storing a change: this instance reloads now, the others when the bus tells them. */
  async changed(): Promise<void> {
    await this.reload();
    await this.bus.publish(this.current.version);
  }

  /**
   * Resolves once policies are loaded. When none are, starts a load attempt
   * (or joins the one in flight; at most one per `retryIntervalMs`) and waits
   * for it up to `loadWaitMs`; then throws {@link AuthzUnavailableException}
   * (503 with `Retry-After`). Call before any decision; the guard does.
   */
  async requirePolicies(): Promise<void> {
    if (this.state.loaded) return;
    const wait = this.options.loadWaitMs ?? 500;
    let timer: NodeJS.Timeout | undefined;
    const policies = await Promise.race([
      this.state.ensure(),
      new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), wait);
      }),
    ]).finally(() => clearTimeout(timer));
    if (policies) return;
    if (this.state.lastFailure !== undefined) this.warn('policies not loaded yet', this.state.lastFailure);
    throw new AuthzUnavailableException(this.options.retryAfterSeconds ?? 1);
  }

  /**
   * A readiness check: resolves when policies are loaded, otherwise tries to
   * load them (as {@link requirePolicies}) and rejects while they are not.
   * An instance without policies can only refuse, so it is not ready.
   *
   * @example HealthModule.forRootAsync({ inject: [AuthzService], useFactory: (authz) => ({ checks: { policies: () => authz.checkReady() } }) })
   */
  async checkReady(): Promise<void> {
    await this.requirePolicies();
  }

  principalOf(request: unknown): Promise<AuthzPrincipal | null> {
    return this.options.principalOf(request);
  }

  /** The principal's ability under the policies in force; throws {@link AuthzUnavailableException} while none are loaded. */
  abilityFor(principal: AuthzPrincipal): AppAbility {
    const policies = this.state.current;
    // No policies is "cannot decide", not "deny": the caller must not record a denial.
    if (!policies) throw new AuthzUnavailableException(this.options.retryAfterSeconds ?? 1);
    return this.factory.abilityFor(policies, principal);
  }

  /** Throws 403 (and records the denial) unless `ability` allows `action` on the subject (and field). */
  assert(principal: AuthzPrincipal, ability: AppAbility, action: string, subjectType: string, object?: Record<string, unknown>, field?: string): void {
    const target = object ? asSubject(subjectType, { ...object }) : subjectType;
    if (ability.can(action, target, field)) return;
    const reason = ability.relevantRuleFor(action, target, field)?.reason ?? `You are not allowed to ${action} this ${subjectType}`;
    this.denials.record({
      principalId: principal.id,
      role: principal.role,
      action: field ? `${action}:${field}` : action,
      subject: subjectType,
      subjectId: typeof object?.id === 'string' ? object.id : undefined,
      reason,
      at: new Date(),
      requestId: principal.requestId,
      address: principal.address,
      attributes: principal.attributes,
    });
    throw new AuthzDeniedException(reason);
  }

  /** Why `ability` allows or refuses `action` on the subject: the deciding rule, as the guard would decide. */
  explain(ability: AppAbility, action: string, subjectType: string, object?: Record<string, unknown>): Explanation {
    const target = object ? asSubject(subjectType, { ...object }) : subjectType;
    const allowed = ability.can(action, target);
    const rule = ability.relevantRuleFor(action, target);
    const raw = rule ? ((rule as unknown as { origin?: PolicyRule }).origin ?? null) : null;
    return {
      allowed,
      reason: rule?.reason ?? (allowed ? `Allowed by the ${subjectType} rule for ${action}` : `No rule allows ${action} on ${subjectType} (denied by default)`),
      rule: raw,
    };
  }

  /** A Prisma `where` that selects exactly what `ability` may `action` (CASL's accessibleBy). */
  accessibleWhere(ability: AppAbility, action: string, subjectType: string): Record<string, unknown> {
    // Nothing allowed: refuse, rather than hand Prisma an `{ OR: [] }` that,
    // nested in an AND, matches every row (prisma issue 17367).
    if (!ability.can(action, subjectType)) throw new AuthzDeniedException(`You are not allowed to ${action} ${subjectType}`);
    // CASL's types want the app's Prisma client; this lib stays independent of it.
    const by = accessibleBy as unknown as (a: AppAbility, action: string) => { ofType(s: string): Record<string, unknown> };
    const where = by(ability, action).ofType(subjectType);
    if (Array.isArray(where.OR) && where.OR.length === 0) throw new AuthzDeniedException(`You are not allowed to ${action} ${subjectType}`);
    return where;
  }

  /** The fields of `object` that `ability` allows for `action`, out of `all`. */
  permittedFields(ability: AppAbility, action: string, subjectType: string, object: Record<string, unknown>, all: string[]): string[] {
    const fieldsOf = permittedFieldsOf as unknown as (
      a: AppAbility,
      action: string,
      s: unknown,
      o: { fieldsFrom: (r: { fields?: string[] }) => string[] },
    ) => string[];
    return fieldsOf(ability, action, asSubject(subjectType, { ...object }), { fieldsFrom: (r) => r.fields ?? all });
  }
}
