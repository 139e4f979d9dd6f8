import { createHash } from 'node:crypto';
import type { Clock } from '../clock';
import { AuthError } from '../errors';
import type { AttemptStore } from './attempt-store';

/** A limit: `max` attempts per `windowSeconds`. */
export interface RateLimit {
  max: number;
  windowSeconds: number;
}

/** Options of {@link LoginAttemptLimiter}. */
export interface LoginLimits {
  perAccount: RateLimit;
  perAddress: RateLimit;
}

/**
 * Limits failed logins per account and per client address (ASVS v5 6.3.1,
 * NIST SP 800-63B §5.2.2). An attempt is counted before the password is
 * checked, so a flood of concurrent guesses gets exactly `max` checks; a
 * success takes its count back. Once limited, even the right password is
 * refused until the window ends.
 */
export class LoginAttemptLimiter {
  constructor(
    private readonly store: AttemptStore,
    private readonly limits: LoginLimits,
    private readonly clock: Clock,
  ) {}

  /** Counts an attempt; throws `ERR_AUTH_RATE_LIMITED` (with the wait) when over a limit. */
  async begin(account: string, address: string): Promise<{ succeeded(): Promise<void> }> {
    const accountKey = `acct:${createHash('sha256').update(account.toLowerCase()).digest('hex')}`;
    const addressKey = `addr:${address}`;
    const [acct, addr] = await Promise.all([
      this.store.hit(accountKey, this.limits.perAccount.windowSeconds * 1000),
      this.store.hit(addressKey, this.limits.perAddress.windowSeconds * 1000),
    ]);
    const over = [
      acct.count > this.limits.perAccount.max ? acct.resetAt : 0,
      addr.count > this.limits.perAddress.max ? addr.resetAt : 0,
    ].filter((t) => t > 0);
    if (over.length) {
      const retryAfterSeconds = Math.max(1, Math.ceil((Math.max(...over) - this.clock.now()) / 1000));
      throw new AuthError('ERR_AUTH_RATE_LIMITED', 'Too many failed sign-in attempts; try again later', {
        details: { retryAfterSeconds },
      });
    }
    return {
      succeeded: async () => {
        await Promise.all([this.store.reset(accountKey), this.store.undo(addressKey)]);
      },
    };
  }
}
