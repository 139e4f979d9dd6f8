import type { INestApplication } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { createHttpApp } from '@bastion/http-app';
import { ProblemDetailsFilter } from '@bastion/problem-details';
import { AppModule } from './app.module';
import { authServerConfig } from './config';

/** Builds the auth server from the environment without listening. */
export async function createAuthServerApp(): Promise<{ app: INestApplication; port: number; host: string }> {
  const config = authServerConfig();
  const app = await createHttpApp(AppModule, {
    adapter: config.HTTP_ADAPTER,
    trustProxy: config.TRUST_PROXY,
    logLevel: config.LOG_LEVEL,
  });
  app.useGlobalFilters(new ProblemDetailsFilter(app.get(HttpAdapterHost)));
  await app.init();
  return { app, port: config.AUTH_SERVER_PORT, host: config.HOST };
}
