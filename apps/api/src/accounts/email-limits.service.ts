import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { AuthError } from '@bastion/auth';
import { parseRate, ThrottlerStorage } from '@bastion/throttling';
import { accountsConfig } from '../config';
import { type RequestContext, SecurityEvents } from '../audit/security-events.service';

/**
 * The per-email limit of the account routes (RATE_LIMIT_ACCOUNT_EMAIL): sign-up, resend, forgot-password each count
 * against the address they name, whoever sends them, so that one address cannot be mail-bombed from many clients.
 * It counts in the rate limiter's own storage (in memory, or Redis shared by every instance); the per-client limit
 * (RATE_LIMIT_ACCOUNTS) is the `accounts` throttler on the same routes. Known and unknown addresses are counted
 * alike: a 429 tells nothing about an account.
 */
@Injectable()
export class EmailLimits {
  private readonly logger = new Logger('EmailLimits');
  private readonly rate;

  constructor(
    @Inject(ThrottlerStorage) private readonly storage: ThrottlerStorage,
    @Inject(accountsConfig.KEY) cfg: ConfigType<typeof accountsConfig>,
    private readonly events: SecurityEvents,
  ) {
    this.rate = parseRate(cfg.RATE_LIMIT_ACCOUNT_EMAIL, 'RATE_LIMIT_ACCOUNT_EMAIL');
  }

  /** Counts one request for `email`; throws 429 (`ERR_AUTH_RATE_LIMITED`, Retry-After) past the limit, 503 if the storage fails. */
  async hit(email: string, route: string, req: RequestContext): Promise<void> {
    // Hashed: addresses do not appear in Redis key names.
    const id = createHash('sha256').update(email).digest('hex').slice(0, 32);
    let record;
    try {
      record = await this.storage.increment(`accountEmail:${id}`, this.rate.ttl, this.rate.limit, this.rate.ttl, 'accountEmail');
    } catch (error) {
      // Fail closed: these routes send mail, and an unlimited stream of it is the attack this limit stops.
      this.logger.error(`per-email limit storage failed: ${(error as Error).message}`);
      throw new AuthError('ERR_AUTH_UNAVAILABLE', 'This request cannot be accepted right now; try again shortly', { cause: error });
    }
    if (record.isBlocked) {
      this.events.record({ action: 'rate-limit.exceeded', outcome: 'denied', target: { type: 'account', id: id.slice(0, 16) }, details: { limit: 'accountEmail', route } }, req);
      const seconds = Math.max(1, Math.ceil(record.timeToBlockExpire));
      throw new AuthError('ERR_AUTH_RATE_LIMITED', `Too many requests for this address; try again in ${seconds} seconds`, { details: { retryAfterSeconds: seconds } });
    }
  }
}
