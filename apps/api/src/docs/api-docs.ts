import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { SCOPES } from '../auth/scopes';
import type { docsConfig } from '../config/docs.config';
import { installDocsAccess } from './docs-access';
import { PROBLEM_SCHEMA, PUBLIC_EXTENSION, SCOPES_EXTENSION, SECURITY_SCHEMES, SUCCESSOR_EXTENSION } from './api-docs.decorators';
import { ProblemDetailsSchema } from './problem-details.schema';
import { serveSwaggerUi } from './swagger-ui';

/** The settings the docs read (`docsConfig()`). */
export type DocsSettings = ReturnType<typeof docsConfig>;

/** Where the UI and the document are served. */
export const DOCS_PATH = 'docs';
export const DOCS_JSON_PATH = 'docs-json';

/** The deprecation of a URI version, as the DeprecationInterceptor is told. */
export interface VersionDeprecation {
  since: Date;
  sunset: Date;
  /** Only the operations that name a successor (`@Successor`) are deprecated. */
  perRoute?: boolean;
}

type Operation = NonNullable<OpenAPIObject['paths'][string]['get']>;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Every operation of a document with its method and path. */
export function operationsOf(doc: OpenAPIObject): { method: string; path: string; op: Operation }[] {
  const out: { method: string; path: string; op: Operation }[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (op) out.push({ method: method.toUpperCase(), path, op });
    }
  }
  return out;
}

const problemRef = { 'application/problem+json': { schema: { $ref: `#/components/schemas/${PROBLEM_SCHEMA}` } } };

/**
 * Applies what holds for every route of the app, so that no controller has
 * to repeat it: public operations get `security: []`; routes that take
 * input answer 400 `ERR_VALIDATION`, routes with a body 413
 * `ERR_BODY_TOO_LARGE` and 415; routes of a deprecated version are `deprecated`.
 */
function finish(doc: OpenAPIObject, deprecated: Record<string, VersionDeprecation>): OpenAPIObject {
  for (const { path, op } of operationsOf(doc)) {
    const extensions = op as unknown as Record<string, unknown>;
    if (extensions[PUBLIC_EXTENSION] === true) op.security = [];
    // OAuth 2.0 requirements list the scopes the route enforces (`@RequiredScopes`); other schemes take none (OpenAPI 3.0).
    const scopes = extensions[SCOPES_EXTENSION];
    if (Array.isArray(scopes)) {
      op.security = op.security?.map((req) => (SECURITY_SCHEMES.oauth2 in req ? { [SECURITY_SCHEMES.oauth2]: scopes as string[] } : req));
    }
    const takesInput = (op.parameters?.length ?? 0) > 0 || op.requestBody !== undefined;
    if (takesInput && !op.responses['400']) {
      op.responses['400'] = {
        description:
          'Invalid input: `ERR_VALIDATION` (one entry per field in `errors`), or `ERR_REQUEST_SHAPE` (too deep, too long, a forbidden key, a NUL or lone surrogate in a string, a body that is not a JSON object).',
        content: problemRef,
      };
    }
    if (op.requestBody !== undefined && !op.responses['413']) {
      op.responses['413'] = { description: 'Body over the route\'s limit (`ERR_BODY_TOO_LARGE`).', content: problemRef };
    }
    if (op.requestBody !== undefined && !op.responses['415']) {
      op.responses['415'] = { description: 'A body that is neither JSON nor a form (`application/x-www-form-urlencoded`).', content: problemRef };
    }
    const version = /^\/v(\d+)\//.exec(path)?.[1];
    const policy = version ? deprecated[version] : undefined;
    if (policy && (!policy.perRoute || typeof extensions[SUCCESSOR_EXTENSION] === 'string')) {
      op.deprecated = true;
      extensions['x-sunset'] = policy.sunset.toISOString();
    }
  }
  return doc;
}

/**
 * The OpenAPI 3 document of the API: one document for every version, v1
 * operations marked `deprecated: true` with their `x-sunset` date.
 */
export function buildApiDocument(app: INestApplication, cfg: DocsSettings, deprecated: Record<string, VersionDeprecation> = {}): OpenAPIObject {
  const scopes = Object.fromEntries(SCOPES.map((s) => [s, `The ${s} scope`]));
  const config = new DocumentBuilder()
    .setTitle('Bastion API')
    .setDescription(
      [
        'The demo API of Bastion. Every error is an RFC 9457 `application/problem+json` body with a stable `code`.',
        'Versions are in the path (`/v1`, `/v2`). A v1 operation with a v2 successor is deprecated (`deprecated: true`, `x-sunset`, `x-successor-version`; its answers carry `Deprecation`, `Sunset` and `Link: <…>; rel="successor-version"`); every other v1 operation is current.',
        'Guide for consumers: docs/api-consumers.md in the repository.',
      ].join('\n\n'),
    )
    .setVersion('1.0.0')
    .addSecurity(SECURITY_SCHEMES.apiKey, {
      type: 'apiKey',
      in: 'header',
      name: 'X-API-Key',
      description: 'An API key from `POST /v1/api-keys` (`bst_live_…`), with the scopes it was created with. Never in the query string.',
    })
    .addSecurity(SECURITY_SCHEMES.bearer, {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'An ES256 access token (RFC 9068) from `POST /v1/auth/login` or `/v1/auth/refresh`; 15 minutes by default.',
    })
    .addSecurity(SECURITY_SCHEMES.oauth2, {
      type: 'oauth2',
      description: `The OAuth 2.0 authorization server at ${cfg.API_DOCS_OAUTH_ISSUER}: authorization code with PKCE (S256, required) for users, client credentials for services.`,
      flows: {
        authorizationCode: { authorizationUrl: cfg.API_DOCS_OAUTH_AUTHORIZATION_URL, tokenUrl: cfg.API_DOCS_OAUTH_TOKEN_URL, scopes },
        clientCredentials: { tokenUrl: cfg.API_DOCS_OAUTH_TOKEN_URL, scopes },
      },
    })
    .addSecurity(SECURITY_SCHEMES.openIdConnect, {
      type: 'openIdConnect',
      openIdConnectUrl: cfg.API_DOCS_OIDC_DISCOVERY_URL,
      description: 'OpenID Connect sign-in at the same authorization server (discovery document).',
    })
    .build();
  const doc = SwaggerModule.createDocument(app, config, {
    extraModels: [ProblemDetailsSchema],
    operationIdFactory: (controller, method, version) => `${controller.replace(/Controller$/, '')}_${method}${version ? `_${version}` : ''}`,
  });
  return finish(doc, deprecated);
}

/**
 * The Content-Security-Policy of `/docs`: Swagger UI loads its scripts and
 * styles from this origin (its page has one inline `<style>`), its icons are
 * data: URLs, and the OAuth flows fetch the token endpoint. Nothing else; no
 * `unsafe-eval`, no inline script, no framing.
 */
export function docsContentSecurityPolicy(cfg: Pick<DocsSettings, 'API_DOCS_OAUTH_TOKEN_URL' | 'API_DOCS_OAUTH_ISSUER'>): string {
  const origins = [...new Set([new URL(cfg.API_DOCS_OAUTH_TOKEN_URL).origin, new URL(cfg.API_DOCS_OAUTH_ISSUER).origin])].join(' ');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    `connect-src 'self' ${origins}`,
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * Serves `/docs` (Swagger UI) and `/docs-json` as `API_DOCS` says: not at
 * all (`off`), to anyone (`on`), or with `API_DOCS_TOKEN` (`token`). Call it
 * after `enableVersioning` and before `init()`.
 */
export function setupApiDocs(app: INestApplication, cfg: DocsSettings, deprecated: Record<string, VersionDeprecation> = {}): void {
  if (cfg.API_DOCS === 'off') return;
  if (cfg.API_DOCS === 'token') installDocsAccess(app, [`/${DOCS_PATH}`, `/${DOCS_JSON_PATH}`], cfg.API_DOCS_TOKEN as string);
  let doc: OpenAPIObject | undefined;
  const document = () => (doc ??= buildApiDocument(app, cfg, deprecated));
  // The JSON from @nestjs/swagger; the UI our own (swagger-ui.ts says why).
  SwaggerModule.setup(DOCS_PATH, app, document, { ui: false, raw: ['json'], jsonDocumentUrl: DOCS_JSON_PATH });
  serveSwaggerUi(app, {
    path: `/${DOCS_PATH}`,
    title: 'Bastion API',
    document,
    initOAuth: { usePkceWithAuthorizationCodeGrant: true, scopes: [...SCOPES] },
  });
}
