import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ObservabilityError } from './errors.js';
import type { Alert, AlertSink } from './alert.types.js';

/** Options of {@link WebhookAlertSink}. */
export interface WebhookAlertSinkOptions {
  /** How long one attempt may take, in ms. Default 5000. */
  timeoutMs?: number;
  /** Attempts per alert, the first included. Default 5. */
  maxAttempts?: number;
  /** The first retry waits about this long (ms); each next one twice as long, with jitter. Default 200. */
  baseDelayMs?: number;
  /** The longest wait between two attempts, in ms. Default 30 000. */
  maxDelayMs?: number;
  /** Alerts waiting for delivery; past it new alerts are dropped and counted. Default 1000. */
  maxQueue?: number;
  /** Extra request headers, e.g. `{ authorization: 'Bearer …' }` for a receiver that checks a token. */
  headers?: Record<string, string>;
}

/** Delivery counters of a {@link WebhookAlertSink}. */
export interface WebhookAlertSinkStats {
  /** Waiting, not counting the one being delivered. */
  queued: number;
  delivered: number;
  /** Given up on after `maxAttempts`, or refused by the receiver with a 4xx other than 408 and 429. */
  failed: number;
  /** Not queued because the queue was full, or still queued at `close()`. */
  dropped: number;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function sinkOptionError(option: string, problem: string): ObservabilityError {
  return new ObservabilityError('ERR_OBSERVABILITY_OPTIONS', `WebhookAlertSink option "${option}" ${problem}`);
}

function positiveInteger(options: WebhookAlertSinkOptions, name: keyof WebhookAlertSinkOptions, fallback: number): number {
  const value = options[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw sinkOptionError(name, 'must be a positive integer');
  return value;
}

// A timeout, a network error, 408, 429 and 5xx may pass; any other answer will not.
function isRetryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * POSTs each alert as JSON to a webhook, from a bounded in-memory queue, so `send` never waits
 * on the network. Failed attempts (network error, timeout, 408, 429, 5xx) are retried with
 * exponential backoff and jitter up to `maxAttempts`. Each alert carries an `Idempotency-Key`
 * that stays the same across its retries, so a receiver can drop a duplicate delivery.
 * Redirects are refused: the payload goes to the configured URL or nowhere. Only the URL's
 * origin is ever logged, as chat webhooks keep their secret in the path.
 *
 * @example
 * new WebhookAlertSink('https://hooks.example.com/alerts', { headers: { authorization: `Bearer ${token}` } })
 */
export class WebhookAlertSink implements AlertSink {
  private readonly logger = new Logger('Alerts');
  private readonly url: URL;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxQueue: number;
  private readonly headers: Record<string, string>;
  private readonly queue: { id: string; body: string; alert: string }[] = [];
  private readonly counters = { delivered: 0, failed: 0, dropped: 0 };
  private running: Promise<void> | undefined;
  private closed = false;
  private wake: (() => void) | undefined;
  private readonly stop = new AbortController();

  constructor(url: string, options: WebhookAlertSinkOptions = {}) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw sinkOptionError('url', 'must be an absolute URL');
    }
    // The payload names accounts and principals: TLS, except to a receiver on this machine.
    if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && LOOPBACK_HOSTS.has(parsed.hostname))) {
      throw sinkOptionError('url', 'must use https (http only to localhost)');
    }
    if (parsed.username || parsed.password) throw sinkOptionError('url', 'must not hold credentials; pass them in "headers"');
    this.url = parsed;
    this.timeoutMs = positiveInteger(options, 'timeoutMs', 5000);
    this.maxAttempts = positiveInteger(options, 'maxAttempts', 5);
    this.baseDelayMs = positiveInteger(options, 'baseDelayMs', 200);
    this.maxDelayMs = positiveInteger(options, 'maxDelayMs', 30_000);
    this.maxQueue = positiveInteger(options, 'maxQueue', 1000);
    const headers = options.headers ?? {};
    if (typeof headers !== 'object' || headers === null || Object.values(headers).some((v) => typeof v !== 'string')) {
      throw sinkOptionError('headers', 'must map header names to strings');
    }
    this.headers = { ...headers };
  }

  /** Queues the alert and returns at once. */
  send(alert: Alert): void {
    if (this.closed || this.queue.length >= this.maxQueue) {
      this.counters.dropped++;
      // The first drop, then one line per hundred: a flood of alerts must not become a flood of logs.
      if (this.counters.dropped % 100 === 1) {
        this.logger.warn(`webhook ${this.url.origin}: alert queue full or closed, ${this.counters.dropped} alert(s) dropped so far`);
      }
      return;
    }
    this.queue.push({ id: randomUUID(), body: JSON.stringify(alert), alert: alert.alert });
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
  }

  /** Delivery counters. */
  get stats(): WebhookAlertSinkStats {
    return { queued: this.queue.length, ...this.counters };
  }

  /** Resolves when every queued alert has been delivered or given up on. */
  async drain(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stops delivery: a wait between retries ends at once, the alert in flight is given up, and the queue is dropped. */
  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    this.stop.abort();
    await this.drain();
    this.counters.dropped += this.queue.splice(0).length;
  }

  private async run(): Promise<void> {
    // `closed` is checked before taking an item, so that close() finds what is left in the queue.
    while (!this.closed) {
      const item = this.queue.shift();
      if (!item) return;
      await this.deliver(item);
    }
  }

  private async deliver(item: { id: string; body: string; alert: string }): Promise<void> {
    let problem = '';
    for (let attempt = 1; attempt <= this.maxAttempts && !this.closed; attempt++) {
      if (attempt > 1) await this.pause(this.delayBefore(attempt));
      if (this.closed) break;
      try {
        const response = await fetch(this.url, {
          method: 'POST',
          headers: { ...this.headers, 'content-type': 'application/json', 'idempotency-key': item.id },
          body: item.body,
          redirect: 'error',
          signal: AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.stop.signal]),
        });
        // The answer's body is not needed; cancelling it frees the connection.
        await response.body?.cancel().catch(() => undefined);
        if (response.ok) {
          this.counters.delivered++;
          return;
        }
        problem = `status ${response.status}`;
        if (!isRetryable(response.status)) break;
      } catch (error) {
        problem = error instanceof Error ? (error.name === 'TimeoutError' ? 'timeout' : error.name) : 'error';
      }
    }
    this.counters.failed++;
    this.logger.warn(`webhook ${this.url.origin}: alert ${item.alert} not delivered (${problem || 'closed'})`);
  }

  /** Exponential backoff with "equal jitter": half the step is fixed, half random. */
  private delayBefore(attempt: number): number {
    const step = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 2));
    return step / 2 + Math.random() * (step / 2);
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      // A pending retry must not keep the process alive.
      timer.unref();
      this.wake = done;
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
    });
  }
}
