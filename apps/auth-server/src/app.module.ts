import { Module } from '@nestjs/common';
import { ConfigModule, type ConfigType } from '@nestjs/config';
import { AuditModule, SqlAuditStore } from '@bastion/audit';
import { DATABASE_CONNECTION, DatabaseModule, type DatabaseConnection } from '@bastion/database';
import { HealthModule } from '@bastion/health';
import { shutdownCheck } from '../../api/src/common/shutdown-state';
import { REDIS_CLIENT, RedisModule } from '@bastion/redis';
import type Redis from 'ioredis';
import { auditConfig, authServerConfigs, databaseConfig, redisConfig } from './config';
import { DiscoveryController } from './discovery.controller';
import { OidcModule } from './oidc/oidc.module';

/**
 * The demo OAuth 2.0 / OpenID Connect authorization server: oidc-provider
 * (mounted on the HTTP server in bootstrap.ts) with Bastion's users, its
 * sign-in and consent pages, and health checks.
 */
@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: authServerConfigs }),
    DatabaseModule.forRootAsync({
      isGlobal: true,
      inject: [databaseConfig.KEY],
      useFactory: (db: ConfigType<typeof databaseConfig>) => ({
        url: db.DATABASE_URL,
        embeddedDir: db.EMBEDDED_DB_DIR,
        poolSize: db.DATABASE_POOL_SIZE,
        statementTimeoutMs: db.DATABASE_STATEMENT_TIMEOUT_MS,
        poolTimeoutMs: db.DATABASE_POOL_TIMEOUT_MS,
      }),
    }),
    // After the database: on shutdown the audit buffer is written before the database closes.
    // The API's chain (same table, same key); writers are serialised by the store's advisory lock.
    AuditModule.forRootAsync({
      inject: [DATABASE_CONNECTION, auditConfig.KEY],
      useFactory: (db: DatabaseConnection, cfg: ConfigType<typeof auditConfig>) => ({
        store: new SqlAuditStore({
          query: (sql, params) => db.session((s) => s.query(sql, params)),
          transaction: (fn) => db.session((s) => s.transaction(fn)),
        }),
        hmacKey: cfg.AUDIT_HMAC_KEY,
      }),
    }),
    RedisModule.forRootAsync({
      isGlobal: true,
      inject: [redisConfig.KEY],
      useFactory: (redis: ConfigType<typeof redisConfig>) => ({ url: redis.REDIS_URL }),
    }),
    HealthModule.forRootAsync({
      inject: [DATABASE_CONNECTION, REDIS_CLIENT],
      useFactory: (db: DatabaseConnection, redis: Redis | null) => ({
        checks: {
          // Listed (and down) only after SIGTERM, as on the API (apps/api/src/common/shutdown-state.ts).
          get shutdown() {
            return shutdownCheck();
          },
          database: () => db.ping(),
          redis: redis ? () => redis.ping() : undefined,
        },
      }),
    }),
    OidcModule,
  ],
  controllers: [DiscoveryController],
})
export class AppModule {}
