import { startupErrorMessage } from '@bastion/config';
import { enableGracefulShutdown } from '@bastion/http-app';
import { createAuthServerApp } from './bootstrap';
import { shutdownState } from '../../api/src/common/shutdown-state';
import { authServerConfig, validateAuthServerEnvironment } from './config';

// The auth server alone. `npm start` runs it together with the API: scripts/launch.ts.
async function main(): Promise<void> {
  validateAuthServerEnvironment();
  const { app, port, host } = await createAuthServerApp();
  const cfg = authServerConfig();
  // SIGTERM: readiness 503, in-flight requests finish, then connections close; a second signal ends at once.
  enableGracefulShutdown(app, {
    drainDelayMs: cfg.SHUTDOWN_DRAIN_DELAY_MS,
    graceMs: cfg.SHUTDOWN_GRACE_MS,
    onDrain: () => (shutdownState.draining = true),
  });
  await app.listen(port, host);
  console.log(`Bastion auth server listening on http://${host}:${port}`);
}

main().catch((error: unknown) => {
  console.error(startupErrorMessage(error));
  process.exit(1);
});
