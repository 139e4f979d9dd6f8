import { Agent, request } from 'node:http';
import type { ApiInstance } from './fault-drill-services';
import { sleep } from './fault-drill-services';

// Steady traffic for `npm run test:faults`: a few loops of real HTTP requests
// against the API instances, each request recorded with what came back.

/** Longest the drill waits for any answer; past it the request counts as a hang. */
export const REQUEST_TIMEOUT_MS = 10_000;

/** What one request got: a status (with the headers that matter) or a transport error. */
export interface Outcome {
  op: string;
  instance: string;
  method: string;
  path: string;
  start: number;
  end: number;
  status?: number;
  contentType?: string;
  retryAfter?: string;
  /** The problem's `code`, or the first 120 characters of a body that is not a problem. */
  code?: string;
  /** ECONNRESET, ECONNREFUSED, TIMEOUT… when no response came. */
  error?: string;
  /** The API's X-Request-Id: an audit event of this request carries it. */
  requestId?: string;
  /** Which revoked token a `revoked` probe sent (when it was signed out). */
  note?: string;
  body?: Record<string, unknown>;
}

// A fresh connection per request (Connection: close): a keep-alive socket the
// server closes just as a request goes out would look like a dropped
// connection that the API did not cause.
const agent = new Agent({ keepAlive: false });

/** One HTTP request to loopback, never throwing: a transport failure is an outcome too. */
export function send(
  api: ApiInstance,
  op: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; forwardedFor?: string } = {},
): Promise<Outcome> {
  const start = Date.now();
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (payload !== undefined) headers['content-type'] = 'application/json';
  if (options.forwardedFor) headers['x-forwarded-for'] = options.forwardedFor;
  const base: Outcome = { op, instance: api.name, method, path, start, end: start };
  return new Promise((resolve) => {
    let settled = false;
    const finish = (o: Partial<Outcome>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...base, ...o, end: Date.now() });
    };
    const req = request({ host: '127.0.0.1', port: api.port, method, path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e: NodeJS.ErrnoException) => finish({ error: e.code ?? e.message }));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: Record<string, unknown> | undefined;
        try {
          body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
        } catch {
          body = undefined;
        }
        // A problem's code, else its title (a 500 has no code), else the start of whatever came.
        const member = [body?.code, body?.title].find((v) => typeof v === 'string') as string | undefined;
        const code = member ?? (text ? text.slice(0, 120) : undefined);
        finish({
          status: res.statusCode,
          contentType: res.headers['content-type'],
          retryAfter: res.headers['retry-after'],
          requestId: typeof res.headers['x-request-id'] === 'string' ? res.headers['x-request-id'] : undefined,
          code,
          body,
        });
      });
    });
    const timer = setTimeout(() => {
      finish({ error: 'TIMEOUT' });
      req.destroy();
    }, REQUEST_TIMEOUT_MS);
    req.on('error', (e: NodeJS.ErrnoException) => finish({ error: e.code ?? e.message }));
    req.end(payload);
  });
}

/** The tokens and ids the traffic uses. */
export interface TrafficCredentials {
  /** alice (editor), live for the whole drill. */
  alice: string;
  /** Access tokens of alice signed out along the way, each refused from then on; more are added between drills. */
  revoked: { token: string; note: string }[];
  /** A document alice may read (prisma/seed.ts). */
  readableDoc: string;
  password: string;
}

/** An acknowledged document write: it must exist at the end. */
export interface AckedWrite {
  id: string;
  title: string;
  instance: string;
  at: number;
}

/**
 * Runs request loops until stopped. Readers and writers alternate between
 * the instances; a login loop and a revoked-token probe run slower (a login
 * is one argon2id hash, and a flood of failed authentications is not what
 * the drill is about).
 */
export class Traffic {
  readonly outcomes: Outcome[] = [];
  readonly acked: AckedWrite[] = [];
  private readonly recorded = new WeakSet<Outcome>();
  private running = false;
  /** Instances no new request goes to, as a load balancer does with an instance that is stopping. */
  private readonly drained = new Set<ApiInstance>();
  private loops: Promise<void>[] = [];
  private seq = 0;
  /** Name of the drill under way, put into document titles. */
  label = 'baseline';

  constructor(
    private readonly instances: ApiInstance[],
    private readonly creds: TrafficCredentials,
  ) {}

  /** Records `o`; a 201 document write is remembered as acknowledged. */
  record(o: Outcome): Outcome {
    if (this.recorded.has(o)) return o;
    this.recorded.add(o);
    this.outcomes.push(o);
    if (o.op === 'doc-write' && o.status === 201 && typeof o.body?.id === 'string') {
      this.acked.push({ id: o.body.id, title: String(o.body.title), instance: o.instance, at: o.end });
    }
    return o;
  }

  /** One document write by alice on `api`. */
  write(api: ApiInstance): Promise<Outcome> {
    const n = ++this.seq;
    const title = `fault drill ${this.label} #${n}`;
    return send(api, 'doc-write', 'POST', '/v1/documents', { token: this.creds.alice, body: { title, body: `written during ${this.label}`, classification: 'internal' } }).then((o) => this.record(o));
  }

  start(readers = 3): void {
    this.running = true;
    const { alice, revoked, readableDoc, password } = this.creds;
    const pick = (i: number) => {
      const live = this.instances.filter((x) => !this.drained.has(x));
      return live[i % live.length] as ApiInstance;
    };
    const reader = async (w: number) => {
      // Each step records its outcome (a write through write(), which also remembers what was acknowledged).
      const cycle = [
        (api: ApiInstance) => send(api, 'me', 'GET', '/v1/users/me', { token: alice }).then((o) => this.record(o)),
        (api: ApiInstance) => send(api, 'doc-read', 'GET', `/v1/documents/${readableDoc}`, { token: alice }).then((o) => this.record(o)),
        (api: ApiInstance) => this.write(api),
        (api: ApiInstance) => send(api, 'live', 'GET', '/health/live').then((o) => this.record(o)),
      ];
      for (let i = w; this.running; i++) {
        await (cycle[i % cycle.length] as (api: ApiInstance) => Promise<Outcome>)(pick(i + w));
        await sleep(15);
      }
    };
    const login = async () => {
      for (let i = 0; this.running; i++) {
        this.record(await send(pick(i), 'login', 'POST', '/v1/auth/login', { body: { email: 'alice@example.com', password } }));
        await sleep(250);
      }
    };
    // Each probe from another documentation address (TRUST_PROXY=loopback): failed authentications are
    // counted per address, and a 429 would hide whether the token itself is still refused.
    const probe = async () => {
      for (let i = 0; this.running; i++) {
        const forwardedFor = `${i % 2 ? '198.51.100' : '203.0.113'}.${1 + (Math.floor(i / 2) % 254)}`;
        // Each token on both instances in turn.
        const { token, note } = revoked[Math.floor(i / 2) % revoked.length] as { token: string; note: string };
        this.record({ ...(await send(pick(i), 'revoked', 'GET', '/v1/users/me', { token, forwardedFor })), note });
        await sleep(250);
      }
    };
    this.loops = [...Array.from({ length: readers }, (_, w) => reader(w)), login(), probe()];
  }

  /** Sends no more new requests to `api` (those under way go on). */
  drain(api: ApiInstance): void {
    this.drained.add(api);
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }
}
