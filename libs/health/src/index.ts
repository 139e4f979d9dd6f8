export { HealthModule } from './health.module.js';
export { HealthController } from './health.controller.js';
export { HealthNotReadyException } from './health.errors.js';
export { HEALTH_MODULE_OPTIONS } from './health.module-definition.js';
export type { HealthModuleOptions, ReadinessCheck } from './health.module-definition.js';
