import { startupErrorMessage } from '@bastion/config';
import { createApiApp } from './bootstrap';
import { validateApiEnvironment } from './config';

// The API alone (one instance behind a load balancer, or in a container).
// `npm start` runs it together with the auth server instead: scripts/launch.ts.
async function main(): Promise<void> {
  validateApiEnvironment();
  const { app, port, host } = await createApiApp();
  app.enableShutdownHooks();
  await app.listen(port, host);
  console.log(`Bastion API listening on http://${host}:${port}`);
}

main().catch((error: unknown) => {
  console.error(startupErrorMessage(error));
  process.exit(1);
});
