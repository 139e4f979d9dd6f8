import { Module } from '@nestjs/common';
import { ConfigModule, type ConfigType } from '@nestjs/config';
import { DATABASE_CONNECTION, DatabaseModule, type DatabaseConnection } from '@bastion/database';
import { HealthModule } from '@bastion/health';
import { authServerConfigs, databaseConfig } from './config';
import { DiscoveryController } from './discovery.controller';

/**
 * The demo OAuth 2.0 / OpenID Connect authorization server. For now it
 * answers health checks and says what it will serve; the OAuth issue adds
 * oidc-provider.
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
      }),
    }),
    HealthModule.forRootAsync({
      inject: [DATABASE_CONNECTION],
      useFactory: (db: DatabaseConnection) => ({ checks: { database: () => db.ping() } }),
    }),
  ],
  controllers: [DiscoveryController],
})
export class AppModule {}
