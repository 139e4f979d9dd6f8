import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import { IsEmail, IsString, MaxLength } from 'class-validator';
import {
  AccessTokenService,
  ApiKeyService,
  Auth,
  AuthError,
  CurrentPrincipal,
  LoginAttemptLimiter,
  PasswordHasher,
  Public,
  RefreshTokenService,
  type AuthPrincipal,
} from './libs/auth/src/index.js';
import { AuditTrail, MemoryAuditStore } from './libs/audit/src/index.js';
import { Authz, CheckPolicies, PoliciesGuard, type AuthzContext } from './libs/authz/src/index.js';
import { BodyLimit } from './libs/validation/src/index.js';
import { SkipThrottle, Throttle } from './libs/throttling/src/index.js';
import { SuccessorVersion } from './libs/versioning/src/index.js';
import { MemoryApiKeyStore, Users } from './memory-stores.js';

export class LoginDto {
  @IsEmail() @MaxLength(254) email!: string;
  @IsString() @MaxLength(128) password!: string;
}

interface HttpRequest {
  ip?: string;
  headers: Record<string, string | string[] | undefined>;
}

/** Login and the routes the copy test calls; every route but login needs a credential (the guard is global). */
@Controller()
export class AppController {
  constructor(
    private readonly users: Users,
    private readonly apiKeyStore: MemoryApiKeyStore,
    private readonly hasher: PasswordHasher,
    private readonly limiter: LoginAttemptLimiter,
    private readonly accessTokens: AccessTokenService,
    private readonly refreshTokens: RefreshTokenService,
    private readonly apiKeys: ApiKeyService,
    private readonly audit: AuditTrail,
    private readonly auditStore: MemoryAuditStore,
  ) {}

  /** README step 7 of @bastion/auth, condensed. */
  @Public()
  @SkipThrottle({ api: true })
  @BodyLimit(2 * 1024)
  @HttpCode(200)
  @Post('auth/login')
  async login(@Body() dto: LoginDto, @Req() req: HttpRequest) {
    const email = dto.email.trim().toLowerCase();
    const attempt = await this.limiter.begin(email, req.ip ?? 'unknown');
    const user = this.users.byEmail.get(email);
    const ok = user ? await this.hasher.verify(user.passwordHash, dto.password) : await this.hasher.verifyNothing(dto.password);
    this.audit.record({
      action: 'auth.login',
      outcome: ok ? 'success' : 'failure',
      actorType: 'user',
      actorId: user?.id ?? null,
      clientAddress: req.ip ?? null,
    });
    if (!user || !ok) {
      await attempt.failed();
      throw new AuthError('ERR_AUTH_INVALID_CREDENTIALS', 'The email or password is incorrect');
    }
    await attempt.succeeded();
    const access = await this.accessTokens.sign({ sub: user.id, scopes: ['profile:read'], claims: { role: user.role } });
    const refresh = await this.refreshTokens.issue(user.id, access);
    return { accessToken: access.token, refreshToken: refresh.token, tokenType: 'Bearer', expiresIn: access.expiresIn };
  }

  @Auth('jwt', 'api-key')
  @SuccessorVersion('/v2/me')
  @Get('me')
  me(@CurrentPrincipal() principal: AuthPrincipal) {
    return { sub: principal.sub, method: principal.method };
  }

  /** Makes an API key for the caller; the key is shown once. */
  @Auth('jwt')
  @Post('api-keys')
  createApiKey(@CurrentPrincipal() principal: AuthPrincipal) {
    const generated = this.apiKeys.generate();
    const id = `key-${this.apiKeyStore.byPrefix.size + 1}`;
    this.apiKeyStore.byPrefix.set(generated.prefix, {
      id,
      ownerId: principal.sub,
      digest: generated.digest,
      scopes: ['profile:read'],
      expiresAt: null,
      revokedAt: null,
      lastUsedAt: null,
      ownerActive: true,
      attributes: {},
    });
    return { id, key: generated.key };
  }

  @UseGuards(PoliciesGuard)
  @CheckPolicies({ action: 'read', subject: 'Document' })
  @Get('documents')
  documents(@Authz() ctx: AuthzContext) {
    return { documents: [], role: ctx.principal.role };
  }

  @UseGuards(PoliciesGuard)
  @CheckPolicies({ action: 'delete', subject: 'Document' })
  @Delete('documents/:id')
  deleteDocument(@Param('id') id: string) {
    return { deleted: id };
  }

  /** Two per minute per caller, to see a 429 quickly. */
  @Public()
  @Throttle({ api: { limit: 2, ttl: 60_000 } })
  @Get('limited')
  limited() {
    return { ok: true };
  }

  @Auth('jwt')
  @Get('audit')
  async auditEvents() {
    await this.audit.flush();
    return this.auditStore.search({ limit: 10 });
  }
}
