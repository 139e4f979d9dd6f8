import type { INestApplication } from '@nestjs/common';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, VERSION_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import { generateStoredKey } from '@bastion/auth';
import { operationsOf } from '../apps/api/src/docs/api-docs';
import { PUBLIC_EXTENSION, UNDOCUMENTED_KEY } from '../apps/api/src/docs/api-docs.decorators';
import { baseEnv, startApi, useApi, type Env, type RunningApp } from './support/harness';
import { call } from './support/http';

const UUID = '0b6c3c8e-0000-4000-8000-000000000001';

/**
 * What the document promises about one operation, or why it falls short:
 * a secured operation names defined schemes and documents 401 and 403 as
 * problem details; anything else must be marked public on purpose.
 */
function coverageProblems(doc: OpenAPIObject): string[] {
  const schemes = Object.keys(doc.components?.securitySchemes ?? {});
  const problems: string[] = [];
  for (const { method, path, op } of operationsOf(doc)) {
    const name = `${method} ${path} (${op.operationId})`;
    const isPublic = (op as unknown as Record<string, unknown>)[PUBLIC_EXTENSION] === true;
    const security = op.security ?? [];
    if (isPublic) {
      if (security.length) problems.push(`${name}: marked public but declares security`);
      continue;
    }
    if (!security.length) {
      problems.push(`${name}: no security declaration (use @Secured(...) or @PublicRoute())`);
      continue;
    }
    for (const requirement of security) {
      for (const scheme of Object.keys(requirement)) if (!schemes.includes(scheme)) problems.push(`${name}: unknown security scheme ${scheme}`);
    }
    for (const status of ['401', '403']) {
      const response = op.responses[status] as { content?: Record<string, unknown> } | undefined;
      if (!response) problems.push(`${name}: no ${status} response`);
      else if (!response.content?.['application/problem+json']) problems.push(`${name}: ${status} is not application/problem+json`);
    }
  }
  return problems;
}

/** `METHOD /path` of every route Nest registered, in the document's spelling, and those left out on purpose. */
function registeredRoutes(app: INestApplication): { documented: string[]; undocumented: string[] } {
  const scanner = new MetadataScanner();
  const reflector = app.get(Reflector);
  const documented: string[] = [];
  const undocumented: string[] = [];
  const controllers = [...app.get(ModulesContainer).values()].flatMap((m) => [...m.controllers.values()]);
  for (const wrapper of controllers) {
    const type = wrapper.metatype as (new (...args: never[]) => object) | undefined;
    if (!type || !wrapper.instance) continue;
    const base = String(Reflect.getMetadata(PATH_METADATA, type) ?? '');
    const classVersion = Reflect.getMetadata(VERSION_METADATA, type) as string | symbol | undefined;
    const proto = Object.getPrototypeOf(wrapper.instance) as object;
    for (const key of scanner.getAllMethodNames(proto)) {
      const handler = (proto as Record<string, unknown>)[key] as object;
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
      if (path === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
      const version = (Reflect.getMetadata(VERSION_METADATA, handler) as string | symbol | undefined) ?? classVersion ?? '1';
      const segments = [typeof version === 'string' ? `v${version}` : '', base, path].flatMap((s) => s.split('/')).filter(Boolean);
      const route = `${method} /${segments.map((s) => s.replace(/^:(\w+)$/, '{$1}')).join('/')}`;
      const reason = reflector.getAllAndOverride<string>(UNDOCUMENTED_KEY, [handler as never, type]);
      (reason ? undocumented : documented).push(route);
    }
  }
  return { documented: documented.sort(), undocumented: undocumented.sort() };
}

/** The key files of this file's apps: on a shared PostgreSQL database, every app must read the rows the first one encrypted. */
const KEY_FILES = baseEnv();

describe('API documentation (e2e)', () => {
  // Every secured operation is called anonymously once below: more than the default 30 failed authentications a minute.
  const env: Env = { ...KEY_FILES, API_DOCS: undefined, RATE_LIMIT_AUTH_FAILURES: '1000/1m' };
  const api = useApi(env);
  let doc: OpenAPIObject;

  beforeAll(async () => {
    const res = await call(api.url, 'GET', '/docs-json');
    expect(res.status).toBe(200);
    doc = res.body as OpenAPIObject;
  });

  it('is OpenAPI 3 and declares the four kinds of security scheme', () => {
    expect(doc.openapi).toMatch(/^3\./);
    const s = doc.components?.securitySchemes as unknown as Record<string, Record<string, unknown>>;
    expect(s.apiKey).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-API-Key' });
    expect(s.bearer).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(s.oauth2).toMatchObject({
      type: 'oauth2',
      flows: {
        authorizationCode: { authorizationUrl: 'http://127.0.0.1:3001/oidc/auth', tokenUrl: 'http://127.0.0.1:3001/oidc/token' },
        clientCredentials: { tokenUrl: 'http://127.0.0.1:3001/oidc/token' },
      },
    });
    expect(s.openIdConnect).toEqual(expect.objectContaining({ type: 'openIdConnect', openIdConnectUrl: 'http://127.0.0.1:3001/.well-known/openid-configuration' }));
  });

  it('every operation declares its security and documents 401/403 as problem details, or is explicitly public', () => {
    expect(operationsOf(doc).length).toBeGreaterThan(20);
    expect(coverageProblems(doc)).toEqual([]);
  });

  it('the coverage check names an operation that lacks them', () => {
    const broken = structuredClone(doc);
    const op = broken.paths['/v1/users/me']?.get as { security?: unknown; responses: Record<string, unknown> };
    delete op.security;
    const other = broken.paths['/v1/documents/{id}']?.get as { responses: Record<string, unknown> };
    delete other.responses['403'];
    expect(coverageProblems(broken)).toEqual([
      expect.stringMatching(/^GET \/v1\/users\/me \(Users_me_v1\): no security declaration/),
      expect.stringMatching(/^GET \/v1\/documents\/\{id\} \(Documents_read_v1\): no 403 response/),
    ]);
  });

  it('documents every route the app serves; a route is left out only with a reason', () => {
    const { documented, undocumented } = registeredRoutes(api.app);
    const inDoc = operationsOf(doc).map(({ method, path }) => `${method} ${path}`).sort();
    expect(inDoc).toEqual(documented);
    expect(undocumented).toEqual(['GET /metrics']);
  });

  it('what the document says is what the guard does: secured operations refuse an anonymous call with 401, public ones do not', async () => {
    const mismatches: string[] = [];
    for (const { method, path, op } of operationsOf(doc)) {
      const isPublic = op.security?.length === 0;
      const res = await call(api.url, method, path.replace(/\{\w+\}/g, UUID), method === 'GET' || method === 'DELETE' ? {} : { body: {} });
      if (isPublic && res.status === 401) mismatches.push(`${method} ${path}: documented public, answered 401`);
      if (!isPublic && (res.status !== 401 || !res.headers.get('content-type')?.startsWith('application/problem+json'))) {
        mismatches.push(`${method} ${path}: documented secured, answered ${res.status}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('every operation that takes a body documents 415, and answers it to a body that is neither JSON nor a form', async () => {
    const mismatches: string[] = [];
    let checked = 0;
    for (const { method, path, op } of operationsOf(doc)) {
      if (op.requestBody === undefined) continue;
      checked++;
      if (!op.responses['415']) mismatches.push(`${method} ${path}: no 415 documented`);
      const res = await fetch(api.url + path.replace(/\{\w+\}/g, UUID), { method, headers: { 'content-type': 'text/plain' }, body: '{}' });
      if (res.status !== 415 || !res.headers.get('content-type')?.startsWith('application/problem+json')) mismatches.push(`${method} ${path}: answered ${res.status}`);
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBeGreaterThan(10);
  });

  it('an operation that accepts API keys lists them, and one that does not, does not', async () => {
    const me = doc.paths['/v1/users/me']?.get;
    expect(me?.security).toEqual([{ bearer: [] }, { apiKey: [] }, { oauth2: ['profile:read'] }]);
    const keys = doc.paths['/v1/api-keys']?.post;
    expect(keys?.security).toEqual([{ bearer: [] }]);
  });

  it('routes that accept access tokens of OIDC_ISSUERS show the oauth2 requirement with the scopes they enforce', () => {
    const oauth2 = (op: { security?: Record<string, string[]>[] } | undefined) => op?.security?.find((r) => 'oauth2' in r)?.oauth2;
    expect(oauth2(doc.paths['/v1/users/me']?.get)).toEqual(['profile:read']);
    expect(oauth2(doc.paths['/v2/users/me']?.get)).toEqual(['profile:read']);
    expect(oauth2(doc.paths['/v1/documents']?.get)).toEqual(['documents:read']);
    expect(oauth2(doc.paths['/v2/documents']?.get)).toEqual(['documents:read']);
    expect(oauth2(doc.paths['/v1/documents']?.post)).toEqual(['documents:write']);
    expect(oauth2(doc.paths['/v1/documents/{id}']?.delete)).toEqual(['documents:write']);
    // Password-JWT-only routes do not advertise it.
    expect(oauth2(doc.paths['/v1/api-keys']?.post)).toBeUndefined();
    expect(oauth2(doc.paths['/v1/saml/identity-providers']?.get)).toBeUndefined();
  });

  it('documents non-JSON answers as they are: SAML metadata XML, and redirects with their Location', () => {
    const metadata = doc.paths['/v1/auth/saml/metadata']?.get?.responses['200'] as { content: Record<string, unknown> };
    expect(Object.keys(metadata.content)).toEqual(['application/samlmetadata+xml']);
    const location = (path: string, method: 'get' | 'post', status: string) =>
      (doc.paths[path]?.[method]?.responses[status] as { headers?: Record<string, unknown> } | undefined)?.headers?.Location;
    expect(location('/v1/auth/saml/login', 'get', '302')).toBeDefined();
    expect(location('/v1/auth/saml/acs', 'post', '303')).toBeDefined();
    expect(location('/v1/auth/oidc/login', 'get', '302')).toBeDefined();
    expect(location('/v1/auth/oidc/callback', 'get', '302')).toBeDefined();
    const acs = doc.paths['/v1/auth/saml/acs']?.post?.requestBody as { content: Record<string, unknown> };
    expect(Object.keys(acs.content)).toEqual(['application/x-www-form-urlencoded']);
    const phone = doc.paths['/v1/users']?.get?.parameters?.find((p) => (p as { name: string }).name === 'phone') as { example?: unknown; schema?: { example?: unknown } };
    expect(phone.example ?? phone.schema?.example).toBe('+44 20 7946 0000');
  });

  it('covers both versions in one document: only the v1 operations with a v2 successor are deprecated, with their sunset and successor', () => {
    const v1 = doc.paths['/v1/documents']?.get as unknown as Record<string, unknown>;
    const v2 = doc.paths['/v2/documents']?.get as unknown as Record<string, unknown>;
    expect(v1.deprecated).toBe(true);
    expect(v1['x-sunset']).toBe('2027-11-01T00:00:00.000Z');
    expect(v1['x-successor-version']).toBe('/v2/documents');
    expect(v2.deprecated).toBeUndefined();
    const deprecated = operationsOf(doc)
      .filter(({ op }) => op.deprecated === true)
      .map(({ method, path }) => `${method.toUpperCase()} ${path}`)
      .sort();
    expect(deprecated).toEqual(['GET /v1/documents', 'GET /v1/users/me']);
    // Every deprecated operation names a successor the document has.
    for (const { op } of operationsOf(doc).filter(({ op }) => op.deprecated === true)) {
      const successor = (op as unknown as Record<string, string>)['x-successor-version'] as string;
      expect(doc.paths[successor]?.get).toBeDefined();
    }
    for (const current of ['/v1/auth/login', '/v1/api-keys', '/v1/auth/sessions', '/v1/documents/{id}']) {
      for (const op of Object.values(doc.paths[current] ?? {})) expect((op as { deprecated?: boolean }).deprecated).toBeUndefined();
    }
  });

  it('every operation documents its success answer, with a schema unless it is 204, or a redirect with its Location', () => {
    const missing: string[] = [];
    for (const { method, path, op } of operationsOf(doc)) {
      const success = Object.entries(op.responses).filter(([status]) => /^[23]\d\d$/.test(status));
      if (!success.length) missing.push(`${method} ${path}: no 2xx or 3xx response`);
      for (const [status, response] of success) {
        const { content, headers } = response as { content?: Record<string, { schema?: unknown }>; headers?: Record<string, unknown> };
        if (status.startsWith('3')) {
          if (!headers?.Location) missing.push(`${method} ${path}: ${status} has no Location header`);
          continue;
        }
        // JSON, or what the route really sends (e.g. SAML metadata XML), each with its schema.
        const schemas = Object.values(content ?? {}).map((c) => c.schema);
        if (status !== '204' && (!schemas.length || schemas.some((schema) => !schema))) missing.push(`${method} ${path}: ${status} has no schema`);
      }
    }
    expect(missing).toEqual([]);
    const audit = doc.paths['/v1/audit-events']?.get;
    expect(audit?.parameters?.map((p) => (p as { name: string }).name).sort()).toEqual(['action', 'actor', 'cursor', 'from', 'limit', 'outcome', 'to']);
  });

  it('documents request bodies with their schemas and examples', () => {
    const login = doc.paths['/v1/auth/login']?.post;
    const ref = (login?.requestBody as { content: Record<string, { schema: { $ref: string } }> }).content['application/json']?.schema.$ref;
    expect(ref).toBe('#/components/schemas/LoginDto');
    const schema = doc.components?.schemas?.LoginDto as { required: string[]; properties: Record<string, { example?: unknown }> };
    expect(schema.required).toEqual(['email', 'password']);
    expect(schema.properties.email?.example).toBe('alice@example.com');
    expect(doc.components?.schemas?.ProblemDetails).toBeDefined();
  });

  it('serves the UI with its own CSP: scripts and styles from this origin only, no eval, no framing', async () => {
    const page = await fetch(`${api.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain('connect-src \'self\' http://127.0.0.1:3001');
    expect(csp).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
    const html = await page.text();
    // Every script is an external file of this origin: nothing inline for the CSP to allow.
    expect(html).not.toMatch(/<script>|<script [^>]*>[^<]/);
    for (const src of [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string)) {
      const asset = await fetch(api.url + src);
      expect([src, asset.status]).toEqual([src, 200]);
    }
    const icon = await fetch(`${api.url}/docs/favicon-32x32.png`);
    expect(icon.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await icon.arrayBuffer()).subarray(0, 4).toString('hex')).toBe('89504e47');
    const init = await fetch(`${api.url}/docs/swagger-ui-init.js`);
    expect(await init.text()).toContain('usePkceWithAuthorizationCodeGrant');
    // The API itself keeps its strict policy.
    expect((await fetch(`${api.url}/health/live`)).headers.get('content-security-policy')).toBe("default-src 'none';frame-ancestors 'none'");
  });

  it('serves only the files the page uses, not the rest of swagger-ui-dist', async () => {
    for (const path of ['/docs/index.html', '/docs/swagger-initializer.js', '/docs/swagger-ui-bundle.js.map', '/docs/../package.json']) {
      expect([path, (await fetch(api.url + path)).status]).toEqual([path, 404]);
    }
  });
});

describe('API documentation access (e2e)', () => {
  const TOKEN = 'docs-token-0123456789abcdef0123456789abcdef';
  let env: Env;
  let running: RunningApp[] = [];

  beforeAll(() => {
    env = { ...baseEnv(), JWT_KEYS_FILE: KEY_FILES.JWT_KEYS_FILE, ENCRYPTION_KEYS_FILE: KEY_FILES.ENCRYPTION_KEYS_FILE };
  });
  afterEach(async () => {
    for (const r of running) await r.close();
    running = [];
  });
  const start = async (extra: Env) => {
    const r = await startApi({ ...env, ...extra });
    running.push(r);
    return r;
  };

  it('API_DOCS=off serves neither the UI nor the document', async () => {
    const { url } = await start({ API_DOCS: 'off' });
    for (const path of ['/docs', '/docs-json', '/docs/swagger-ui-bundle.js']) expect([path, (await fetch(url + path)).status]).toEqual([path, 404]);
  });

  it('production without API_DOCS serves no docs', async () => {
    const { url } = await start({ NODE_ENV: 'production', API_DOCS: undefined, JWT_SIGNING_KEYS: await signingKeys() });
    expect((await fetch(`${url}/docs-json`)).status).toBe(404);
  });

  it('API_DOCS=token wants the token (bearer, or a browser\'s Basic prompt) and refuses anything else', async () => {
    const { url } = await start({ API_DOCS: 'token', API_DOCS_TOKEN: TOKEN });
    const anonymous = await call(url, 'GET', '/docs-json');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Basic realm="api-docs", charset="UTF-8"');
    expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(anonymous.body.code).toBe('ERR_DOCS_TOKEN_REQUIRED');
    expect((await call(url, 'GET', '/docs', { token: `${TOKEN}x` })).status).toBe(401);
    expect((await call(url, 'GET', '/docs/swagger-ui-bundle.js', { token: 'nope' })).status).toBe(401);
    expect((await call(url, 'GET', '/docs-json', { token: TOKEN })).status).toBe(200);
    // Spellings the routers map to the same routes are behind the token too.
    for (const path of ['/DOCS-JSON', '/doc%73-json', '/Docs/', '/docs-json?x=1']) {
      expect([path, (await fetch(url + path)).status]).toEqual([path, 401]);
    }
    // A path that does not decode never reaches a docs route either (401 from the hook, or 400 from the router).
    expect([400, 401]).toContain((await fetch(`${url}/doc%zz`)).status);
    const basic = `Basic ${Buffer.from(`anyone:${TOKEN}`).toString('base64')}`;
    expect((await fetch(`${url}/docs`, { headers: { authorization: basic } })).status).toBe(200);
    // The API's own routes are not behind the docs token.
    expect((await call(url, 'GET', '/health/live')).status).toBe(200);
  });
});

async function signingKeys(): Promise<string> {
  return JSON.stringify({ keys: [await generateStoredKey(Date.now())] });
}
