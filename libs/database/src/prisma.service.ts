import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { PrismaClient } from './generated/prisma/client.js';
import type { DatabaseConnection } from './connection.js';

/** Injection token of the opened {@link DatabaseConnection}. */
export const DATABASE_CONNECTION = 'BASTION:DATABASE_CONNECTION';

/**
 * The Prisma client, on PostgreSQL or on the embedded PGlite database.
 * Inject it like any provider; it connects at start-up and closes the
 * database on shutdown (enable `app.enableShutdownHooks()`).
 */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleInit, OnModuleDestroy {
  constructor(@Inject(DATABASE_CONNECTION) readonly connection: DatabaseConnection) {
    super({ adapter: connection.adapter as never });
  }

  async onModuleInit(): Promise<void> {
    await this.$connect();
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
    await this.connection.close();
  }
}
