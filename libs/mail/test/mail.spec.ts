// The lib against a real SMTP server (smtp-server) and the file outbox; no mocked transport.
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import { MailError, type MailEvent, MailModule, MailService, validateMailOptions } from '../src/index.js';
import { startSmtpCatcher, type SmtpCatcher } from './smtp-catcher.js';

async function mailService(options: Parameters<typeof MailModule.forRoot>[0]) {
  const moduleRef = await Test.createTestingModule({ imports: [MailModule.forRoot(options)] }).compile();
  await moduleRef.init();
  return { mail: moduleRef.get(MailService), close: () => moduleRef.close() };
}

describe('@bastion/mail', () => {
  let smtp: SmtpCatcher;
  beforeAll(async () => {
    smtp = await startSmtpCatcher();
  });
  afterAll(() => smtp.close());
  beforeEach(() => {
    smtp.refuseNext = 0;
  });

  it('sends plain text and HTML through SMTP', async () => {
    const { mail, close } = await mailService({ from: 'Bastion <noreply@example.com>', smtpUrl: smtp.url });
    try {
      const delivery = await mail.send({ to: 'ada@example.com', subject: 'Hello', text: 'Plain body', html: '<p>HTML body</p>' });
      expect(delivery.messageId).toEqual(expect.any(String));
      const got = await smtp.waitFor((m) => m.subject === 'Hello');
      expect(got).toMatchObject({ from: 'noreply@example.com', to: 'ada@example.com', });
      expect(got.text.trim()).toBe('Plain body');
      expect(got.html).toContain('<p>HTML body</p>');
    } finally {
      await close();
    }
  });

  it('enqueue returns at once and retries while the server refuses, then delivers', async () => {
    const events: MailEvent[] = [];
    const { mail, close } = await mailService({ from: 'noreply@example.com', smtpUrl: smtp.url, retryDelayMs: 50, onEvent: (e) => events.push(e) });
    try {
      smtp.refuseNext = 2;
      expect(mail.enqueue({ to: 'bob@example.com', subject: 'Queued', text: 'x' })).toBe(true);
      expect(mail.pending).toBe(1);
      await smtp.waitFor((m) => m.subject === 'Queued');
      await mail.drain();
      expect(events.map((e) => e.type)).toEqual(['retry', 'retry', 'sent']);
      expect(events.at(-1)).toMatchObject({ type: 'sent', to: 'bob@example.com' });
    } finally {
      await close();
    }
  });

  it('reports failed (never throws to the caller of enqueue) when no server answers', async () => {
    const events: MailEvent[] = [];
    // A closed port: every attempt fails at once.
    const { mail, close } = await mailService({ from: 'noreply@example.com', smtpUrl: 'smtp://127.0.0.1:1', attempts: 2, retryDelayMs: 10, onEvent: (e) => events.push(e) });
    try {
      expect(mail.enqueue({ to: 'bob@example.com', subject: 'Lost', text: 'x' })).toBe(true);
      await mail.drain();
      expect(events.map((e) => e.type)).toEqual(['retry', 'failed']);
      await expect(mail.send({ to: 'bob@example.com', subject: 'Lost', text: 'x' })).rejects.toMatchObject({ code: 'ERR_MAIL_SEND' });
    } finally {
      await close();
    }
  });

  it('writes to the outbox without an SMTP URL, readable by the owner only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bastion-outbox-'));
    const events: MailEvent[] = [];
    const { mail, close } = await mailService({ from: 'noreply@example.com', outboxDir: dir, onEvent: (e) => events.push(e) });
    try {
      const delivery = await mail.send({ to: 'ada@example.com', subject: 'Outbox', text: 'Open https://app.example/verify#t=abc' });
      const files = readdirSync(dir);
      expect(files).toHaveLength(1);
      expect(delivery.file).toBe(join(dir, files[0] as string));
      expect(readFileSync(delivery.file as string, 'utf8')).toContain('Subject: Outbox');
      expect(statSync(delivery.file as string).mode & 0o077).toBe(0);
      expect(events[0]).toMatchObject({ type: 'stored', file: delivery.file, text: expect.stringContaining('https://app.example/verify') });
    } finally {
      await close();
    }
  });

  it('refuses a header injection and an empty body', async () => {
    const { mail, close } = await mailService({ from: 'noreply@example.com', smtpUrl: smtp.url });
    try {
      expect(() => mail.enqueue({ to: 'a@example.com', subject: 'Hi\r\nBcc: all@example.com', text: 'x' })).toThrow(MailError);
      expect(() => mail.enqueue({ to: 'a@example.com\r\nBcc: b@example.com', subject: 'Hi', text: 'x' })).toThrow('to must be one address');
      await expect(mail.send({ to: 'a@example.com', subject: 'Hi', text: '' })).rejects.toMatchObject({ code: 'ERR_MAIL_MESSAGE' });
    } finally {
      await close();
    }
  });

  it.each([
    [{ from: 'noreply@example.com', smtpURL: 'smtp://x' }, 'mail option "smtpURL" is not a known option'],
    [{ from: 'not an address' }, 'mail option "from"'],
    [{ from: 'a@example.com', smtpUrl: 'http://mail.example.com' }, 'mail option "smtpUrl" must start with smtp://'],
    [{ from: 'a@example.com', attempts: 0 }, 'mail option "attempts" must be an integer from 1 to 10'],
    [{ from: 'a@example.com', onEvent: 'log' }, 'mail option "onEvent" must be a function'],
  ])('refuses bad options, naming the option: %j', (options, message) => {
    expect(() => validateMailOptions(options as never)).toThrow(message);
    try {
      validateMailOptions(options as never);
    } catch (error) {
      expect((error as MailError).code).toBe('ERR_MAIL_OPTIONS');
    }
  });
});
