import { Controller, Get, HttpException, type INestApplication, Module } from '@nestjs/common';
import { APP_GUARD, HttpAdapterHost } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import type { AddressInfo } from 'node:net';
import type { ApiKeyStore } from './api-keys/api-key.service.js';
import { AuthErrorFilter } from './auth-error.filter.js';
import { AuthModule } from './auth.module.js';
import { AuthenticationGuard } from './authentication.guard.js';
import { CurrentPrincipal, Scopes } from './decorators.js';
import type { AuthError } from './errors.js';
import { generateStoredKey, KeyRing } from './keys/key-ring.js';
import type { AuthPrincipal } from './principal.js';
import { RevocationList } from './revocation/revocation-list.js';
import { AccessTokenService } from './tokens/access-token.service.js';
import type { RefreshTokenStore } from './tokens/refresh-token.service.js';

@Controller()
class MeController {
  @Get('me')
  me(@CurrentPrincipal() p: AuthPrincipal) {
    return { sub: p.sub };
  }

  @Scopes('admin')
  @Get('admin')
  admin() {
    return { ok: true };
  }
}

const unusedRefresh = {} as RefreshTokenStore;
const noKeys: ApiKeyStore = { findByPrefix: async () => null, touch: async () => undefined } as unknown as ApiKeyStore;

// A tiny app with only this lib: the guard, its rejection hook, and the revocation list.
describe('AuthenticationGuard (a tiny app)', () => {
  let app: INestApplication;
  let base: string;
  const rejected: string[] = [];
  let answer429 = false;

  beforeAll(async () => {
    const clock = { now: () => Date.now() };
    const keyProvider = await KeyRing.fromKeys([await generateStoredKey(Date.now() - 1000)], clock);
    @Module({
      imports: [
        AuthModule.forRoot({
          issuer: 'urn:test',
          audience: 'urn:test',
          keyProvider,
          clock,
          refreshTokenStore: unusedRefresh,
          apiKeyStore: noKeys,
          onRejected: (_context, error: AuthError) => {
            rejected.push(error.code);
            if (answer429) throw new HttpException({ code: 'ERR_RATE_LIMITED' }, 429);
          },
        }),
      ],
      controllers: [MeController],
      providers: [{ provide: APP_GUARD, useExisting: AuthenticationGuard }],
    })
    class TinyModule {}
    const moduleRef = await Test.createTestingModule({ imports: [TinyModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.useGlobalFilters(new AuthErrorFilter(app.get(HttpAdapterHost), { issuer: 'urn:test', audience: 'urn:test' } as never));
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(async () => app?.close());
  beforeEach(() => {
    rejected.length = 0;
    answer429 = false;
  });

  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(base + path, { headers });
    return { status: res.status, body: (await res.json()) as { code?: string } };
  };
  const token = async (sub: string, scopes: string[] = []) => (await app.get(AccessTokenService).sign({ sub, scopes })).token;

  it('tells onRejected of every failed authentication, not of a missing scope', async () => {
    expect((await get('/me', { authorization: 'Bearer not-a-jwt' })).body.code).toBe('ERR_AUTH_TOKEN_INVALID');
    expect((await get('/me')).body.code).toBe('ERR_AUTH_CREDENTIALS_MISSING');
    expect((await get('/me', { 'x-api-key': 'bst_live_guess' })).body.code).toBe('ERR_AUTH_METHOD_NOT_ALLOWED');
    const ok = await token('u-1');
    expect((await get('/me', { authorization: `Bearer ${ok}` })).status).toBe(200);
    expect((await get('/admin', { authorization: `Bearer ${ok}` })).body.code).toBe('ERR_AUTH_INSUFFICIENT_SCOPE');
    expect(rejected).toEqual(['ERR_AUTH_TOKEN_INVALID', 'ERR_AUTH_CREDENTIALS_MISSING', 'ERR_AUTH_METHOD_NOT_ALLOWED']);
  });

  it('what onRejected throws is the answer (e.g. a 429)', async () => {
    answer429 = true;
    expect((await get('/me', { authorization: 'Bearer not-a-jwt' })).status).toBe(429);
  });

  it('a disabled subject is refused with ERR_AUTH_ACCOUNT_DISABLED; enabled again, its earlier tokens stay revoked', async () => {
    const revocations = app.get(RevocationList);
    const earlier = await token('u-2');
    await new Promise((r) => setTimeout(r, 1000)); // `iat` has whole seconds
    await revocations.revokeSubject('u-2', { disabled: true });
    expect((await get('/me', { authorization: `Bearer ${earlier}` })).body.code).toBe('ERR_AUTH_ACCOUNT_DISABLED');
    await revocations.revokeSubject('u-2', { disabled: false });
    expect((await get('/me', { authorization: `Bearer ${earlier}` })).body.code).toBe('ERR_AUTH_TOKEN_REVOKED');
    expect((await get('/me', { authorization: `Bearer ${await token('u-2')}` })).status).toBe(200);
    expect(rejected).toEqual(['ERR_AUTH_ACCOUNT_DISABLED', 'ERR_AUTH_TOKEN_REVOKED']);
  });
});
