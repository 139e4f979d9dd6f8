import { Controller, Get, Header, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuditModule, MemoryAuditStore } from './libs/audit/src/index.js';
import {
  AuthenticationGuard,
  AuthModule,
  generateStoredKey,
  KeyRing,
  Public,
  systemClock,
  type AuthPrincipal,
} from './libs/auth/src/index.js';
import { AuthOidcModule } from './libs/auth-oidc/src/index.js';
import { AuthSamlModule, SamlServiceProvider } from './libs/auth-saml/src/index.js';
import { AuthzModule, type AuthzPrincipal } from './libs/authz/src/index.js';
import { HealthController, HealthModule } from './libs/health/src/index.js';
import { MailModule } from './libs/mail/src/index.js';
import { MetricsController, ObservabilityModule } from './libs/observability/src/index.js';
import { RedisModule } from './libs/redis/src/index.js';
import { BastionThrottlerGuard, parseRate, SkipThrottle, ThrottlingModule } from './libs/throttling/src/index.js';
import { AppController } from './app.controller.js';
import { NOTES_MODULES } from './notes.module.js';
import { MemoryApiKeyStore, MemoryRefreshTokenStore, StaticPolicyStore, Users } from './memory-stores.js';

const users = new Users();
const apiKeyStore = new MemoryApiKeyStore();
const auditStore = new MemoryAuditStore(); // README step 7: keep your own reference to search it

/** @bastion/auth-saml README step 4: the SP metadata route. */
@Public()
@Controller('saml')
export class SamlController {
  constructor(private readonly sp: SamlServiceProvider) {}

  @Get('metadata')
  @Header('Content-Type', 'application/samlmetadata+xml')
  metadata() {
    return this.sp.metadata();
  }
}

// Controllers of other libs: open to probes and scrapers, not rate limited (auth README step 6, observability step 4).
Public()(HealthController);
Public()(MetricsController);
SkipThrottle()(HealthController);
SkipThrottle()(MetricsController);

@Module({
  imports: [
    RedisModule.forRoot({ isGlobal: true }), // no url: REDIS_CLIENT is null, everything stays in memory
    ObservabilityModule.forRoot({ service: 'copy-app', logLevel: 'warn' }),
    AuthModule.forRootAsync({
      useFactory: async () => ({
        issuer: 'https://copy-app.example',
        audience: 'copy-app',
        keyProvider: await KeyRing.fromKeys([await generateStoredKey(Date.now())], systemClock),
        refreshTokenStore: new MemoryRefreshTokenStore(),
        apiKeyStore,
        attributeClaims: ['role'],
      }),
    }),
    AuthzModule.forRoot({
      schema: { actions: ['read', 'delete'], subjects: { Document: ['id', 'title'] }, attributes: [] },
      store: new StaticPolicyStore(),
      pollIntervalMs: 0,
      async principalOf(request: unknown): Promise<AuthzPrincipal | null> {
        const req = request as { user?: AuthPrincipal; ip?: string };
        const user = req.user && users.byId.get(req.user.sub);
        return user ? { id: user.id, role: user.role, attributes: {}, address: req.ip } : null;
      },
    }),
    AuditModule.forRoot({ store: auditStore, flushIntervalMs: 50 }),
    ThrottlingModule.forRoot({ throttlers: [{ name: 'api', ...parseRate('100/1m') }] }),
    HealthModule.forRoot({ checks: {} }),
    // No smtpUrl: the development outbox (nothing is written until a mail is sent).
    MailModule.forRoot({ from: 'Copy App <noreply@copy-app.example>' }),
    // Discovery is lazy: nothing is fetched until a token names this issuer.
    AuthOidcModule.forRoot({
      issuers: [{ name: 'example', discoveryUrl: 'https://idp.example.com/.well-known/openid-configuration', audience: 'copy-app' }],
    }),
    AuthSamlModule.forRoot({ entityId: 'https://copy-app.example/saml', acsUrl: 'https://copy-app.example/saml/acs' }),
    ...NOTES_MODULES,
  ],
  controllers: [AppController, SamlController],
  providers: [
    { provide: Users, useValue: users },
    { provide: MemoryApiKeyStore, useValue: apiKeyStore },
    { provide: MemoryAuditStore, useValue: auditStore },
    { provide: APP_GUARD, useExisting: AuthenticationGuard },
    { provide: APP_GUARD, useClass: BastionThrottlerGuard },
  ],
})
export class AppModule {}
