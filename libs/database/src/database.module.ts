import { Module } from '@nestjs/common';
import { openDatabase } from './connection';
import { DatabaseConfigurableModule, DATABASE_MODULE_OPTIONS } from './database.module-definition';
import { resolveDatabaseOptions, type DatabaseModuleOptions } from './database.options';
import { DATABASE_CONNECTION, PrismaService } from './prisma.service';

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
    PrismaService,
  ],
  exports: [PrismaService, DATABASE_CONNECTION],
})
export class DatabaseModule extends DatabaseConfigurableModule {}
