import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller.js';
import { HealthConfigurableModule } from './health.module-definition.js';

/**
 * Liveness and readiness endpoints on @nestjs/terminus.
 *
 * @example
 * HealthModule.forRootAsync({
 *   inject: [DATABASE_CONNECTION],
 *   useFactory: (db) => ({ checks: { database: () => db.ping() } }),
 * })
 */
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
})
export class HealthModule extends HealthConfigurableModule {}
