import { Module } from '@nestjs/common';
import { type DatabaseConnection, openDatabase } from './connection.js';
import { DatabaseConfigurableModule, DATABASE_MODULE_OPTIONS } from './database.module-definition.js';
import { resolveDatabaseOptions, type DatabaseModuleOptions } from './database.options.js';
import { DATABASE_CONNECTION, PrismaService } from './prisma.service.js';

/**
 * Provides {@link PrismaService} on PostgreSQL (`url`) or on the embedded
 * PGlite database (`embeddedDir`).
 *
 * @example
 * DatabaseModule.forRoot({ url: process.env.DATABASE_URL, isGlobal: true })
 */
@Module({
  providers: [
    {
      provide: DATABASE_CONNECTION,
      inject: [DATABASE_MODULE_OPTIONS],
      useFactory: (options: DatabaseModuleOptions) => openDatabase(resolveDatabaseOptions(options)),
    },
    {
      provide: PrismaService,
      inject: [DATABASE_CONNECTION, DATABASE_MODULE_OPTIONS],
      // A factory rather than the class alone: `extendClient` may hand back an
      // extended client (a proxy over this one) for every injector to share.
      useFactory: (connection: DatabaseConnection, options: DatabaseModuleOptions) => {
        const client = new PrismaService(connection);
        return options.extendClient ? options.extendClient(client) : client;
      },
    },
  ],
  exports: [PrismaService, DATABASE_CONNECTION],
})
export class DatabaseModule extends DatabaseConfigurableModule {}
