import type { INestApplication } from '@nestjs/common';
import type { default as Provider } from 'oidc-provider';
import { createPlatformApp } from '../../api/src/common/http-platform';
import { AppModule } from './app.module';
import { authServerConfig, oidcConfig } from './config';
import { mountProvider } from './oidc/mount-provider';
import { OIDC_PROVIDER } from './oidc/oidc.tokens';

/** Builds the auth server from the environment without listening. */
export async function createAuthServerApp(): Promise<{ app: INestApplication; port: number; host: string }> {
  const config = authServerConfig();
  const app = await createPlatformApp(AppModule, config, {
    observability: false,
    auth: false,
    // oidc-provider answers its own paths on the raw request, before Nest parses any body.
    beforeBodyParsing: (created) => mountProvider(created, created.get<Provider>(OIDC_PROVIDER).callback(), oidcConfig().AUTH_SERVER_ISSUER),
  });
  await app.init();
  return { app, port: config.AUTH_SERVER_PORT, host: config.HOST };
}
