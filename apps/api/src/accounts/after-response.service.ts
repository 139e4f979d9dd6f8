import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { type RequestContext, SecurityEvents } from '../audit/security-events.service';

/**
 * Runs the part of an account request whose cost or outcome would tell whether an address has an account (a
 * database lookup, creating rows, queueing a mail) after the answer is on its way: every caller gets the same answer
 * in the same time. A failure is logged and audited (`account.background`, failure), never shown to the client, who
 * can ask again. Shutdown waits for work in progress.
 */
@Injectable()
export class AfterResponse implements OnModuleDestroy {
  private readonly logger = new Logger('Accounts');
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly events: SecurityEvents) {}

  /** Starts `work` on a later turn of the event loop; never throws. */
  run(label: string, req: RequestContext, work: () => Promise<void>): void {
    // What the failure's audit record needs, taken now, while the request is at hand.
    const context: RequestContext = { ip: req.ip, id: req.id, headers: { 'user-agent': req.headers?.['user-agent'] } };
    const job = new Promise<void>((resolve) => setImmediate(resolve))
      .then(work)
      .catch((error: unknown) => {
        this.logger.error(`${label} failed after the response: ${(error as Error)?.message ?? String(error)}`);
        this.events.record({ action: 'account.background', outcome: 'failure', details: { step: label } }, context);
      })
      .finally(() => this.running.delete(job));
    this.running.add(job);
  }

  /** Resolves once the work started so far has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running]);
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.race([this.idle(), new Promise((r) => setTimeout(r, 5000).unref())]);
  }
}
