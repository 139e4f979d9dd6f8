import type { IncomingMessage, ServerResponse } from 'node:http';
import type { INestApplication } from '@nestjs/common';

/** A path prefix that gets its own Content-Security-Policy (e.g. an API docs UI). */
export interface RelaxedCsp {
  prefix: string;
  /** The full policy for that prefix, e.g. `default-src 'self'; img-src 'self' data:`. */
  policy: string;
}

/** Options of {@link applySecurityHeaders}. */
export interface SecurityHeadersOptions {
  /** `Strict-Transport-Security` max-age in seconds; default one year; 0 turns HSTS off (plain-HTTP development). */
  hstsMaxAge?: number;
  /** Add `preload` to HSTS (only once the domain is on the preload list). Default false. */
  hstsPreload?: boolean;
  /** Origins allowed by CORS, exactly (`https://app.example.com`). Default none: no CORS headers at all. */
  corsOrigins?: string[];
  /** Paths with a looser CSP than the API's `default-src 'none'`. */
  relaxedCsp?: RelaxedCsp[];
  /** Send `Cache-Control: no-store` unless a route sets its own. Default true. */
  noStore?: boolean;
  /**
   * Refuse plain HTTP with 403 before anything else runs (no redirect: the
   * credentials would already have crossed in clear; ASVS v5 12.2.1). Paths
   * under `exceptPrefixes` (e.g. `/health/`) stay reachable. Behind a proxy
   * the adapter's proxy trust decides what the protocol is.
   */
  requireHttps?: { exceptPrefixes?: string[] };
}

const HTTPS_REQUIRED = JSON.stringify({
  type: 'about:blank',
  title: 'Forbidden',
  status: 403,
  detail: 'This API is served over HTTPS only',
  code: 'ERR_HTTPS_REQUIRED',
});

function matchesPrefix(url: string, prefix: string): boolean {
  const path = url.split('?')[0] ?? '';
  return path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
}

function helmetOptions(options: SecurityHeadersOptions) {
  const maxAge = options.hstsMaxAge ?? 31_536_000;
  return {
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    // ASVS v5 3.4.1: at least a year, subdomains included.
    strictTransportSecurity: maxAge > 0 ? { maxAge, includeSubDomains: true, preload: options.hstsPreload ?? false } : false,
    referrerPolicy: { policy: 'no-referrer' as const },
    crossOriginOpenerPolicy: { policy: 'same-origin' as const },
    crossOriginResourcePolicy: { policy: 'same-origin' as const },
    crossOriginEmbedderPolicy: false,
    // helmet sends X-XSS-Protection: 0 (the old auditor did more harm than good), nosniff, and removes X-Powered-By.
  };
}

function validate(options: SecurityHeadersOptions): void {
  const maxAge = options.hstsMaxAge ?? 31_536_000;
  if (!Number.isInteger(maxAge) || maxAge < 0) throw new Error('security-headers option "hstsMaxAge" must be a whole number of seconds >= 0');
  for (const origin of options.corsOrigins ?? []) {
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      throw new Error(`security-headers option "corsOrigins": "${origin}" is not an origin`);
    }
    if (parsed.origin !== origin) throw new Error(`security-headers option "corsOrigins": "${origin}" must be scheme://host[:port] with no path`);
  }
  for (const p of options.requireHttps?.exceptPrefixes ?? []) {
    if (!p.startsWith('/')) throw new Error('security-headers option "requireHttps.exceptPrefixes" entries must start with /');
  }
  for (const r of options.relaxedCsp ?? []) {
    if (!r.prefix.startsWith('/') || /[\r\n]/.test(r.policy)) throw new Error('security-headers option "relaxedCsp" needs a prefix starting with / and a one-line policy');
  }
}

/**
 * Helmet tuned for a JSON API, on Express or Fastify (its middleware
 * built once, run in an `onRequest` hook on Fastify); CORS for an allowlist of origins only; and
 * `Cache-Control: no-store` so that no proxy or browser keeps a response
 * meant for one caller. Call it before `app.init()`/`listen()`.
 *
 * @example await applySecurityHeaders(app, { corsOrigins: ['https://app.example.com'] });
 * @see https://owasp.org/www-project-secure-headers/
 */
export async function applySecurityHeaders(app: INestApplication, options: SecurityHeadersOptions = {}): Promise<void> {
  validate(options);
  const adapter = app.getHttpAdapter();
  const type = adapter.getType();
  const relaxed = options.relaxedCsp ?? [];
  const noStore = options.noStore ?? true;
  const cspFor = (url: string) => relaxed.find((r) => matchesPrefix(url, r.prefix))?.policy;
  const https = options.requireHttps;
  const plainHttpRefused = (protocol: string | undefined, url: string) =>
    https !== undefined && protocol !== 'https' && !(https.exceptPrefixes ?? []).some((p) => matchesPrefix(url, p));

  // helmet's middleware, built once. (@fastify/helmet builds it again on every request, parsing
  // the CSP directives each time: 4 % of a request's CPU in docs/performance.md's profile.)
  const { default: helmet } = await import('helmet');
  const headers = helmet(helmetOptions(options));

  if (type === 'fastify') {
    const fastify = adapter.getInstance() as {
      addHook(
        name: string,
        hook: (
          req: { url: string; protocol?: string; raw: IncomingMessage },
          reply: { raw: ServerResponse; header(k: string, v: string): unknown; code(n: number): { send(b: string): unknown } },
          done: (error?: Error) => void,
        ) => void,
      ): void;
    };
    fastify.addHook('onRequest', (req, reply, done) => {
      headers(req.raw, reply.raw, (error?: unknown) => {
        if (error) return done(error instanceof Error ? error : new Error(String(error)));
        if (noStore) reply.header('cache-control', 'no-store');
        const policy = cspFor(req.url);
        if (policy) reply.header('content-security-policy', policy);
        if (plainHttpRefused(req.protocol, req.url)) {
          reply.header('content-type', 'application/problem+json');
          reply.code(403).send(HTTPS_REQUIRED);
          return;
        }
        done();
      });
    });
  } else {
    const express = adapter.getInstance() as { use(fn: unknown): void };
    express.use(headers);
    express.use((req: { url: string; protocol?: string }, res: { setHeader(k: string, v: string): void; statusCode: number; end(b: string): void }, next: () => void) => {
      if (noStore) res.setHeader('cache-control', 'no-store');
      const policy = cspFor(req.url);
      if (policy) res.setHeader('content-security-policy', policy);
      if (plainHttpRefused(req.protocol, req.url)) {
        res.statusCode = 403;
        res.setHeader('content-type', 'application/problem+json');
        res.end(HTTPS_REQUIRED);
        return;
      }
      next();
    });
  }

  const origins = options.corsOrigins ?? [];
  if (origins.length > 0) {
    app.enableCors({
      // An allowlist compared exactly: never a reflected Origin, never `*` with credentials.
      origin: (origin: string | undefined, cb: (err: Error | null, allow?: boolean) => void) => cb(null, origin !== undefined && origins.includes(origin)),
      credentials: true,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type', 'x-api-key', 'x-request-id'],
      exposedHeaders: ['x-request-id', 'ratelimit', 'ratelimit-policy', 'retry-after', 'deprecation', 'sunset', 'link'],
      maxAge: 600,
    });
  }
}
