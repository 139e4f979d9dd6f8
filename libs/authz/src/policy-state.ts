import type { PolicySet } from './policy.types.js';

/** Tuning of {@link PolicyState}. */
export interface PolicyStateOptions {
  /** The least time between two on-demand load attempts, in ms (an attempt in flight is always joined). Default 250. */
  retryIntervalMs?: number;
  /** The clock, in ms (injected so that specs do not sleep). Default `Date.now`. */
  now?: () => number;
}

/**
 * The policies of one instance and whether it has any: `unavailable` until a
 * first load succeeds, then `loaded` for good. A later load that fails keeps
 * the last good set (the store is away, the rules did not change), and a set
 * older than the one held is ignored, so that a slow read can never bring back
 * a revoked permission.
 *
 * Loads come from two sides. {@link refresh} always reads (start-up, the poll,
 * a change notification, after this instance stored a change: a read that
 * began before the change could miss it). {@link ensure} is what a request
 * calls when it finds no policies: it joins the attempt in flight, or starts
 * one at most every `retryIntervalMs`, so that a crowd of requests during an
 * outage costs the store one attempt at a time and the policies arrive within
 * about that interval of the store coming back, not at the next poll.
 */
export class PolicyState {
  private set: PolicySet | null = null;
  private inFlight: Promise<PolicySet> | null = null;
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private failure: unknown;
  private readonly retryIntervalMs: number;
  private readonly now: () => number;

  constructor(
    private readonly load: () => Promise<PolicySet>,
    options: PolicyStateOptions = {},
  ) {
    this.retryIntervalMs = options.retryIntervalMs ?? 250;
    this.now = options.now ?? Date.now;
  }

  /** The policy set in force, or `null` while none has loaded. */
  get current(): PolicySet | null {
    return this.set;
  }

  /** Whether some policy set has loaded (decisions are possible). */
  get loaded(): boolean {
    return this.set !== null;
  }

  /** Why the last attempt failed, while no set is loaded (for the log; never for a client). */
  get lastFailure(): unknown {
    return this.set ? undefined : this.failure;
  }

  /** Reads the store now and keeps the newer set; rejects when the read fails (the held set stays). */
  refresh(): Promise<PolicySet> {
    this.lastAttemptAt = this.now();
    // A store that throws instead of rejecting is a failed attempt too, not an exception in the caller.
    const attempt = new Promise<PolicySet>((resolve) => resolve(this.load())).then(
      (next) => {
        // Only ever forward. (A change back to old rules is itself a new, higher version.)
        if (!this.set || next.version > this.set.version) this.set = next;
        this.failure = undefined;
        return this.set;
      },
      (error: unknown) => {
        this.failure = error;
        throw error;
      },
    );
    this.inFlight = attempt;
    const clear = () => {
      if (this.inFlight === attempt) this.inFlight = null;
    };
    attempt.then(clear, clear);
    return attempt;
  }

  /**
   * The policies, loading them if there are none: resolves with the set in
   * force, or `null` when none could be had (the attempt failed, or the last
   * one began less than `retryIntervalMs` ago). Never rejects.
   */
  async ensure(): Promise<PolicySet | null> {
    if (this.set) return this.set;
    const attempt = this.inFlight ?? (this.now() - this.lastAttemptAt >= this.retryIntervalMs ? this.refresh() : null);
    if (!attempt) return null;
    return attempt.catch(() => null);
  }
}
