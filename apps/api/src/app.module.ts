import { Module } from '@nestjs/common';
import { ConfigModule, type ConfigType } from '@nestjs/config';
import { logFormatFor } from '@bastion/config';
import { DATABASE_CONNECTION, DatabaseModule, type DatabaseConnection } from '@bastion/database';
import { parseDuration, Public, RevocationList } from '@bastion/auth';
import { AuditTrail } from '@bastion/audit';
import { AuthzService } from '@bastion/authz';
import { LogAlertSink, MetricsController, ObservabilityModule, WebhookAlertSink } from '@bastion/observability';
import { SkipThrottle } from '@bastion/throttling';
import { HealthController, HealthModule } from '@bastion/health';
import { REDIS_CLIENT, RedisModule } from '@bastion/redis';
import type Redis from 'ioredis';
import { AccountsModule } from './accounts/accounts.module';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { AuthCacheModule } from './auth/auth-cache.module';
import { AuthModule } from './auth/auth.module';
import { AuthzModule } from './authz/authz.module';
import { apiConfig, apiConfigs, databaseConfig, observabilityConfig, redisConfig } from './config';
import { AuditModule } from './audit/audit.module';
import { shutdownCheck } from './common/shutdown-state';
import { DocumentsModule } from './documents/documents.module';
import { EncryptionModule, FIELD_KEYS } from './encryption/encryption.module';
import { encryptedClient, type FieldKeys } from './encryption/field-keys';
import { OidcLoginModule } from './oidc/oidc-login.module';
import { RateLimitsModule } from './rate-limits/rate-limits.module';
import { SamlModule } from './saml/saml.module';
import { UsersModule } from './users/users.module';
import { SessionsModule } from './sessions/sessions.module';
import { ApiOkResponse } from '@nestjs/swagger';
import { PublicRoute, Undocumented } from './docs/api-docs.decorators';
import { HealthSchema } from './docs/response-schemas';

// Probes carry no credentials and must not be rate limited away. The health
// lib knows nothing of the auth and throttling libs (libs copy alone), so the
// app marks its controller here.
PublicRoute({ rateLimited: false })(HealthController);
// The lib's `live` has no response metadata (`ready` has terminus's own).
ApiOkResponse({ type: HealthSchema })(HealthController.prototype, 'live', Object.getOwnPropertyDescriptor(HealthController.prototype, 'live') as PropertyDescriptor);
SkipThrottle()(HealthController);
// /metrics guards itself (loopback or METRICS_TOKEN) and must answer a scraper's every call.
Public()(MetricsController);
SkipThrottle()(MetricsController);
Undocumented('answers 404 to anyone but loopback or a METRICS_TOKEN bearer, so that it is advertised nowhere')(MetricsController);

/** The demo API. Each feature is a module of its own folder. */
@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: apiConfigs }),
    ObservabilityModule.forRootAsync({
      inject: [apiConfig.KEY, observabilityConfig.KEY],
      useFactory: (api: ConfigType<typeof apiConfig>, cfg: ConfigType<typeof observabilityConfig>) => {
        const [logins, loginWindow] = cfg.ALERT_LOGIN_FAILURES.split('/') as [string, string];
        const [denials, denialWindow] = cfg.ALERT_AUTHZ_DENIALS.split('/') as [string, string];
        return {
          service: 'bastion-api',
          logLevel: api.LOG_LEVEL,
          logFormat: logFormatFor(api, process.stdout.isTTY === true, Boolean(process.env.CI)),
          metricsToken: cfg.METRICS_TOKEN,
          alerts: {
            rules: [
              { name: 'login-bruteforce', event: 'auth.login:failure', threshold: Number(logins), windowMs: parseDuration(loginWindow) * 1000 },
              { name: 'authz-denials', event: 'authz.denied:denied', threshold: Number(denials), windowMs: parseDuration(denialWindow) * 1000 },
              { name: 'refresh-token-reuse', event: 'auth.refresh.reuse:denied', threshold: 1, windowMs: 600_000 },
            ],
            sinks: [new LogAlertSink(), ...(cfg.ALERT_WEBHOOK_URL ? [new WebhookAlertSink(cfg.ALERT_WEBHOOK_URL)] : [])],
          },
        };
      },
    }),
    DatabaseModule.forRootAsync({
      isGlobal: true,
      imports: [EncryptionModule],
      inject: [databaseConfig.KEY, FIELD_KEYS],
      useFactory: (db: ConfigType<typeof databaseConfig>, keys: FieldKeys) => ({
        url: db.DATABASE_URL,
        embeddedDir: db.EMBEDDED_DB_DIR,
        poolSize: db.DATABASE_POOL_SIZE,
        statementTimeoutMs: db.DATABASE_STATEMENT_TIMEOUT_MS,
        poolTimeoutMs: db.DATABASE_POOL_TIMEOUT_MS,
        // Encrypted fields (Document.body, User.phone) are declared once, in apps/api/src/encryption.
        extendClient: (client) => encryptedClient(client, keys),
      }),
    }),
    RedisModule.forRootAsync({
      isGlobal: true,
      inject: [redisConfig.KEY],
      useFactory: (redis: ConfigType<typeof redisConfig>) => ({ url: redis.REDIS_URL, settingsCheck: redis.REDIS_SETTINGS_CHECK }),
    }),
    // After the database: on shutdown the audit buffer is written before the database closes.
    AuditModule,
    HealthModule.forRootAsync({
      imports: [AuthzModule, AuthModule],
      inject: [DATABASE_CONNECTION, REDIS_CLIENT, AuditTrail, AuthzService, RevocationList],
      useFactory: (db: DatabaseConnection, redis: Redis | null, audit: AuditTrail, authz: AuthzService, revocations: RevocationList) => ({
        checks: {
          // Listed (and down) only after SIGTERM: the load balancer stops sending before the server closes.
          get shutdown() {
            return shutdownCheck();
          },
          database: () => db.ping(),
          redis: redis ? () => redis.ping() : undefined,
          // Policies that failed to load at start-up (the database was away) leave an instance that can only
          // answer 503: not ready until they load (the probe itself starts a load attempt).
          policies: () => authz.checkReady(),
          // Likewise the revocation list: until it has been read, every credential is refused with 503.
          revocations: () => revocations.checkReady(),
          // The writer keeps up: a saturated buffer means writes are being refused to keep events from being dropped.
          audit: async () => {
            if (audit.saturated) throw new Error(`audit buffer holds ${audit.depth} events`);
          },
        },
      }),
    }),
    // Before AuthModule: the API-key store and authorization read through its caches.
    AuthCacheModule,
    AuthModule,
    // After AuthModule: its guard must see the authenticated principal.
    RateLimitsModule,
    AuthzModule,
    UsersModule,
    SessionsModule,
    ApiKeysModule,
    DocumentsModule,
    SamlModule,
    OidcLoginModule,
    AccountsModule,
  ],
})
export class AppModule {}
