import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { INestApplication } from '@nestjs/common';

/** The Swagger UI files served, and nothing else of the package (no directory, no source maps, no demo page). */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
  'oauth2-redirect.html': 'text/html; charset=utf-8',
  'oauth2-redirect.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

/** Options of {@link serveSwaggerUi}. */
export interface SwaggerUiOptions {
  /** Where the UI lives, e.g. `/docs`. */
  path: string;
  title: string;
  /** The OpenAPI document, built on first request. */
  document: () => object;
  /** Passed to `ui.initOAuth` (PKCE, scopes). */
  initOAuth: Record<string, unknown>;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Serves Swagger UI at `path` with every script and style from this origin,
 * so that the page runs under `script-src 'self'` (no inline script, no eval
 * of ours). Written here rather than through `SwaggerModule.setup`'s UI:
 * on Fastify that needs `@fastify/static`, whose current major pulls in an
 * ESM-only dependency that Jest cannot load, and it would serve the whole
 * swagger-ui-dist folder instead of the seven files the page uses.
 */
export function serveSwaggerUi(app: INestApplication, options: SwaggerUiOptions): void {
  const adapter = app.getHttpAdapter();
  // The package ships no types; its folder is all we need.
  const root = dirname(require.resolve('swagger-ui-dist/package.json'));
  const base = options.path.replace(/\/+$/, '');
  // Written to the native response: the adapters' reply() would send a Buffer as JSON on Express.
  const send =
    adapter.getType() === 'fastify'
      ? (res: unknown, type: string, body: string | Buffer) => void (res as { type(t: string): { send(b: unknown): unknown } }).type(type).send(body)
      : (res: unknown, type: string, body: string | Buffer) => {
          const r = res as { statusCode: number; setHeader(k: string, v: string): void; end(b: unknown): void };
          r.statusCode = 200;
          r.setHeader('content-type', type);
          r.end(body);
        };

  const html = [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${escapeHtml(options.title)}</title>`,
    `<link rel="stylesheet" href="${base}/swagger-ui.css">`,
    `<link rel="icon" type="image/png" href="${base}/favicon-32x32.png" sizes="32x32">`,
    '</head>',
    '<body>',
    '<div id="swagger-ui"></div>',
    `<script src="${base}/swagger-ui-bundle.js"></script>`,
    `<script src="${base}/swagger-ui-standalone-preset.js"></script>`,
    `<script src="${base}/swagger-ui-init.js"></script>`,
    '</body>',
    '</html>',
  ].join('\n');

  let init: string | undefined;
  const initJs = () =>
    (init ??= [
      'window.onload = function () {',
      '  var ui = SwaggerUIBundle({',
      `    spec: ${JSON.stringify(options.document())},`,
      "    dom_id: '#swagger-ui',",
      '    deepLinking: true,',
      '    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],',
      "    layout: 'StandaloneLayout',",
      // No outside validator badge, no loading another spec from ?url= or ?configUrl=.
      '    validatorUrl: null,',
      '    queryConfigEnabled: false,',
      '    persistAuthorization: false,',
      `    oauth2RedirectUrl: window.location.origin + ${JSON.stringify(`${base}/oauth2-redirect.html`)}`,
      '  });',
      `  ui.initOAuth(${JSON.stringify(options.initOAuth)});`,
      '  window.ui = ui;',
      '};',
    ].join('\n'));

  const page = (_req: unknown, res: unknown) => send(res, 'text/html; charset=utf-8', html);
  adapter.get(base, page);
  adapter.get(`${base}/`, page);
  adapter.get(`${base}/swagger-ui-init.js`, (_req: unknown, res: unknown) => send(res, 'application/javascript; charset=utf-8', initJs()));
  for (const [file, type] of Object.entries(ASSETS)) {
    let content: Buffer | undefined;
    adapter.get(`${base}/${file}`, (_req: unknown, res: unknown) => send(res, type, (content ??= readFileSync(join(root, file)))));
  }
}
