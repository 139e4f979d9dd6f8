import { startupErrorMessage } from '@bastion/config';
import { createAuthServerApp } from './bootstrap';
import { validateAuthServerEnvironment } from './config';

// The auth server alone. `npm start` runs it together with the API: scripts/launch.ts.
async function main(): Promise<void> {
  validateAuthServerEnvironment();
  const { app, port, host } = await createAuthServerApp();
  app.enableShutdownHooks();
  await app.listen(port, host);
  console.log(`Bastion auth server listening on http://${host}:${port}`);
}

main().catch((error: unknown) => {
  console.error(startupErrorMessage(error));
  process.exit(1);
});
