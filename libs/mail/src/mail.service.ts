import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import { MailError } from './errors.js';
import type { MailEvent, MailMessage } from './mail-event.js';
import { MAIL_MODULE_OPTIONS } from './mail.module-definition.js';
import type { ResolvedMailOptions } from './options.js';

// A header value with a line break would start a header of the caller's choosing (RFC 5322 injection).
const ONE_LINE = /^[^\r\n]+$/;
const ADDRESS = /^[^\s<>@,;"]+@[^\s<>@,;"]+$/;

/** How a message left: through SMTP (`messageId`), or into the outbox (`file`). */
export interface MailDelivery {
  messageId?: string;
  file?: string;
}

/**
 * Sends mail through SMTP (`smtpUrl`) or, without one, into a file outbox. `send` waits for one message (with
 * retries) and throws {@link MailError}; `enqueue` hands a message to a bounded in-memory queue and returns at once,
 * so that a slow or absent SMTP server never delays or fails the request that sent it: failures are retried with
 * exponential backoff, then reported through `onEvent` (log and audit them there).
 *
 * @example
 * mail.enqueue({ to: 'ada@example.com', subject: 'Verify your address', text, html });
 */
@Injectable()
export class MailService implements OnModuleDestroy {
  private readonly transport: Transporter;
  private readonly queue: MailMessage[] = [];
  private active: Promise<void> | null = null;
  private closed = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(@Inject(MAIL_MODULE_OPTIONS) private readonly options: ResolvedMailOptions) {
    this.transport = options.smtpUrl
      ? createTransport({
          url: options.smtpUrl,
          connectionTimeout: options.timeoutMs,
          greetingTimeout: options.timeoutMs,
          socketTimeout: options.timeoutMs,
          // Refuse to send a password over plain text to a server that does not offer STARTTLS only where the URL says so:
          // `smtp://` upgrades when offered; `smtps://` is TLS from the first byte.
        })
      : createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  }

  /** True when messages go to the file outbox (no `smtpUrl`). */
  get usesOutbox(): boolean {
    return !this.options.smtpUrl;
  }

  /** Messages waiting in the queue (the one being sent included). */
  get pending(): number {
    return this.queue.length + (this.active ? 1 : 0);
  }

  /**
   * Sends one message now, retrying as configured.
   *
   * @throws {MailError} `ERR_MAIL_MESSAGE` for a malformed message, `ERR_MAIL_SEND` once every attempt failed.
   */
  async send(message: MailMessage): Promise<MailDelivery> {
    checkMessage(message);
    return this.deliver(message);
  }

  /**
   * Queues a message and returns at once; false when the queue is full (the message is dropped, event `dropped`).
   *
   * @throws {MailError} `ERR_MAIL_MESSAGE` for a malformed message (a bug of the caller, so it is not swallowed).
   */
  enqueue(message: MailMessage): boolean {
    checkMessage(message);
    if (this.closed || this.queue.length >= this.options.maxQueue) {
      this.emit({ type: 'dropped', to: message.to, subject: message.subject, attempt: 0 });
      return false;
    }
    this.queue.push(message);
    this.active ??= this.work();
    return true;
  }

  /** Resolves when the queue is empty, or after `timeoutMs`, whichever comes first. */
  async drain(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.active && Date.now() < deadline) {
      await Promise.race([this.active, new Promise((r) => setTimeout(r, Math.max(1, deadline - Date.now())).unref())]);
    }
  }

  /** Gives queued messages a few seconds to leave, then stops the transport. */
  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    await this.drain(Math.min(5_000, this.options.timeoutMs));
    for (const timer of this.timers) clearTimeout(timer);
    this.transport.close();
  }

  private async work(): Promise<void> {
    try {
      for (let message = this.queue.shift(); message; message = this.queue.shift()) {
        try {
          await this.deliver(message);
        } catch {
          // Reported through onEvent (`failed`) by deliver.
        }
      }
    } finally {
      this.active = null;
    }
  }

  private async deliver(message: MailMessage): Promise<MailDelivery> {
    const { attempts, retryDelayMs } = this.options;
    for (let attempt = 1; ; attempt++) {
      try {
        const delivery = await this.attempt(message);
        if (delivery.file) this.emit({ type: 'stored', to: message.to, subject: message.subject, attempt, file: delivery.file, text: message.text });
        else this.emit({ type: 'sent', to: message.to, subject: message.subject, attempt });
        return delivery;
      } catch (error) {
        const last = attempt >= attempts || this.closed;
        this.emit({ type: last ? 'failed' : 'retry', to: message.to, subject: message.subject, attempt, error });
        if (last) throw new MailError('ERR_MAIL_SEND', `The message could not be sent after ${attempt} attempt(s)`, { cause: error });
        await this.sleep(retryDelayMs * 2 ** (attempt - 1));
      }
    }
  }

  private async attempt(message: MailMessage): Promise<MailDelivery> {
    const info = (await this.transport.sendMail({ from: this.options.from, ...message })) as { messageId?: string; message?: Buffer };
    if (!this.usesOutbox) return { messageId: info.messageId };
    const dir = resolve(this.options.outboxDir);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.eml`);
    // The outbox holds live links (password resets): readable by this user only.
    await writeFile(file, info.message ?? Buffer.alloc(0), { mode: 0o600 });
    return { messageId: info.messageId, file };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  private emit(event: MailEvent): void {
    try {
      this.options.onEvent(event);
    } catch {
      // A listener's failure must not lose the message or fail the caller.
    }
  }
}

function checkMessage(message: MailMessage): void {
  if (typeof message?.to !== 'string' || !ADDRESS.test(message.to)) throw new MailError('ERR_MAIL_MESSAGE', 'to must be one address');
  if (typeof message.subject !== 'string' || !ONE_LINE.test(message.subject)) throw new MailError('ERR_MAIL_MESSAGE', 'subject must be one non-empty line');
  if (typeof message.text !== 'string' || message.text.length === 0) throw new MailError('ERR_MAIL_MESSAGE', 'text must not be empty');
  if (message.html !== undefined && typeof message.html !== 'string') throw new MailError('ERR_MAIL_MESSAGE', 'html must be a string');
}
