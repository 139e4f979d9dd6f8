// The per-request budget of `npm run bench:profile`: a V8 CPU profile's samples
// attributed to the stages of a request (docs/performance.md, "The per-request
// budget").
//
// The rule, so that nothing is counted twice: each sample goes to exactly one
// stage. Walk its call stack from the leaf (the running function) towards the
// root; the first frame that matches a stage's patterns decides. So time in
// node:crypto under jose is authentication, time in pino under a guard is the log
// line, and time in code that matches nothing (Node internals, an unlisted
// package) goes to the nearest enclosing stage that does. One exception:
// serialization is a weak stage. JSON.stringify called for another stage (pino
// writing the log line, an audit event) counts to that stage; only when the next
// match further up is routing, the HTTP server or nothing does it count as
// serialization (the response body). Garbage collection is V8's own
// `(garbage collector)` node, `(program)` (native code V8 cannot place) is
// "other", and `(idle)` samples are left out.
//
// Samples are counted, not timed: a stage's share is its samples ÷ the busy
// (non-idle) samples, and its µs per request is that share of the main thread's
// CPU time per request (process.threadCpuUsage over the load window), which a
// loaded machine does not inflate the way wall-clock sample gaps are.

/** One stage of a request and the frames that belong to it. */
export interface Stage {
  name: string;
  /** Matched against `<url> <functionName>` of a frame (the url without `file://`). */
  patterns: RegExp[];
  /** Defers to the next non-weak stage up the stack unless that is routing, the HTTP server or none. */
  weak?: boolean;
}

// The patterns below are built from the package and folder names written in this file, never from input.
// eslint-disable-next-line security/detect-non-literal-regexp -- see above
const pkg = (...names: string[]) => new RegExp(`/node_modules/(${names.join('|')})/`);
// eslint-disable-next-line security/detect-non-literal-regexp -- see above
const lib = (...names: string[]) => new RegExp(`/libs/(${names.join('|')})/`);
// eslint-disable-next-line security/detect-non-literal-regexp -- see above
const app = (...names: string[]) => new RegExp(`/apps/api/src/(${names.join('|')})/`);

export const ROUTING = 'routing and the Nest pipeline';
export const HTTP = 'HTTP server and adapter';
export const GC = 'GC';
export const OTHER = 'other';

/** The stages, in the order a frame is tested against them (a frame belongs to the first that matches). */
export const STAGES: Stage[] = [
  {
    name: ROUTING,
    patterns: [
      pkg('find-my-way', 'router', 'path-to-regexp'),
      /\/node_modules\/express\/lib\/router\//,
      // Nest itself: the router's execution context, the guard, interceptor and pipe consumers, the exception zone.
      /\/node_modules\/@nestjs\/(core|common)\//,
    ],
  },
  {
    name: 'request id and context',
    patterns: [lib('http-app'), /\/libs\/observability\/src\/request-context/, /^node:async_hooks /, /^node:internal\/async_local_storage/],
  },
  {
    name: 'log line',
    patterns: [
      pkg('pino', 'pino-http', 'pino-std-serializers', '@pinojs/redact', 'fast-redact', 'sonic-boom', 'thread-stream', 'nestjs-pino', 'quick-format-unescaped', 'atomic-sleep', 'safe-stable-stringify', 'on-exit-leak-free', 'fast-safe-stringify'),
      /\/libs\/observability\/src\/(request-logging|redaction)/,
    ],
  },
  { name: 'metrics', patterns: [pkg('prom-client', 'tdigest', 'bintrees'), /\/libs\/observability\/src\/(http-metrics|metrics|alert)/] },
  { name: 'headers', patterns: [pkg('helmet', '@fastify/helmet', '@fastify/cors', 'cors'), lib('security-headers')] },
  {
    name: 'authentication',
    patterns: [
      pkg('jose', 'passport', 'passport-jwt', 'passport-strategy', 'passport-headerapikey', '@nestjs/passport', 'jsonwebtoken', 'jws', 'jwa', 'ecdsa-sig-formatter', 'buffer-equal-constant-time'),
      lib('auth'),
      app('auth', 'api-keys'),
    ],
  },
  { name: 'throttling', patterns: [pkg('@nestjs/throttler', '@nest-lab/throttler-storage-redis'), lib('throttling'), app('rate-limits')] },
  { name: 'CASL', patterns: [pkg('@casl/ability', '@casl/prisma', '@ucast/[^/]+'), lib('authz'), app('authz')] },
  { name: 'validation', patterns: [pkg('class-validator', 'class-transformer', 'validator', 'zod', 'libphonenumber-js'), lib('validation')] },
  {
    name: 'Prisma and the database',
    patterns: [pkg('@prisma/[^/]+', '\\.prisma', '@electric-sql/pglite', 'pglite-prisma-adapter', 'pg', 'pg-[a-z]+', 'postgres-[a-z]+'), lib('database')],
  },
  { name: 'field decryption', patterns: [lib('field-encryption'), app('encryption')] },
  { name: 'audit', patterns: [lib('audit'), app('audit')] },
  { name: 'Redis client', patterns: [pkg('ioredis', 'redis-parser', 'denque', 'cluster-key-slot', 'redis-errors'), lib('redis')] },
  // The response body: Fastify's reply serializer, Express's res.json, fast-json-stringify. V8 mostly books
  // JSON.stringify (a builtin) to its caller; when it shows as a frame of its own it has no url.
  {
    name: 'serialization',
    weak: true,
    patterns: [/^ stringify$/, pkg('fast-json-stringify'), /\/node_modules\/fastify\/lib\/reply\.js serialize$/, /\/node_modules\/express\/lib\/response\.js json$/],
  },
  {
    name: HTTP,
    patterns: [
      /^node:_http_/,
      /^node:(net|stream|internal\/(streams|http|net|stream_base_commons))/,
      pkg('fastify', '@fastify/[^/]+', 'light-my-request', 'avvio', 'express', 'body-parser', 'raw-body', 'on-finished', 'finalhandler', 'content-type', 'type-is', 'mime-types', 'proxy-addr', 'toad-cache', 'secure-json-parse'),
      /\/node_modules\/@nestjs\/(platform-fastify|platform-express)\//,
    ],
  },
  { name: 'app handlers and other libs', patterns: [/\/apps\/(api|auth-server)\/src\//, /\/libs\/[^/]+\/src\//, /\/scripts\/bench-server/] },
];

/** The subset of a `.cpuprofile` (the inspector's Profiler.Profile) that attribution reads. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  samples: number[];
}

/** Samples per stage, plus the frames of "other" by self samples (to extend the patterns). */
export interface Attribution {
  busySamples: number;
  idleSamples: number;
  byStage: Map<string, number>;
  otherFrames: { frame: string; samples: number }[];
}

const frameKey = (f: { functionName: string; url: string }) => `${f.url.replace(/^file:\/\//, '')} ${f.functionName}`;

/** The stage of one stack, leaf first, by the rule at the top of this file. */
export function stageOf(stackLeafFirst: string[], stages: Stage[] = STAGES): string {
  const matches: Stage[] = [];
  for (const frame of stackLeafFirst) {
    const stage = stages.find((s) => s.patterns.some((p) => p.test(frame)));
    if (stage) matches.push(stage);
  }
  const first = matches[0];
  if (!first) return OTHER;
  if (!first.weak) return first.name;
  const owner = matches.find((s) => !s.weak);
  return owner && owner.name !== ROUTING && owner.name !== HTTP ? owner.name : first.name;
}

/** Attributes every sample of `profile` to one stage. */
export function attribute(profile: CpuProfile, stages: Stage[] = STAGES): Attribution {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stageOfNode = new Map<number, string>();
  const resolve = (id: number): string => {
    const known = stageOfNode.get(id);
    if (known) return known;
    const name = byId.get(id)?.callFrame.functionName;
    let stage: string;
    if (name === '(garbage collector)') stage = GC;
    else if (name === '(program)') stage = OTHER;
    else {
      const stack: string[] = [];
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const frame = byId.get(at)?.callFrame;
        if (frame && !frame.functionName.startsWith('(')) stack.push(frameKey(frame));
      }
      stage = stageOf(stack, stages);
    }
    stageOfNode.set(id, stage);
    return stage;
  };
  const byStage = new Map<string, number>([...stages.map((s) => [s.name, 0] as [string, number]), [GC, 0], [OTHER, 0]]);
  const other = new Map<string, number>();
  let idle = 0;
  for (const id of profile.samples) {
    if (byId.get(id)?.callFrame.functionName === '(idle)') {
      idle++;
      continue;
    }
    const stage = resolve(id);
    byStage.set(stage, (byStage.get(stage) ?? 0) + 1);
    if (stage === OTHER) {
      const key = frameKey(byId.get(id)?.callFrame ?? { functionName: '?', url: '' });
      other.set(key, (other.get(key) ?? 0) + 1);
    }
  }
  const busy = profile.samples.length - idle;
  const otherFrames = [...other].map(([frame, samples]) => ({ frame, samples })).sort((a, b) => b.samples - a.samples);
  return { busySamples: busy, idleSamples: idle, byStage, otherFrames };
}
