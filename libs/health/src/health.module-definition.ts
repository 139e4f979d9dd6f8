import { ConfigurableModuleBuilder } from '@nestjs/common';

/** A dependency the app needs to serve requests; resolves when it answers. */
export type ReadinessCheck = () => Promise<unknown>;

/** Options of {@link HealthModule}. */
export interface HealthModuleOptions {
  /** Named readiness checks, e.g. `{ database: () => db.ping() }`. A check left `undefined` is skipped. */
  checks: Record<string, ReadinessCheck | undefined>;
  /** How long one check may take before it counts as down, in ms. Default 2000. */
  timeoutMs?: number;
}

export const {
  ConfigurableModuleClass: HealthConfigurableModule,
  MODULE_OPTIONS_TOKEN: HEALTH_MODULE_OPTIONS,
} = new ConfigurableModuleBuilder<HealthModuleOptions>().setClassMethodName('forRoot').build();
