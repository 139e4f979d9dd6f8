import { startupErrorMessage } from '@bastion/config';
import { enableGracefulShutdown } from '@bastion/http-app';
import { shutdownState } from './common/shutdown-state';
import { createApiApp } from './bootstrap';
import { apiConfig, validateApiEnvironment } from './config';

// The API alone (one instance behind a load balancer, or in a container).
// `npm start` runs it together with the auth server instead: scripts/launch.ts.
async function main(): Promise<void> {
  validateApiEnvironment();
  const { app, port, host } = await createApiApp();
  const cfg = apiConfig();
  // SIGTERM: readiness 503, in-flight requests finish, the audit buffer is written, connections close; a second
  // signal ends at once.
  enableGracefulShutdown(app, {
    drainDelayMs: cfg.SHUTDOWN_DRAIN_DELAY_MS,
    graceMs: cfg.SHUTDOWN_GRACE_MS,
    onDrain: () => (shutdownState.draining = true),
  });
  await app.listen(port, host);
  console.log(`Bastion API listening on http://${host}:${port}`);
}

main().catch((error: unknown) => {
  console.error(startupErrorMessage(error));
  process.exit(1);
});
