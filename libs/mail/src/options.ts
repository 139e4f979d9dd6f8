import { optionsError } from './errors.js';
import type { MailEvent } from './mail-event.js';

/** Options of {@link MailModule}. */
export interface MailModuleOptions {
  /** The `From` of every message: `noreply@example.com` or `Example <noreply@example.com>`. */
  from: string;
  /**
   * `smtp://user:pass@host:587` (STARTTLS when the server offers it) or `smtps://…:465`. Unset: messages go to
   * the file outbox instead (`outboxDir`), for development.
   */
  smtpUrl?: string;
  /** Where the outbox writes one `.eml` file per message when `smtpUrl` is unset. Default `.data/mail-outbox`. */
  outboxDir?: string;
  /** Attempts per message, the first included (1-10). Default 4. */
  attempts?: number;
  /** Wait before the second attempt, in ms; doubled before each next one. Default 1000. */
  retryDelayMs?: number;
  /** Connection, greeting and socket timeout of one SMTP attempt, in ms. Default 10000. */
  timeoutMs?: number;
  /** Messages `enqueue` holds at most; past it a message is dropped (event `dropped`). Default 1000. */
  maxQueue?: number;
  /** Called for every delivery event (sent, stored, retry, failed, dropped): log and audit here. Must not throw. */
  onEvent?: (event: MailEvent) => void;
}

/** {@link MailModuleOptions} after validation, with the defaults filled in. */
export interface ResolvedMailOptions {
  from: string;
  smtpUrl?: string;
  outboxDir: string;
  attempts: number;
  retryDelayMs: number;
  timeoutMs: number;
  maxQueue: number;
  onEvent: (event: MailEvent) => void;
}

const KNOWN = new Set(['from', 'smtpUrl', 'outboxDir', 'attempts', 'retryDelayMs', 'timeoutMs', 'maxQueue', 'onEvent']);
// One address, optionally with a display name; no line break (header injection).
const FROM = /^(?:[^\r\n<>]{0,100}<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/;

function integer(value: unknown, option: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw optionsError(option, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

/**
 * Checks every option and fills in defaults. Unknown keys are refused, so that a typo such as `smtpURL` cannot
 * silently send every message to the development outbox.
 *
 * @throws {MailError} `ERR_MAIL_OPTIONS`, naming the option.
 */
export function validateMailOptions(options: MailModuleOptions): ResolvedMailOptions {
  if (typeof options !== 'object' || options === null) throw optionsError('options', 'must be an object');
  for (const key of Object.keys(options)) if (!KNOWN.has(key)) throw optionsError(key, 'is not a known option');
  if (typeof options.from !== 'string' || !FROM.test(options.from.trim())) {
    throw optionsError('from', 'must be an address such as noreply@example.com or "Example <noreply@example.com>"');
  }
  if (options.smtpUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(options.smtpUrl);
    } catch {
      throw optionsError('smtpUrl', 'must be a URL such as smtp://host:587 or smtps://host:465');
    }
    if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw optionsError('smtpUrl', 'must start with smtp:// or smtps://');
    if (!url.hostname) throw optionsError('smtpUrl', 'must name a host');
  }
  if (options.outboxDir !== undefined && (typeof options.outboxDir !== 'string' || options.outboxDir.length === 0)) {
    throw optionsError('outboxDir', 'must be a non-empty path');
  }
  if (options.onEvent !== undefined && typeof options.onEvent !== 'function') throw optionsError('onEvent', 'must be a function');
  return {
    from: options.from.trim(),
    ...(options.smtpUrl !== undefined ? { smtpUrl: options.smtpUrl } : {}),
    outboxDir: options.outboxDir ?? '.data/mail-outbox',
    attempts: integer(options.attempts, 'attempts', 1, 10, 4),
    retryDelayMs: integer(options.retryDelayMs, 'retryDelayMs', 0, 600_000, 1000),
    timeoutMs: integer(options.timeoutMs, 'timeoutMs', 100, 120_000, 10_000),
    maxQueue: integer(options.maxQueue, 'maxQueue', 1, 1_000_000, 1000),
    onEvent: options.onEvent ?? (() => undefined),
  };
}
