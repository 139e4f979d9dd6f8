import { type INestApplication, VersioningType } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AuthErrorFilter } from '@bastion/auth';
import { createHttpApp } from '@bastion/http-app';
import { ProblemDetailsFilter } from '@bastion/problem-details';
import { AppModule } from './app.module';
import { validationPipe } from './common/validation';
import { apiConfig } from './config';

/**
 * Builds the API from the environment without listening: `main.ts`, the
 * `npm start` launcher and the e2e tests all start it this way.
 */
export async function createApiApp(): Promise<{ app: INestApplication; port: number; host: string }> {
  const config = apiConfig();
  const app = await createHttpApp(AppModule, {
    adapter: config.HTTP_ADAPTER,
    trustProxy: config.TRUST_PROXY,
    logLevel: config.LOG_LEVEL,
  });
  app.enableVersioning({ type: VersioningType.URI, defaultVersion: '1' });
  // Filters registered later are consulted first: AuthErrorFilter answers
  // AuthError with its WWW-Authenticate challenges, the problem filter the rest.
  app.useGlobalFilters(new ProblemDetailsFilter(app.get(HttpAdapterHost)), app.get(AuthErrorFilter));
  app.useGlobalPipes(validationPipe());
  await app.init();
  return { app, port: config.PORT, host: config.HOST };
}
