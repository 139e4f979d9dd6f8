import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleDestroy,
} from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { normalizeAuditEvent, type AuditEventInput, type NormalizedAuditEvent } from './audit-event.js';
import { AUDIT_MODULE_OPTIONS } from './audit.module-definition.js';
import type { ResolvedAuditOptions } from './audit.options.js';
import { AuditError } from './errors.js';
import { EventQueue } from './event-queue.js';
import { verifyWithHasher, type AuditVerification } from './verify-audit-chain.js';

const WARN_EVERY_MS = 60_000;
// Short enough that events buffered during an outage reach the store within seconds of its return.
const MAX_BACKOFF_MS = 5_000;
const SHUTDOWN_ATTEMPTS = 3;

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Records security events without making requests wait for the database. `record()` checks and redacts the event and
 * puts it in a bounded buffer; a background writer sends it to the store in batches, every `flushIntervalMs` or as
 * soon as `batchSize` events wait. When the buffer holds `maxBuffered` events (the store is down or too slow), new
 * events are dropped and counted in `dropped`, with a warning logged at most once a minute: the app keeps serving.
 * A failed write is retried with backoff (up to 30 s apart) and its events stay buffered. On shutdown everything
 * buffered is written.
 *
 * @example
 * this.audit.record({ action: 'auth.login', outcome: 'failure', actorType: 'user', actorId: email,
 *   clientAddress: req.ip, userAgent: req.headers['user-agent'], requestId: req.id, details: { reason: 'bad-password' } });
 */
@Injectable()
export class AuditTrail implements OnModuleDestroy, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Audit');
  private readonly queue = new EventQueue<NormalizedAuditEvent>();
  private readonly now: () => number;
  private droppedCount = 0;
  private refusedCount = 0;
  private wasSaturated = false;
  private readonly warnedAt = { drop: -Infinity, write: -Infinity };
  private failures = 0;
  private timer?: NodeJS.Timeout;
  private timerIsImmediate = false;
  private writingInBackground = false;
  // Writes run one after another, so that this instance's batches reach the chain in the order they were recorded.
  private tail: Promise<void> = Promise.resolve();
  private stopping = false;
  private closed = false;

  constructor(@Inject(AUDIT_MODULE_OPTIONS) private readonly options: ResolvedAuditOptions) {
    this.now = () => options.clock.now();
  }

  /** Events waiting to be written. */
  get depth(): number {
    return this.queue.length;
  }

  /**
   * Whether the buffer holds `refuseWritesAt` events or more (the store is down or too slow): state-changing requests
   * should be refused (`AuditBackpressureGuard`) and readiness fail, so that no event has to be dropped.
   */
  get saturated(): boolean {
    return this.queue.length >= this.options.refuseWritesAt;
  }

  /** Requests refused since start because the trail was saturated (counted by `AuditBackpressureGuard`). */
  get refusedRequests(): number {
    return this.refusedCount;
  }

  /** Counts one request refused because the trail is saturated. */
  countRefusal(): void {
    this.refusedCount += 1;
  }

  /** Events refused since start because the buffer was full (or the app had shut down). */
  get dropped(): number {
    return this.droppedCount;
  }

  /**
   * Buffers one event and returns at once; never waits for the store. Returns false when the event was dropped
   * because the buffer is full (see {@link AuditTrail.dropped}).
   *
   * @throws {AuditError} `ERR_AUDIT_EVENT`, naming the field, for an event the program built wrong (unknown outcome,
   *   bad action or actor type, tenant id that is not a UUID). Client-supplied text is never refused.
   */
  record(event: AuditEventInput): boolean {
    // Checked before any work, so that an overloaded instance sheds events cheaply.
    if (this.closed || this.queue.length >= this.options.maxBuffered) {
      this.drop(1);
      return false;
    }
    this.queue.push(normalizeAuditEvent(event, this.now));
    if (!this.wasSaturated && this.saturated) {
      this.wasSaturated = true;
      // An alert in the log: from now on writes are refused until the store takes the backlog.
      this.logger.error(`audit buffer saturated (${this.queue.length} of ${this.options.maxBuffered} events): state-changing requests are refused until the store catches up`);
    }
    this.schedule();
    return true;
  }

  /**
   * Writes every event buffered when the write starts, in batches, and resolves when they are stored. Rejects with
   * the store's error if a batch fails; its events stay buffered and the background writer retries them.
   */
  flush(): Promise<void> {
    const run = this.tail.then(() => this.writeBuffered());
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Verifies the stored chain with this module's key; see `verifyAuditChain`. */
  verify(): Promise<AuditVerification> {
    return verifyWithHasher(this.options.store, this.options.hasher);
  }

  /**
   * Nest calls `onModuleDestroy` before `beforeApplicationShutdown`, and a database module usually closes its
   * connection in its own `onModuleDestroy`: writing here, while the connection is still open (register
   * `AuditModule` after the database module), is what saves the buffer.
   */
  async onModuleDestroy(): Promise<void> {
    await this.drain();
  }

  /** Writes what other modules recorded while they were being destroyed. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.drain();
  }

  /** Writes what is left; from now on `record()` drops and counts. */
  async onApplicationShutdown(): Promise<void> {
    await this.drain();
    this.closed = true;
  }

  private async writeBuffered(): Promise<void> {
    let left = this.queue.length;
    while (left > 0) {
      const batch = this.queue.peek(Math.min(left, this.options.batchSize));
      try {
        await this.options.store.appendBatch(batch, this.options.hasher);
      } catch (error) {
        // An event the store refuses as such will never be stored: retrying it would block every event behind it.
        if (!(error instanceof AuditError && error.code === 'ERR_AUDIT_EVENT')) throw error;
        this.logger.error(`the audit store refused ${batch.length} events: ${error.message}; they are dropped`);
        this.droppedCount += batch.length;
      }
      this.queue.drop(batch.length);
      left -= batch.length;
    }
    if (this.wasSaturated && !this.saturated) {
      this.wasSaturated = false;
      this.logger.log(`audit buffer below ${this.options.refuseWritesAt} events again: writes are accepted`);
    }
  }

  private schedule(): void {
    if (this.stopping || this.writingInBackground || this.queue.length === 0) return;
    const immediate = this.queue.length >= this.options.batchSize && this.failures === 0;
    if (this.timer) {
      if (!immediate || this.timerIsImmediate) return;
      clearTimeout(this.timer);
    }
    const delay = immediate ? 0 : this.failures > 0 ? this.backoffMs() : this.options.flushIntervalMs;
    this.timerIsImmediate = immediate;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.writeInBackground();
    }, delay);
    // A pending write never keeps the process alive; shutdown hooks write what is left.
    this.timer.unref();
  }

  private backoffMs(): number {
    return Math.min(this.options.flushIntervalMs * 2 ** Math.min(this.failures, 16), MAX_BACKOFF_MS);
  }

  private async writeInBackground(): Promise<void> {
    this.writingInBackground = true;
    try {
      await this.flush();
      this.failures = 0;
    } catch (error) {
      this.failures += 1;
      this.warn('write', `writing audit events failed (${reason(error)}); ${this.queue.length} events stay buffered and are retried`);
    } finally {
      this.writingInBackground = false;
      this.schedule();
    }
  }

  private drop(count: number): void {
    this.droppedCount += count;
    this.warn(
      'drop',
      `audit buffer full (${this.options.maxBuffered} events) or closed: new events are dropped; ${this.droppedCount} dropped since start`,
    );
  }

  private warn(kind: 'drop' | 'write', message: string): void {
    const now = this.now();
    if (now - this.warnedAt[kind] < WARN_EVERY_MS) return;
    this.warnedAt[kind] = now;
    this.logger.warn(`${message}; next warning in a minute at the earliest`);
  }

  private async drain(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (let attempt = 1; this.queue.length > 0; attempt += 1) {
      try {
        await this.flush();
      } catch (error) {
        if (attempt >= SHUTDOWN_ATTEMPTS) {
          this.logger.error(`${this.queue.length} audit events could not be written at shutdown: ${reason(error)}`);
          return;
        }
        await sleep(100 * attempt);
      }
    }
  }
}
