import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { Logger } from '@nestjs/common';
import type { Clock } from '../clock.js';
import { AuthError } from '../errors.js';
import type { AttemptStore } from './attempt-store.js';

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

/** What {@link LoginAttemptLimiter.begin} returns: report how the attempt ended. */
export interface LoginAttempt {
  /** The password was right: the account's count starts over. */
  succeeded(): Promise<void>;
  /** The password was wrong: one more failure for the client address. */
  failed(): Promise<void>;
}

/**
 * Keys addresses by client: an IPv4 address as it is, an IPv6 address by its
 * /64 (one subscriber usually holds a whole /64 and could walk through it),
 * an IPv4-mapped IPv6 address as the IPv4 address.
 */
export function addressKey(address: string): string {
  // eslint-disable-next-line security/detect-unsafe-regex -- bounded repeats ({1,3}, {3}): at most 15 characters are ever tried
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1] as string;
  if (isIPv6(address)) {
    const [head = '', tail = ''] = address.split('::');
    const left = head ? head.split(':') : [];
    const right = tail ? tail.split(':') : [];
    const groups = address.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
    return `${groups.slice(0, 4).map((g) => (g || '0').toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
  }
  return address;
}

/**
 * Limits failed logins per account and per client address (ASVS v5 6.3.1,
 * NIST SP 800-63B §5.2.2). The account's attempt is counted before the
 * password is checked, atomically, so a flood of concurrent guesses gets
 * exactly `max` checks; a success takes the count back to zero. The address
 * counts failures only, so one client guessing across many accounts
 * (password spraying) is stopped, while successes of other users behind the
 * same address are not held against it. Once limited, even the right
 * password is refused until the window ends.
 */
export class LoginAttemptLimiter {
  private readonly logger = new Logger('LoginLimits');
  private warnedAt = 0;

  constructor(
    private readonly store: AttemptStore,
    private readonly limits: LoginLimits,
    private readonly clock: Clock,
    /** When the store fails: refuse the login (503, default) or let it through unlimited. */
    private readonly failOpen = false,
  ) {
    for (const [name, limit] of Object.entries(limits) as [string, RateLimit][]) {
      if (!Number.isInteger(limit?.max) || limit.max < 1 || !Number.isInteger(limit.windowSeconds) || limit.windowSeconds < 1) {
        throw new AuthError('ERR_AUTH_OPTIONS', `auth option "loginLimits.${name}" needs whole numbers max >= 1 and windowSeconds >= 1`);
      }
    }
  }

  /** Counts an attempt; throws `ERR_AUTH_RATE_LIMITED` (with the wait) when over a limit. */
  async begin(account: string, address: string): Promise<LoginAttempt> {
    try {
      return await this.count(account, address);
    } catch (error) {
      if (error instanceof AuthError) throw error;
      const now = this.clock.now();
      if (now - this.warnedAt > 60_000) {
        this.warnedAt = now;
        this.logger.error(`login-limit store failed (${this.failOpen ? 'letting logins through' : 'refusing logins'}): ${(error as Error).message}`);
      }
      if (!this.failOpen) throw new AuthError('ERR_AUTH_UNAVAILABLE', 'Sign-in is temporarily unavailable; try again shortly', { cause: error });
      const noop = async () => undefined;
      return { succeeded: noop, failed: noop };
    }
  }

  private async count(account: string, address: string): Promise<LoginAttempt> {
    const accountKey = `acct:${createHash('sha256').update(account.toLowerCase()).digest('hex')}`;
    const addrKey = `addr:${addressKey(address)}`;
    const [acct, addr] = await Promise.all([
      this.store.hit(accountKey, this.limits.perAccount.windowSeconds * 1000),
      this.store.peek(addrKey),
    ]);
    const accountOver = acct.count > this.limits.perAccount.max;
    const addressOver = addr.count >= this.limits.perAddress.max;
    if (accountOver || addressOver) {
      // Refused for the address alone: this account did not really try.
      if (!accountOver) await this.store.undo(accountKey);
      const until = Math.max(accountOver ? acct.resetAt : 0, addressOver ? addr.resetAt : 0);
      const retryAfterSeconds = Math.max(1, Math.ceil((until - this.clock.now()) / 1000));
      throw new AuthError('ERR_AUTH_RATE_LIMITED', 'Too many failed sign-in attempts; try again later', {
        details: { retryAfterSeconds },
      });
    }
    return {
      // Bookkeeping after the answer is known must not turn it into an error.
      succeeded: () => this.store.reset(accountKey).catch(() => undefined),
      failed: async () => {
        await this.store.hit(addrKey, this.limits.perAddress.windowSeconds * 1000).catch(() => undefined);
      },
    };
  }
}
