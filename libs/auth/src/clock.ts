/** The time source of every expiry decision, injectable so that tests need not sleep. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** Injection token of the {@link Clock}. */
export const AUTH_CLOCK = 'BASTION:AUTH_CLOCK';

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() };
