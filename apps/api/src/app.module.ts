import { Module } from '@nestjs/common';
import { ConfigModule, type ConfigType } from '@nestjs/config';
import { DATABASE_CONNECTION, DatabaseModule, type DatabaseConnection } from '@bastion/database';
import { Public } from '@bastion/auth';
import { SkipThrottle } from '@bastion/throttling';
import { HealthController, HealthModule } from '@bastion/health';
import { REDIS_CLIENT, RedisModule } from '@bastion/redis';
import type Redis from 'ioredis';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { AuthModule } from './auth/auth.module';
import { AuthzModule } from './authz/authz.module';
import { apiConfigs, databaseConfig, redisConfig } from './config';
import { DocumentsModule } from './documents/documents.module';
import { RateLimitsModule } from './rate-limits/rate-limits.module';
import { UsersModule } from './users/users.module';

// Probes carry no credentials and must not be rate limited away. The health
// lib knows nothing of the auth and throttling libs (libs copy alone), so the
// app marks its controller here.
Public()(HealthController);
SkipThrottle()(HealthController);

/** The demo API. Each feature is a module of its own folder. */
@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: apiConfigs }),
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
    HealthModule.forRootAsync({
      inject: [DATABASE_CONNECTION, REDIS_CLIENT],
      useFactory: (db: DatabaseConnection, redis: Redis | null) => ({
        checks: { database: () => db.ping(), redis: redis ? () => redis.ping() : undefined },
      }),
    }),
    AuthModule,
    // After AuthModule: its guard must see the authenticated principal.
    RateLimitsModule,
    AuthzModule,
    UsersModule,
    ApiKeysModule,
    DocumentsModule,
  ],
})
export class AppModule {}
