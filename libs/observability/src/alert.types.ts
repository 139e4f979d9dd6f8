/** Something that happened, reported to {@link AlertEngine.observe}. */
export interface AlertEvent {
  /** What happened, e.g. `auth.login_failed`, `authz.denied`, `auth.refresh_token_reused`. Rules match it exactly. */
  type: string;
  /** Who or what it happened to (an account, a principal, a token family): counted apart per key. */
  key?: string;
  /** When, in ms since the epoch. Default: the engine's clock. */
  at?: number;
  /** Context passed to the sinks with the alert. Keep secrets out: the webhook sends it as is. */
  details?: Readonly<Record<string, unknown>>;
}

/**
 * Fires when `threshold` events of type `event` with the same key arrive within `windowMs`.
 *
 * @example
 * { name: 'login-bruteforce', event: 'auth.login_failed', threshold: 10, windowMs: 5 * 60_000 }
 * { name: 'authz-denials', event: 'authz.denied', threshold: 50, windowMs: 60_000 }
 * { name: 'refresh-token-reuse', event: 'auth.refresh_token_reused', threshold: 1, windowMs: 60_000 }
 */
export interface AlertRule {
  /** Names the alert in sinks and in the `alerts_fired_total` metric. Letters, digits, `_`, `.`, `-`; at most 64. */
  name: string;
  /** The event `type` this rule counts. */
  event: string;
  /** How many events within the window make an alert; a positive integer, at most 1000. */
  threshold: number;
  /** The sliding window, in ms; a positive integer. After firing, the rule is quiet for that key for one window. */
  windowMs: number;
  /** What to count by. Default: `event.key`. Events without a key share the key `*`. */
  key?: (event: AlertEvent) => string | undefined;
}

/** What a sink receives when a rule fires. This is also the webhook's JSON body. */
export interface Alert {
  /** The rule's name. */
  alert: string;
  /** The key the events were counted under (`*` when they had none). */
  key: string;
  /** Events within the window when the rule fired (the threshold). */
  count: number;
  windowMs: number;
  /** When the first and the last counted event happened, ISO 8601. */
  firstAt: string;
  lastAt: string;
  /** The `details` of the event that made the rule fire. */
  details?: Readonly<Record<string, unknown>>;
}

/**
 * Where alerts go. `send` must return quickly (queue the work): it runs inside
 * {@link AlertEngine.observe}, on the caller's request path.
 */
export interface AlertSink {
  send(alert: Alert): void | Promise<void>;
  /** Stops delivery at shutdown. */
  close?(): void | Promise<void>;
}
