import type { INestApplication } from '@nestjs/common';
import { createPlatformApp } from '../../api/src/common/http-platform';
import { AppModule } from './app.module';
import { authServerConfig } from './config';

/** Builds the auth server from the environment without listening. */
export async function createAuthServerApp(): Promise<{ app: INestApplication; port: number; host: string }> {
  const config = authServerConfig();
  const app = await createPlatformApp(AppModule, config, { observability: false, auth: false });
  await app.init();
  return { app, port: config.AUTH_SERVER_PORT, host: config.HOST };
}
