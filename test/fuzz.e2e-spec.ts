import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OpenAPIObject } from '@nestjs/swagger';
import fc from 'fast-check';
import { operationsOf } from '../apps/api/src/docs/api-docs';
import { baseEnv, useApi, type Env } from './support/harness';
import { call, login } from './support/http';

// Property: nothing a client sends gets a 5xx. Every route that takes a body
// or a query is fed arbitrary JSON, DTO-shaped values with hostile members,
// and raw text, over the real HTTP stack.
describe('fuzzing every DTO (e2e)', () => {
  // Every limit out of the way: a 429 would answer in place of the route and hide a 500.
  const env: Env = {
    ...baseEnv(),
    RATE_LIMIT_LOGIN: '100000/15m',
    RATE_LIMIT_LOGIN_ADDRESS: '100000/15m',
    RATE_LIMIT_API: '100000/1m',
    RATE_LIMIT_REFRESH: '100000/1m',
    RATE_LIMIT_API_KEY_CREATE: '100000/1h',
    RATE_LIMIT_ACCOUNTS: '100000/15m',
    RATE_LIMIT_ACCOUNT_EMAIL: '100000/1h',
    // Sign-ups and resets the fuzzer makes valid queue mail: to a throwaway outbox, not the repository's .data/.
    MAIL_OUTBOX_DIR: mkdtempSync(join(tmpdir(), 'bastion-fuzz-outbox-')),
  };
  const api = useApi(env);
  let token: string;

  beforeAll(async () => {
    token = (await login(api.url, 'alice@example.com')).accessToken;
  });

  const hostile = fc.oneof(
    fc.jsonValue(),
    fc.string({ maxLength: 300 }),
    fc.constantFrom('__proto__', 'constructor', '', ' ', '\u0000', '😀'.repeat(50), 'a'.repeat(5000), '2026-13-45T99:99:99Z'),
    fc.integer(),
    fc.double(),
    fc.array(fc.string(), { maxLength: 5 }),
  );
  const shaped = (keys: string[]) => fc.dictionary(fc.constantFrom(...keys, 'extra', '__proto__', 'constructor'), hostile, { maxKeys: keys.length + 2 });
  // A valid body with some fields swapped for hostile values: random bodies are
  // almost never valid, so without these the fuzzer rarely gets past the DTO
  // to the service and the database (where a NUL in a title once made a 500).
  // Text first (any code point, lone surrogates included), since most fields are text.
  const text = fc.oneof(
    { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 100 }) },
    { weight: 1, arbitrary: fc.constantFrom('\u0000', 'a\u0000b', '\ud800', '%00', "'; DROP TABLE documents; --", '{"$ne":null}', ' '.repeat(10)) },
    { weight: 1, arbitrary: hostile },
  );
  const mutated = (base: Record<string, unknown>) =>
    fc.dictionary(fc.constantFrom(...Object.keys(base)), text, { minKeys: 1, maxKeys: 1 }).map((over) => ({ ...base, ...over }));
  const fuzzed = (base: Record<string, unknown>) =>
    fc.oneof({ weight: 3, arbitrary: mutated(base) }, { weight: 1, arbitrary: shaped(Object.keys(base)) }, { weight: 1, arbitrary: fc.jsonValue() });

  // The password route's base keeps a wrong current password, so no run changes alice's password and ends her session.
  const routes: { method: string; path: string; body: fc.Arbitrary<unknown>; auth: boolean }[] = [
    { method: 'POST', path: '/v1/auth/login', body: fuzzed({ email: 'alice@example.com', password: 'not her password' }), auth: false },
    { method: 'POST', path: '/v1/auth/refresh', body: fuzzed({ refreshToken: `bst_rt_${'x'.repeat(43)}` }), auth: false },
    { method: 'POST', path: '/v1/auth/logout', body: fuzzed({ refreshToken: `bst_rt_${'x'.repeat(43)}` }), auth: true },
    { method: 'PUT', path: '/v1/users/me/password', body: fuzzed({ currentPassword: 'not her password', newPassword: 'A-new-passw0rd-long-enough' }), auth: true },
    { method: 'POST', path: '/v1/api-keys', body: fuzzed({ name: 'fuzz', scopes: ['documents:read'], expiresAt: '2030-01-01T00:00:00Z' }), auth: true },
    { method: 'POST', path: '/v1/documents', body: fuzzed({ title: 'fuzz', body: 'text', classification: 'internal' }), auth: true },
    { method: 'POST', path: '/v1/auth/login-code', body: fuzzed({ code: 'x'.repeat(43) }), auth: false },
  ];

  it.each(routes)('$method $path never answers 5xx', async ({ method, path, body, auth }) => {
    await fc.assert(
      fc.asyncProperty(body, async (payload) => {
        const res = await call(api.url, method, path, { body: payload, token: auth ? token : undefined });
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 60 },
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 200 }), async (raw) => {
        const res = await fetch(api.url + path, {
          method,
          headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${token}` } : {}) },
          body: raw,
        });
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 30 },
    );
  });

  it.each(['/v1/documents', '/v2/documents'])('GET %s with arbitrary query strings never answers 5xx', async (path) => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom('page', 'pageSize', 'limit', 'cursor', 'x', '__proto__'), fc.string({ unit: 'binary', maxLength: 50 }), { maxKeys: 4 }), async (query) => {
        const qs = new URLSearchParams(query as Record<string, string>).toString();
        const res = await call(api.url, 'GET', `${path}?${qs}`, { token });
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 60 },
    );
  });

  it.each(['/v1/auth/oidc/login', '/v1/auth/oidc/callback'])('GET %s with arbitrary query strings never answers 5xx', async (path) => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom('provider', 'code', 'state', 'error', 'iss', '__proto__'), fc.string({ unit: 'binary', maxLength: 50 }), { maxKeys: 4 }), async (query) => {
        const qs = new URLSearchParams(query as Record<string, string>).toString();
        const res = await fetch(`${api.url}${path}?${qs}`, { redirect: 'manual' });
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 60 },
    );
  });

  // PostgreSQL text cannot hold U+0000 ("invalid byte sequence for encoding
  // UTF8: 0x00"), so a NUL that reaches a query is a 500. Random fuzzing found
  // it once (title "\u0000" on POST /v1/documents); this walks every
  // documented operation so that no route depends on luck.
  it('a NUL or a lone surrogate in any body field, a NUL in any query value or path segment, of any documented operation is a 4xx, never a 5xx', async () => {
    const doc = (await call(api.url, 'GET', '/docs-json')).body as OpenAPIObject;
    // An admin reaches the admin routes (identity providers, policies, audit) as well.
    const admin = (await login(api.url, 'admin@example.com')).accessToken;
    type Schema = { $ref?: string; properties?: Record<string, unknown> };
    const resolve = (schema: Schema | undefined): Schema | undefined =>
      schema?.$ref ? (doc.components?.schemas?.[schema.$ref.split('/').pop() as string] as Schema) : schema;
    const answers: string[] = [];
    let refusedAsInput = 0;
    const send = async (method: string, path: string, body?: unknown) => {
      const res = await call(api.url, method, path, { body, token: admin });
      if (res.status === 429) throw new Error(`${method} ${path} was rate limited, so the route was never reached`);
      if (res.status >= 500) answers.push(`${method} ${path} ${JSON.stringify(body ?? null)} -> ${res.status}`);
      if (res.status === 400) refusedAsInput++;
    };
    const UUID = '0b6c3c8e-0000-4000-8000-000000000001';
    for (const { method, path, op } of operationsOf(doc)) {
      const params = (op.parameters ?? []) as { in: string; name: string }[];
      const plain = path.replace(/\{(\w+)\}/g, UUID);
      for (const p of params.filter((x) => x.in === 'path')) await send(method, path.replace(`{${p.name}}`, 'a%00b').replace(/\{(\w+)\}/g, UUID));
      for (const p of params.filter((x) => x.in === 'query')) await send(method, `${plain}?${encodeURIComponent(p.name)}=a%00b`);
      const content = (op.requestBody as { content?: Record<string, { schema?: Schema }> } | undefined)?.content;
      const schema = resolve(content?.['application/json']?.schema);
      const fields = Object.keys(schema?.properties ?? {});
      // In JSON a body can also carry a lone surrogate, which no UTF-8 encoder keeps.
      for (const text of ['a\u0000b', '\ud800']) {
        if (fields.length) await send(method, plain, Object.fromEntries(fields.map((f) => [f, text])));
        for (const f of fields) await send(method, plain, { [f]: text });
      }
    }
    expect(answers).toEqual([]);
    // The walk really reached the input checks: most of these are refused as input.
    expect(refusedAsInput).toBeGreaterThan(100);
    // The case the fuzzer found, with every other field valid.
    for (const title of ['a\u0000b', '\ud800']) {
      const res = await call(api.url, 'POST', '/v1/documents', { token, body: { title, body: 'text' } });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.code).toBe('ERR_REQUEST_SHAPE');
    }
  });

  // Every documented operation, bodies built from its own schema: valid values
  // mixed with hostile ones, so that requests get past the DTO to the service
  // and the database. New routes are fuzzed without anyone listing them.
  it('every documented operation never answers 5xx to bodies built from its schema with hostile values', async () => {
    const doc = (await call(api.url, 'GET', '/docs-json')).body as OpenAPIObject;
    type Schema = { $ref?: string; type?: string; enum?: unknown[]; properties?: Record<string, Schema>; required?: string[]; items?: Schema; format?: string; example?: unknown };
    const resolve = (schema: Schema | undefined): Schema => (schema?.$ref ? ((doc.components?.schemas?.[schema.$ref.split('/').pop() as string] ?? {}) as Schema) : (schema ?? {}));
    // A value that fits the schema (its example, an enum member, a value of its type).
    const fitting = (raw: Schema | undefined, depth = 0): fc.Arbitrary<unknown> => {
      const schema = resolve(raw);
      const options: fc.Arbitrary<unknown>[] = [];
      if (schema.example !== undefined) options.push(fc.constant(schema.example));
      if (schema.enum) options.push(fc.constantFrom(...schema.enum));
      else if (schema.type === 'string' && schema.format === 'date-time') options.push(fc.date({ min: new Date(), max: new Date(Date.now() + 300 * 86_400_000), noInvalidDate: true }).map((d) => d.toISOString()));
      else if (schema.type === 'string' && schema.example === undefined) options.push(fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }));
      else if (schema.type === 'integer') options.push(fc.integer({ min: 1, max: 1000 }));
      else if (schema.type === 'number') options.push(fc.double({ min: 0, max: 1000, noNaN: true }));
      else if (schema.type === 'boolean') options.push(fc.boolean());
      else if (schema.type === 'array' && depth < 3) options.push(fc.array(fitting(schema.items, depth + 1), { minLength: 1, maxLength: 3 }));
      else if (schema.properties && depth < 3) options.push(fittingBody(schema, depth + 1));
      return options.length ? fc.oneof(...options) : hostile;
    };
    const fittingBody = (schema: Schema, depth = 0): fc.Arbitrary<Record<string, unknown>> =>
      fc.record(Object.fromEntries(Object.entries(schema.properties ?? {}).map(([name, prop]) => [name, fitting(prop, depth)])), {
        requiredKeys: (schema.required ?? []).filter((name) => name in (schema.properties ?? {})),
      }) as fc.Arbitrary<Record<string, unknown>>;
    // Fitting bodies, fitting bodies with one field made hostile, and hostile bodies of the right keys.
    const bodyOf = (schema: Schema): fc.Arbitrary<unknown> => {
      const keys = Object.keys(schema.properties ?? {});
      const oneHostile = keys.length
        ? fc.tuple(fittingBody(schema), fc.constantFrom(...keys), text).map(([body, key, value]) => ({ ...body, [key]: value }))
        : fittingBody(schema);
      return fc.oneof({ weight: 2, arbitrary: fittingBody(schema) }, { weight: 2, arbitrary: oneHostile }, { weight: 1, arbitrary: shaped(keys.length ? keys : ['x']) });
    };
    const UUID = '0b6c3c8e-0000-4000-8000-000000000002';
    // Left out, with the reason: a valid body (the schema's example is the demo password) would change the admin's
    // password, which the seed does not reset for the next test file on a shared PostgreSQL. Fuzzed above instead.
    const LEFT_OUT = new Set(['PUT /v1/users/me/password']);
    let admin = (await login(api.url, 'admin@example.com')).accessToken;
    let reached = 0;
    let operations = 0;
    for (const { method, path, op } of operationsOf(doc)) {
      const content = (op.requestBody as { content?: Record<string, { schema?: Schema }> } | undefined)?.content;
      const schema = content?.['application/json']?.schema;
      if (!schema || LEFT_OUT.has(`${method} ${path}`)) continue;
      operations++;
      const url = path.replace(/\{(\w+)\}/g, UUID);
      await fc.assert(
        fc.asyncProperty(bodyOf(resolve(schema)), async (body) => {
          let res = await call(api.url, method, url, { body, token: admin });
          // A fuzzed logout may end the admin's session: sign in again and go on.
          if (res.status === 401 && res.body?.code !== 'ERR_AUTH_INVALID_CREDENTIALS' && res.body?.code !== 'ERR_AUTH_REFRESH_INVALID') {
            admin = (await login(api.url, 'admin@example.com')).accessToken;
            res = await call(api.url, method, url, { body, token: admin });
          }
          // Past the DTO: answered by the service (a success, a 404 from the database, a refusal of its own).
          if (res.status !== 400) reached++;
          expect(res.status).toBeLessThan(500);
        }),
        { numRuns: 25 },
      );
    }
    expect(operations).toBeGreaterThan(10);
    // Many generated bodies are valid (40-50 % in trial runs): services and the database were reached, not only the DTOs.
    expect(reached).toBeGreaterThan(operations * 25 * 0.3);
  });

  it('the server is still healthy afterwards', async () => {
    expect((await call(api.url, 'GET', '/health/ready')).status).toBe(200);
  });
});
