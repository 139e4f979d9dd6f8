import { type INestApplication, VersioningType } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { Metrics } from '@bastion/observability';
import { DeprecationInterceptor } from '@bastion/versioning';
import { AppModule } from './app.module';
import { createPlatformApp } from './common/http-platform';
import { FieldIntegrityFilter } from './encryption/field-integrity.filter';
import { apiConfig, docsConfig } from './config';
import { docsContentSecurityPolicy, setupApiDocs } from './docs/api-docs';

/**
 * The demo's versioning policy: the v1 routes that have a v2 successor
 * (`@Successor`) are deprecated and retired on the sunset date; every other
 * v1 route is current (docs/versioning.md). No `policyUrl`: the demo has no
 * public page to send clients to, and a link must lead somewhere.
 */
export const API_V1_DEPRECATION = {
  since: new Date('2026-11-01T00:00:00Z'),
  sunset: new Date('2027-11-01T00:00:00Z'),
  perRoute: true,
};

/**
 * Builds the API from the environment without listening: `main.ts`, the
 * `npm start` launcher and the e2e tests all start it this way.
 */
export async function createApiApp(): Promise<{ app: INestApplication; port: number; host: string }> {
  const config = apiConfig();
  const docs = docsConfig();
  const app = await createPlatformApp(AppModule, config, { observability: true, auth: true, docsCsp: docsContentSecurityPolicy(docs) });
  app.enableVersioning({ type: VersioningType.URI, defaultVersion: '1' });
  // Registered after the platform's filters, so consulted before them: an encrypted value that fails to decrypt.
  app.useGlobalFilters(new FieldIntegrityFilter(app.get(HttpAdapterHost), app.get(Metrics)));
  app.useGlobalInterceptors(new DeprecationInterceptor(app.get(Reflector), { deprecated: { '1': API_V1_DEPRECATION }, defaultVersion: '1' }));
  // /docs and /docs-json as API_DOCS says (off by default in production).
  setupApiDocs(app, docs, { '1': API_V1_DEPRECATION });
  try {
    await app.init();
  } catch (error) {
    // A refused start (e.g. keys that cannot decrypt the data) still lets go of the database pool and timers.
    await app.close().catch(() => undefined);
    throw error;
  }
  return { app, port: config.PORT, host: config.HOST };
}
