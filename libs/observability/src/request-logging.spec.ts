import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { pinoHttp } from 'pino-http';
import { validateObservabilityOptions } from './options.js';
import { createRootLogger, pathOnly, requestLoggingOptions } from './request-logging.js';

interface LogLine {
  level: string;
  msg: string;
  reqId: string;
  req: { url: string; headers: Record<string, string> };
  res: { statusCode: number };
}

// The pino-http middleware exactly as the module builds it, driven with requests made here:
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
  const middleware = pinoHttp(requestLoggingOptions(createRootLogger(options)));
  function exchange(init: { url: string; headers?: Record<string, string>; id?: string; status?: number }) {
    const req = new IncomingMessage(new Socket());
    req.method = 'GET';
    req.url = init.url;
    req.headers = init.headers ?? {};
    if (init.id) (req as IncomingMessage & { id?: string }).id = init.id;
    const res = new ServerResponse(req);
    middleware(req, res, () => undefined);
    // pino reports the status once the head is written, as on a real response.
    res.writeHead(init.status ?? 200);
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
    expect(lines()[0]).toMatchObject({ reqId: 'req-crlf-0001', msg: 'request completed', req: { headers: { 'user-agent': forged } } });
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

  it("censors the defaults and the app's extra paths", () => {
    const { chunks, exchange, lines } = harness({ redactPaths: ['req.headers["x-session"]'] });
    exchange({ url: '/', id: 'req-redact-01', headers: { 'x-session': 'session-secret-1', 'proxy-authorization': 'Basic cHJveHk6c2VjcmV0' } });
    expect(lines()[0]?.req.headers).toMatchObject({ 'x-session': '[REDACTED]', 'proxy-authorization': '[REDACTED]' });
    expect(chunks.join('')).not.toContain('session-secret-1');
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

