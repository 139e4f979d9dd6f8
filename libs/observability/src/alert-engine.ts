import { Logger, type OnModuleDestroy } from '@nestjs/common';
import { type Clock, systemClock } from './clock.js';
import { optionsError } from './errors.js';
import type { Alert, AlertEvent, AlertRule, AlertSink } from './alert.types.js';
import { validateAlertRules } from './alert-rules.js';

/** Options of {@link AlertEngine}. */
export interface AlertEngineOptions {
  rules: AlertRule[];
  /** Where fired alerts go. Default: none (the module adds a {@link LogAlertSink}). */
  sinks?: AlertSink[];
  /** Default: the wall clock. */
  clock?: Clock;
  /**
   * Keys tracked per rule; past it the least recently seen key is forgotten. Bounds memory when
   * keys come from the client (account names in failed logins). Default 10 000.
   */
  maxKeysPerRule?: number;
}

interface KeyState {
  /** Event times within the window, oldest first; never more than the rule's threshold. */
  stamps: number[];
  firedAt?: number;
}

const MAX_KEY_LENGTH = 256;
// How many observations between two sweeps of keys whose window has passed.
const SWEEP_EVERY = 1024;

/**
 * Evaluates alert rules in process, over a sliding window per rule and key. When a key's count
 * reaches the rule's threshold within the window, the rule fires once for that key and is then
 * quiet for that key for one window. Memory is bounded: a key keeps at most `threshold`
 * timestamps, a rule at most `maxKeysPerRule` keys, and idle keys are swept.
 *
 * One engine sees only its own process: with several instances, each counts its share (a
 * brute force spread over N instances needs N× the events to fire).
 *
 * @example
 * const engine = new AlertEngine({
 *   rules: [{ name: 'login-bruteforce', event: 'auth.login_failed', threshold: 10, windowMs: 300_000 }],
 *   sinks: [new LogAlertSink(), new WebhookAlertSink('https://alerts.example.com/hook')],
 * });
 * engine.observe({ type: 'auth.login_failed', key: email, details: { ip } });
 */
export class AlertEngine implements OnModuleDestroy {
  private readonly logger = new Logger('Alerts');
  private readonly byEvent = new Map<string, AlertRule[]>();
  private readonly state = new Map<AlertRule, Map<string, KeyState>>();
  private readonly sinks: AlertSink[];
  private readonly clock: Clock;
  private readonly maxKeysPerRule: number;
  private observed = 0;
  private closed = false;

  constructor(options: AlertEngineOptions) {
    const rules = validateAlertRules(options.rules);
    const sinks = options.sinks ?? [];
    if (!Array.isArray(sinks)) throw optionsError('sinks', 'must be an array of alert sinks');
    sinks.forEach((sink, i) => {
      if (typeof (sink as Partial<AlertSink> | null)?.send !== 'function') throw optionsError(`sinks[${i}]`, 'must have a send(alert) method');
    });
    const maxKeys = options.maxKeysPerRule ?? 10_000;
    if (!Number.isSafeInteger(maxKeys) || maxKeys < 1) throw optionsError('maxKeysPerRule', 'must be a positive integer');
    if (options.clock !== undefined && typeof options.clock?.now !== 'function') throw optionsError('clock', 'must have a now() method');
    this.sinks = [...sinks];
    this.clock = options.clock ?? systemClock;
    this.maxKeysPerRule = maxKeys;
    for (const rule of rules) {
      this.byEvent.set(rule.event, [...(this.byEvent.get(rule.event) ?? []), rule]);
      this.state.set(rule, new Map());
    }
  }

  /**
   * Counts one event against the rules for its type and delivers any alert it completes.
   * Synchronous and never throws: a malformed event is ignored, and a failing key function or
   * sink is logged, so that reporting an event cannot break the request that reports it.
   */
  observe(event: AlertEvent): void {
    if (this.closed || typeof event !== 'object' || event === null || typeof event.type !== 'string') return;
    const rules = this.byEvent.get(event.type);
    if (!rules) return;
    const at = typeof event.at === 'number' && Number.isFinite(event.at) ? event.at : this.clock.now();
    for (const rule of rules) {
      const key = this.keyOf(rule, event);
      if (key === undefined) continue;
      const alert = this.count(rule, key, at, event);
      if (alert) this.deliver(alert);
    }
    if (++this.observed % SWEEP_EVERY === 0) this.sweep(this.clock.now());
  }

  /** Keys currently tracked by a rule (for tests and a debug endpoint). */
  trackedKeys(ruleName: string): number {
    for (const [rule, keys] of this.state) if (rule.name === ruleName) return keys.size;
    return 0;
  }

  /** Forgets keys whose window has passed and that are not in their quiet period. */
  sweep(now = this.clock.now()): void {
    for (const [rule, keys] of this.state) {
      for (const [key, st] of keys) {
        const last = st.stamps[st.stamps.length - 1];
        const quietUntil = st.firedAt === undefined ? -Infinity : st.firedAt + rule.windowMs;
        if ((last === undefined || last <= now - rule.windowMs) && quietUntil <= now) keys.delete(key);
      }
    }
  }

  /** Stops counting and closes the sinks (the module calls it at shutdown). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.sinks.map(async (sink) => sink.close?.()));
  }

  onModuleDestroy(): Promise<void> {
    return this.close();
  }

  private keyOf(rule: AlertRule, event: AlertEvent): string | undefined {
    let key: unknown;
    try {
      key = rule.key ? rule.key(event) : event.key;
    } catch (error) {
      this.logger.error(`alert rule ${rule.name}: key function failed: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
    if (key === undefined || key === null || key === '') return '*';
    // A key can come from the client (an account name): bounded, so that one event cannot make a huge alert.
    return String(key).slice(0, MAX_KEY_LENGTH);
  }

  private count(rule: AlertRule, key: string, at: number, event: AlertEvent): Alert | undefined {
    const keys = this.state.get(rule) as Map<string, KeyState>;
    let st = keys.get(key);
    if (st) {
      // Re-inserted, so that the Map's order is least recently seen first.
      keys.delete(key);
    } else {
      st = { stamps: [] };
      if (keys.size >= this.maxKeysPerRule) {
        const oldest = keys.keys().next();
        if (!oldest.done) keys.delete(oldest.value);
      }
    }
    keys.set(key, st);

    const stamps = st.stamps;
    // Events arrive nearly in order; one reported late is put in its place.
    let i = stamps.length;
    while (i > 0 && (stamps[i - 1] as number) > at) i--;
    stamps.splice(i, 0, at);
    // The window ends at the newest event, so that a late one outside it is dropped at once.
    const newest = stamps[stamps.length - 1] as number;
    const windowStart = newest - rule.windowMs;
    while (stamps.length > 0 && (stamps[0] as number) <= windowStart) stamps.shift();
    // Only the last `threshold` events matter to the decision.
    while (stamps.length > rule.threshold) stamps.shift();

    if (stamps.length < rule.threshold) return undefined;
    if (st.firedAt !== undefined && newest - st.firedAt < rule.windowMs) return undefined;
    st.firedAt = newest;
    return {
      alert: rule.name,
      key,
      count: stamps.length,
      windowMs: rule.windowMs,
      firstAt: new Date(stamps[0] as number).toISOString(),
      lastAt: new Date(stamps[stamps.length - 1] as number).toISOString(),
      ...(event.details !== undefined ? { details: event.details } : {}),
    };
  }

  private deliver(alert: Alert): void {
    for (const sink of this.sinks) {
      try {
        const pending = sink.send(alert);
        if (pending && typeof (pending as Promise<void>).then === 'function') {
          (pending as Promise<void>).then(undefined, (error: unknown) => this.sinkFailed(sink, error));
        }
      } catch (error) {
        this.sinkFailed(sink, error);
      }
    }
  }

  private sinkFailed(sink: AlertSink, error: unknown): void {
    this.logger.error(`alert sink ${sink.constructor.name} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
