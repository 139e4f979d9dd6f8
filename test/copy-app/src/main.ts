import 'reflect-metadata';
import { VersioningType } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { AuthErrorFilter, PasswordHasher } from './libs/auth/src/index.js';
import { httpEnv, parseEnv, port, runtimeEnv } from './libs/config/src/index.js';
import { decryptField, encryptField, FieldKeyRing, generateFieldKey } from './libs/field-encryption/src/index.js';
import { createHttpApp } from './libs/http-app/src/index.js';
import { installHttpMetrics, Logger, Metrics } from './libs/observability/src/index.js';
import { ProblemDetailsFilter } from './libs/problem-details/src/index.js';
import { applySecurityHeaders } from './libs/security-headers/src/index.js';
import { BodyLimitGuard, createValidationPipe, JsonShapePipe } from './libs/validation/src/index.js';
import { DeprecationInterceptor } from './libs/versioning/src/index.js';
import { AppModule } from './app.module.js';
import { Users } from './memory-stores.js';
import { randomBytes } from 'node:crypto';

/** The app's settings, checked once (libs/config). */
const env = parseEnv(runtimeEnv.extend(httpEnv.shape).extend({ PORT: port(3000) }), process.env);

/** A start-up self-check of libs/field-encryption: a value encrypted with the ring decrypts to itself. */
function checkFieldEncryption(): void {
  const key = generateFieldKey();
  const ring = new FieldKeyRing({ activeKid: key.kid, keys: [key], blindIndexKey: randomBytes(32) });
  const ctx = { model: 'Note', field: 'body', id: 'n1' };
  if (decryptField(ring, encryptField(ring, 'secret', ctx), ctx) !== 'secret') throw new Error('field encryption round trip failed');
}

async function bootstrap(): Promise<void> {
  checkFieldEncryption();
  const app = await createHttpApp(AppModule, {
    adapter: env.HTTP_ADAPTER,
    trustProxy: env.TRUST_PROXY,
    logLevel: env.LOG_LEVEL,
    beforeBodyParsing: async (a) => {
      await applySecurityHeaders(a, { corsOrigins: [] });
      installHttpMetrics(a, a.get(Metrics));
    },
  });
  app.useLogger(app.get(Logger));
  app.enableVersioning({ type: VersioningType.URI, defaultVersion: '1' });
  app.useGlobalInterceptors(
    new DeprecationInterceptor(app.get(Reflector), {
      deprecated: { '1': { since: new Date('2026-11-01T00:00:00Z'), sunset: new Date('2027-11-01T00:00:00Z') } },
      defaultVersion: '1',
    }),
  );
  app.useGlobalFilters(new ProblemDetailsFilter(app.get(HttpAdapterHost)), app.get(AuthErrorFilter));
  app.useGlobalGuards(new BodyLimitGuard(app.get(Reflector)));
  app.useGlobalPipes(new JsonShapePipe(), createValidationPipe());
  app.enableShutdownHooks();

  const hasher = app.get(PasswordHasher);
  app.get(Users).add({ id: 'u-viewer', email: 'viewer@example.com', passwordHash: await hasher.hash('correct horse battery staple'), role: 'viewer' });

  await app.listen(env.PORT, env.HOST);
  console.log(`COPY_APP_READY ${env.PORT}`);
}

void bootstrap().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
