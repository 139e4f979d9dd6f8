import type { IncomingMessage, ServerResponse } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { OIDC_PREFIX } from './oidc-provider.factory';

type NodeHandler = (req: IncomingMessage, res: ServerResponse) => unknown;

/** Whether oidc-provider (not Nest) answers this request path. */
export function isProviderPath(url: string): boolean {
  const path = url.split('?')[0] ?? '';
  return path === '/.well-known/openid-configuration' || path === OIDC_PREFIX || path.startsWith(`${OIDC_PREFIX}/`);
}

/**
 * Hands the provider's paths to oidc-provider's own (Koa) request handler on
 * the raw Node request and response, before any Nest body parser has read
 * the body: oidc-provider parses its bodies itself. Call it from the
 * platform's `beforeBodyParsing` hook, after the security headers, so these
 * responses carry them too (a page of oidc-provider sets its own CSP).
 */
export function mountProvider(app: INestApplication, handler: NodeHandler, issuer: string): void {
  const adapter = app.getHttpAdapter();
  const issuerHost = new URL(issuer).host;
  // oidc-provider builds endpoint URLs (discovery, redirects) from the request's host: pin it to the
  // issuer's, so that a forged Host or X-Forwarded-Host cannot point clients elsewhere.
  const pinHost = (req: IncomingMessage) => {
    req.headers.host = issuerHost;
    delete req.headers['x-forwarded-host'];
  };
  if (adapter.getType() === 'fastify') {
    const fastify = adapter.getInstance() as {
      addHook(
        name: 'onRequest',
        hook: (
          req: { url: string; raw: IncomingMessage },
          reply: { hijack(): void; raw: ServerResponse; getHeaders(): Record<string, string | number | string[] | undefined>; sent: boolean },
          done: () => void,
        ) => void,
      ): void;
    };
    fastify.addHook('onRequest', (req, reply, done) => {
      // A refused request (e.g. plain HTTP when HTTPS is required) was answered by an earlier hook.
      if (reply.sent || !isProviderPath(req.url)) return done();
      // Headers set by earlier hooks (security headers, request id) live on the reply; carry them over.
      for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) reply.raw.setHeader(name, value);
      reply.hijack();
      pinHost(req.raw);
      void handler(req.raw, reply.raw);
    });
    return;
  }
  app.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
    if (!isProviderPath(req.url ?? '')) return next();
    pinHost(req);
    void handler(req, res);
  });
}
