// A real SMTP server for tests (smtp-server), whose messages are parsed with mailparser: what a mail client would
// see, not what the code under test meant to send. Lives in test/ so that it travels with the lib when copied.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** One message as received. */
export interface ReceivedMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: Map<string, unknown>;
}

/** A listening SMTP server on a free loopback port, and what it received. */
export interface SmtpCatcher {
  url: string;
  port: number;
  messages: ReceivedMail[];
  /** Resolves with the first message (received now or later) that `match` accepts. */
  waitFor(match: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  /** How many of the next messages to refuse with 451 (a temporary failure), as an overloaded server does. */
  refuseNext: number;
  close(): Promise<void>;
}

export async function startSmtpCatcher(): Promise<SmtpCatcher> {
  const messages: ReceivedMail[] = [];
  const waiters: { match: (m: ReceivedMail) => boolean; resolve: (m: ReceivedMail) => void }[] = [];
  const catcher = { refuseNext: 0 } as SmtpCatcher;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          if (catcher.refuseNext > 0 && catcher.refuseNext--) return callback(Object.assign(new Error('Try again later'), { responseCode: 451 }));
          const address = (a: unknown) => (a as { value?: { address?: string }[] } | undefined)?.value?.[0]?.address ?? '';
          const mail: ReceivedMail = {
            from: address(parsed.from),
            to: address(Array.isArray(parsed.to) ? parsed.to[0] : parsed.to),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            headers: parsed.headers as Map<string, unknown>,
          };
          messages.push(mail);
          for (const w of [...waiters]) {
            if (w.match(mail)) {
              waiters.splice(waiters.indexOf(w), 1);
              w.resolve(mail);
            }
          }
          callback();
        })
        .catch(callback);
    },
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  const port = (server.server.address() as AddressInfo).port;
  return Object.assign(catcher, {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    waitFor(match: (m: ReceivedMail) => boolean, timeoutMs = 10_000) {
      const found = messages.find(match);
      if (found) return Promise.resolve(found);
      return new Promise<ReceivedMail>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching mail within ${timeoutMs} ms; got: ${messages.map((m) => `${m.to}: ${m.subject}`).join(', ') || 'none'}`)), timeoutMs);
        waiters.push({ match, resolve: (m) => (clearTimeout(timer), resolve(m)) });
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
