import { Module } from '@nestjs/common';
import { ConfigModule, type ConfigType } from '@nestjs/config';
import { DATABASE_CONNECTION, DatabaseModule, type DatabaseConnection } from '@bastion/database';
import { parseDuration, Public } from '@bastion/auth';
import { AuditTrail } from '@bastion/audit';
import { LogAlertSink, MetricsController, ObservabilityModule, WebhookAlertSink } from '@bastion/observability';
import { SkipThrottle } from '@bastion/throttling';
import { HealthController, HealthModule } from '@bastion/health';
import { REDIS_CLIENT, RedisModule } from '@bastion/redis';
import type Redis from 'ioredis';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { AuthModule } from './auth/auth.module';
import { AuthzModule } from './authz/authz.module';
import { apiConfig, apiConfigs, databaseConfig, observabilityConfig, redisConfig } from './config';
import { AuditModule } from './audit/audit.module';
import { DocumentsModule } from './documents/documents.module';
import { OidcLoginModule } from './oidc/oidc-login.module';
import { RateLimitsModule } from './rate-limits/rate-limits.module';
import { UsersModule } from './users/users.module';

// Probes carry no credentials and must not be rate limited away. The health
// lib knows nothing of the auth and throttling libs (libs copy alone), so the
// app marks its controller here.
Public()(HealthController);
SkipThrottle()(HealthController);
// /metrics guards itself (loopback or METRICS_TOKEN) and must answer a scraper's every call.
Public()(MetricsController);
SkipThrottle()(MetricsController);

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
      inject: [databaseConfig.KEY],
      useFactory: (db: ConfigType<typeof databaseConfig>) => ({
        url: db.DATABASE_URL,
        embeddedDir: db.EMBEDDED_DB_DIR,
        poolSize: db.DATABASE_POOL_SIZE,
      }),
    }),
    RedisModule.forRootAsync({
      isGlobal: true,
      inject: [redisConfig.KEY],
      useFactory: (redis: ConfigType<typeof redisConfig>) => ({ url: redis.REDIS_URL }),
    }),
    // After the database: on shutdown the audit buffer is written before the database closes.
    AuditModule,
    HealthModule.forRootAsync({
      inject: [DATABASE_CONNECTION, REDIS_CLIENT, AuditTrail],
      useFactory: (db: DatabaseConnection, redis: Redis | null, audit: AuditTrail) => ({
        checks: {
          database: () => db.ping(),
          redis: redis ? () => redis.ping() : undefined,
          // The writer keeps up: a buffer close to full means events are about to be dropped.
          audit: async () => {
            if (audit.depth >= 9000) throw new Error(`audit buffer holds ${audit.depth} events`);
          },
        },
      }),
    }),
    AuthModule,
    // After AuthModule: its guard must see the authenticated principal.
    RateLimitsModule,
    AuthzModule,
    UsersModule,
    ApiKeysModule,
    DocumentsModule,
    OidcLoginModule,
  ],
})
export class AppModule {}
