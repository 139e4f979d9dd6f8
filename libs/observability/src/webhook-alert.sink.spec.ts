import { Logger } from '@nestjs/common';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Alert } from './alert.types.js';
import { WebhookAlertSink } from './webhook-alert.sink.js';

const alert: Alert = {
  alert: 'login-bruteforce',
  key: 'alice@example.com',
  count: 10,
  windowMs: 300_000,
  firstAt: '2026-01-01T12:00:00.000Z',
  lastAt: '2026-01-01T12:03:00.000Z',
  details: { ip: '203.0.113.9' },
};

interface Received {
  url: string | undefined;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A local receiver; `answer` decides each response by its 1-based number. */
async function receiver(answer: (n: number, res: ServerResponse) => void): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ url: req.url, headers: req.headers, body });
      answer(received.length, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/alerts`, received, server };
}

describe('WebhookAlertSink', () => {
  let server: Server | undefined;
  let warn: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(async () => {
    warn.mockRestore();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    server = undefined;
  });

  it('retries a receiver that fails twice, then delivers the same JSON with the same Idempotency-Key', async () => {
    const r = await receiver((n, res) => res.writeHead(n <= 2 ? 503 : 204).end());
    server = r.server;
    const sink = new WebhookAlertSink(r.url, { baseDelayMs: 20, headers: { authorization: 'Bearer receiver-token' } });
    const started = Date.now();
    sink.send(alert);
    await sink.drain();
    expect(r.received).toHaveLength(3);
    for (const request of r.received) {
      expect(JSON.parse(request.body)).toEqual(alert);
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers.authorization).toBe('Bearer receiver-token');
      expect(request.headers['idempotency-key']).toBe(r.received[0]?.headers['idempotency-key']);
    }
    expect(r.received[0]?.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    // Backoff: at least half of 20 ms, then half of 40 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(30);
    expect(sink.stats).toEqual({ queued: 0, delivered: 1, failed: 0, dropped: 0 });
  });

  it('never blocks send(): the call returns before the receiver has even answered', async () => {
    let release: () => void = () => undefined;
    const r = await receiver((_n, res) => {
      release = () => res.writeHead(200).end();
    });
    server = r.server;
    const sink = new WebhookAlertSink(r.url);
    expect(sink.send(alert)).toBeUndefined();
    expect(r.received).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    await sink.drain();
    expect(sink.stats.delivered).toBe(1);
  });

  it('drops and counts alerts past maxQueue', async () => {
    let releaseAll: () => void = () => undefined;
    const pending: ServerResponse[] = [];
    const r = await receiver((_n, res) => {
      pending.push(res);
      releaseAll = () => pending.splice(0).forEach((p) => p.writeHead(200).end());
    });
    server = r.server;
    const sink = new WebhookAlertSink(r.url, { maxQueue: 2 });
    for (let i = 0; i < 5; i++) sink.send({ ...alert, key: `k${i}` });
    // One in flight, two waiting, two dropped.
    expect(sink.stats).toEqual({ queued: 2, delivered: 0, failed: 0, dropped: 2 });
    while (sink.stats.delivered < 3) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      releaseAll();
    }
    await sink.drain();
    expect(r.received.map((x) => (JSON.parse(x.body) as Alert).key)).toEqual(['k0', 'k1', 'k2']);
    // One warning for the first drop, not one per drop.
    expect(warn.mock.calls.filter((c) => String(c[0]).includes('dropped'))).toEqual([[expect.stringContaining('1 alert(s) dropped so far')]]);
  });

  it('gives up after maxAttempts, and at once on a 4xx that retrying cannot fix', async () => {
    const r = await receiver((n, res) => res.writeHead(n <= 3 ? 500 : 400).end());
    server = r.server;
    const sink = new WebhookAlertSink(r.url, { maxAttempts: 3, baseDelayMs: 1 });
    sink.send(alert);
    await sink.drain();
    expect(r.received).toHaveLength(3);
    sink.send(alert);
    await sink.drain();
    expect(r.received).toHaveLength(4);
    expect(sink.stats).toEqual({ queued: 0, delivered: 0, failed: 2, dropped: 0 });
    // Only the origin is logged: a chat webhook keeps its secret in the path.
    expect(warn.mock.calls.map((c) => String(c[0])).join('\n')).not.toContain('/hooks/alerts');
  });

  it('times out an attempt that hangs, and retries it', async () => {
    const r = await receiver((n, res) => {
      if (n > 1) res.writeHead(200).end();
    });
    server = r.server;
    const sink = new WebhookAlertSink(r.url, { timeoutMs: 50, baseDelayMs: 1 });
    sink.send(alert);
    await sink.drain();
    expect(r.received).toHaveLength(2);
    expect(sink.stats.delivered).toBe(1);
  });

  it('does not follow a redirect with the payload', async () => {
    const r = await receiver((_n, res) => res.writeHead(307, { location: '/elsewhere' }).end());
    server = r.server;
    const sink = new WebhookAlertSink(r.url, { maxAttempts: 2, baseDelayMs: 1 });
    sink.send(alert);
    await sink.drain();
    expect(r.received.map((x) => x.url)).toEqual(['/hooks/alerts', '/hooks/alerts']);
    expect(sink.stats.failed).toBe(1);
  });

  it('stops at close(): a pending retry ends and queued alerts are dropped', async () => {
    const r = await receiver((_n, res) => res.writeHead(503).end());
    server = r.server;
    const sink = new WebhookAlertSink(r.url, { baseDelayMs: 60_000 });
    sink.send(alert);
    sink.send(alert);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const started = Date.now();
    await sink.close();
    expect(Date.now() - started).toBeLessThan(1000);
    sink.send(alert);
    expect(sink.stats).toEqual({ queued: 0, delivered: 0, failed: 1, dropped: 2 });
  });

  it.each([
    ['http://alerts.example.com/hook', {}, '"url" must use https'],
    ['not a url', {}, '"url" must be an absolute URL'],
    ['https://user:pass@alerts.example.com/hook', {}, '"url" must not hold credentials'],
    ['https://alerts.example.com/hook', { maxAttempts: 0 }, '"maxAttempts" must be a positive integer'],
    ['https://alerts.example.com/hook', { timeoutMs: 1.5 }, '"timeoutMs" must be a positive integer'],
    ['https://alerts.example.com/hook', { headers: { a: 1 } }, '"headers" must map'],
  ])('refuses %s with %j', (url, options, message) => {
    expect(() => new WebhookAlertSink(url, options as never)).toThrow(message);
  });

  it('accepts https anywhere and http to this machine only', () => {
    expect(() => new WebhookAlertSink('https://alerts.example.com/hook')).not.toThrow();
    expect(() => new WebhookAlertSink('http://localhost:9000/hook')).not.toThrow();
    expect(() => new WebhookAlertSink('http://[::1]:9000/hook')).not.toThrow();
  });
});
