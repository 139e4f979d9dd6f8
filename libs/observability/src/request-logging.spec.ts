import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { validateObservabilityOptions } from './options.js';
import { createRequestLogger, createRootLogger, pathOnly } from './request-logging.js';

interface LogLine {
  level: string;
  msg: string;
  reqId: string;
  req: { url: string; userAgent?: string; headers?: unknown };
  res: { statusCode: number };
}

// The request-log middleware exactly as the module builds it, driven with requests made here:
// Node's HTTP parser refuses CR/LF in a header value (400), but a lenient parser, an HTTP/2 hop
// or a proxy could still deliver one, and the log must not depend on the parser.
function harness(extra: { redactPaths?: string[]; logFormat?: 'json' | 'pretty' } = {}) {
  const chunks: string[] = [];
  const options = validateObservabilityOptions({
    service: 'logging-spec',
    logLevel: 'info',
    logStream: { write: (line: string) => void chunks.push(line) },
    ...extra,
  });
  const middleware = createRequestLogger(createRootLogger(options), (next) => next());
  function exchange(init: { url: string; headers?: Record<string, string>; id?: string; status?: number; responseHeaders?: Record<string, string> }) {
    const req = new IncomingMessage(new Socket());
    req.method = 'GET';
    req.url = init.url;
    req.headers = init.headers ?? {};
    if (init.id) (req as IncomingMessage & { id?: string }).id = init.id;
    const res = new ServerResponse(req);
    middleware(req, res, () => undefined);
    // pino reports the status once the head is written, as on a real response.
    res.writeHead(init.status ?? 200, init.responseHeaders);
    res.end();
    // No socket here to flush to, so 'finish' is emitted by hand.
    res.emit('finish');
    return { req, res };
  }
  return { chunks, exchange, lines: () => chunks.map((c) => JSON.parse(c) as LogLine) };
}

describe('request logging', () => {
  it('keeps a CR/LF in a header value inside one JSON line: no forged line, the value intact', () => {
    const { chunks, exchange, lines } = harness();
    const forged = 'Mozilla\r\n{"level":"fatal","service":"logging-spec","msg":"admin logged in"}\n';
    exchange({ url: '/things/1', headers: { 'user-agent': forged }, id: 'req-crlf-0001' });
    expect(chunks).toHaveLength(1);
    expect(chunks[0]?.indexOf('\n')).toBe((chunks[0]?.length ?? 0) - 1);
    expect(chunks[0]).toContain('\\r\\n{\\"level\\":\\"fatal\\"');
    expect(lines()[0]).toMatchObject({ reqId: 'req-crlf-0001', msg: 'request completed', req: { userAgent: forged } });
  });

  it("reuses the adapter's request id, and makes one (sent back as X-Request-Id) when there is none", () => {
    const { exchange, lines } = harness();
    const given = exchange({ url: '/a', id: 'adapter-id-0001' });
    expect(given.res.getHeader('x-request-id')).toBeUndefined();
    const made = exchange({ url: '/b' });
    const madeId = made.res.getHeader('x-request-id');
    expect(madeId).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines().map((l) => l.reqId)).toEqual(['adapter-id-0001', madeId]);
  });

  it('logs the path without the query string or fragment', () => {
    const { chunks, exchange, lines } = harness();
    exchange({ url: '/reset?token=reset-token-555&email=a%40b.c#frag', id: 'req-query-0001' });
    expect(lines()[0]?.req.url).toBe('/reset');
    expect(chunks.join('')).not.toContain('reset-token-555');
    expect(pathOnly('/a#b?c')).toBe('/a');
  });

  it('logs no request or response header but the user agent: credentials and cookies never reach a line', () => {
    const { chunks, exchange, lines } = harness();
    const headers = { authorization: 'Bearer header-secret-1', cookie: 'sid=cookie-secret-2', 'x-api-key': 'key-secret-3', 'user-agent': 'curl/8' };
    exchange({ url: '/', id: 'req-headers-01', headers, responseHeaders: { 'set-cookie': 'sid=cookie-secret-4' } });
    expect(lines()[0]?.req).toEqual({ id: 'req-headers-01', method: 'GET', url: '/', userAgent: 'curl/8' });
    for (const secret of ['header-secret-1', 'cookie-secret-2', 'key-secret-3', 'cookie-secret-4']) expect(chunks.join('')).not.toContain(secret);
  });

  it("censors the app's extra paths too", () => {
    const chunks: string[] = [];
    const root = createRootLogger(
      validateObservabilityOptions({ service: 'extra-spec', logLevel: 'info', logStream: { write: (line: string) => void chunks.push(line) }, redactPaths: ['session.id'] }),
    );
    root.info({ session: { id: 'session-secret-1', user: 'u1' } }, 'session');
    expect(JSON.parse(chunks[0] ?? '{}')).toMatchObject({ session: { id: '[REDACTED]', user: 'u1' } });
  });

  it("censors a child logger's bindings one level down, and never changes the caller's objects", () => {
    const chunks: string[] = [];
    const root = createRootLogger(validateObservabilityOptions({ service: 'child-spec', logLevel: 'info', logStream: { write: (line: string) => void chunks.push(line) } }));
    const bindings = { token: 't0', client: { clientSecret: 't1', name: 'demo' } };
    const logged = { dto: { password: 't2', email: 'a@b.c' } };
    root.child(bindings).child({ ctx: 'x' }).info(logged, 'bound');
    const line = chunks.join('');
    for (const secret of ['t0', 't1', 't2']) expect(line).not.toContain(`"${secret}"`);
    expect(JSON.parse(line)).toMatchObject({ client: { name: 'demo', clientSecret: '[REDACTED]' }, dto: { email: 'a@b.c', password: '[REDACTED]' } });
    expect(bindings.client.clientSecret).toBe('t1');
    expect(logged.dto.password).toBe('t2');
  });

  it('logs by status: 5xx as error, 4xx as warn, the rest as info', () => {
    const { exchange, lines } = harness();
    for (const status of [200, 404, 503]) exchange({ url: '/', status, id: `req-status-${status}` });
    expect(lines().map((l) => [l.res.statusCode, l.level])).toEqual([
      [200, 'info'],
      [404, 'warn'],
      [503, 'error'],
    ]);
  });

  it('censors secret keys at the documented depths, and says so for deeper ones', () => {
    const chunks: string[] = [];
    const root = createRootLogger(
      validateObservabilityOptions({ service: 'depth-spec', logLevel: 'info', logStream: { write: (line: string) => void chunks.push(line) } }),
    );
    const error = Object.assign(new Error('boom'), { apiKey: 'k0', details: { refreshToken: 'k1', user: { newPassword: 'k2' } } });
    root.info({ password: 'p0', dto: { currentPassword: 'p1', secret: 'p2' }, deep: { a: { password: 'visible' } } }, 'dto');
    root.error({ err: error }, 'failed');
    type Line = { deep: { a: { password: string } }; err: unknown };
    const [dto, failed] = chunks.map((c) => JSON.parse(c) as Line);
    expect(dto).toMatchObject({ password: '[REDACTED]', dto: { currentPassword: '[REDACTED]', secret: '[REDACTED]' } });
    // Two levels down outside `err` is past the default paths: add a path, or log flat objects.
    expect(dto?.deep.a.password).toBe('visible');
    expect(failed?.err).toMatchObject({ apiKey: '[REDACTED]', details: { refreshToken: '[REDACTED]', user: { newPassword: '[REDACTED]' } } });
    for (const secret of ['p0', 'p1', 'p2', 'k0', 'k1', 'k2']) expect(chunks.join('')).not.toContain(`"${secret}"`);
  });

  it('writes one readable line per request in the pretty format: method, path without query, status; no JSON, no secret', async () => {
    const { chunks, exchange } = harness({ logFormat: 'pretty' });
    exchange({ url: '/things/7?token=query-secret-1', headers: { authorization: 'Bearer secret-token-2' }, id: 'req-pretty-0001', status: 404 });
    // pino-pretty is a stream of its own: its line arrives on the next turn.
    await new Promise((resolve) => setImmediate(resolve));
    const text = chunks.join('');
    expect(text.split('\n').filter(Boolean)).toHaveLength(1);
    expect(text).toMatch(/WARN.*GET \/things\/7 404 \d+ms request completed/);
    expect(text).not.toContain('{"');
    expect(text).not.toContain('query-secret-1');
    expect(text).not.toContain('secret-token-2');
  });
});

