import { createHash, timingSafeEqual } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';

const REFUSED = JSON.stringify({
  type: 'about:blank',
  title: 'Unauthorized',
  status: 401,
  detail: 'The API documentation needs the docs token',
  code: 'ERR_DOCS_TOKEN_REQUIRED',
});

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * The token a request presents for the docs: `Authorization: Bearer <token>`
 * (tools), or HTTP Basic with the token as password (a browser's own
 * prompt; the user name is ignored). Never from the query string.
 */
export function presentedDocsToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const [scheme, value] = authorization.split(' ', 2);
  if (!value) return undefined;
  if (scheme?.toLowerCase() === 'bearer') return value;
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : undefined;
  }
  return undefined;
}

/** Whether `presented` is the docs token: compared as SHA-256 digests in constant time. */
export function docsTokenMatches(presented: string | undefined, token: string): boolean {
  return presented !== undefined && timingSafeEqual(digest(presented), digest(token));
}

/**
 * Whether the router could send `url` to a docs route. Compared decoded and
 * lower-cased, as the routers match (find-my-way decodes `%73`; Express
 * ignores case): `/doc%73-json` and `/DOCS-JSON` are the docs too. A path
 * that does not decode is treated as protected (deny by default).
 */
export function isDocsPath(url: string, prefixes: string[]): boolean {
  let path: string;
  try {
    path = decodeURIComponent(url.split('?')[0] ?? '').toLowerCase();
  } catch {
    return true;
  }
  return prefixes.some((p) => path === p || path.startsWith(`${p}/`));
}

/**
 * Refuses requests under `prefixes` without the docs token, with a 401
 * problem and a Basic challenge (so a browser asks for it). An adapter hook,
 * because Swagger UI's routes are the adapter's, outside Nest's guards.
 * ASVS v5 13.4.5: API documentation is not exposed unless intended.
 */
export function installDocsAccess(app: INestApplication, prefixes: string[], token: string): void {
  const adapter = app.getHttpAdapter();
  const allowed = (url: string, authorization: string | undefined) => !isDocsPath(url, prefixes) || docsTokenMatches(presentedDocsToken(authorization), token);
  const challenge = 'Basic realm="api-docs", charset="UTF-8"';
  if (adapter.getType() === 'fastify') {
    const fastify = adapter.getInstance() as {
      addHook(
        name: 'onRequest',
        hook: (req: { url: string; headers: Record<string, string | undefined> }, reply: { header(k: string, v: string): unknown; code(n: number): { send(b: string): unknown } }, done: () => void) => void,
      ): void;
    };
    fastify.addHook('onRequest', (req, reply, done) => {
      if (allowed(req.url, req.headers.authorization)) return done();
      reply.header('www-authenticate', challenge);
      reply.header('content-type', 'application/problem+json');
      reply.code(401).send(REFUSED);
    });
  } else {
    const express = adapter.getInstance() as { use(fn: unknown): void };
    express.use(
      (req: { url: string; headers: Record<string, string | undefined> }, res: { setHeader(k: string, v: string): void; statusCode: number; end(b: string): void }, next: () => void) => {
        if (allowed(req.url, req.headers.authorization)) return next();
        res.statusCode = 401;
        res.setHeader('www-authenticate', challenge);
        res.setHeader('content-type', 'application/problem+json');
        res.end(REFUSED);
      },
    );
  }
}
