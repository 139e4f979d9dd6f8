/** A message to send: plain text, and optionally a minimal HTML alternative. */
export interface MailMessage {
  /** One recipient address. */
  to: string;
  /** One line; no line breaks. */
  subject: string;
  /** The plain-text body (always sent). */
  text: string;
  /** An HTML alternative of the same content. */
  html?: string;
}

/**
 * What happened to a message: `sent` (accepted by the SMTP server), `stored` (written to the outbox), `retry` (an
 * attempt failed, another follows), `failed` (every attempt failed), `dropped` (the queue was full).
 */
export interface MailEvent {
  type: 'sent' | 'stored' | 'retry' | 'failed' | 'dropped';
  to: string;
  subject: string;
  /** The attempt this event is about (1-based); 0 for `dropped`. */
  attempt: number;
  /** The outbox file (`stored`). */
  file?: string;
  /** The plain-text body (`stored` only: the development log prints its links). */
  text?: string;
  /** What failed (`retry`, `failed`): for the log, never for a client. */
  error?: unknown;
}
