export { HealthModule } from './health.module';
export { HealthController } from './health.controller';
export { HealthNotReadyException } from './health.errors';
export { HEALTH_MODULE_OPTIONS } from './health.module-definition';
export type { HealthModuleOptions, ReadinessCheck } from './health.module-definition';
