import type { INestApplication } from '@nestjs/common';

/** Options of {@link enableGracefulShutdown}. */
export interface GracefulShutdownOptions {
  /**
   * How long readiness answers 503 (through `onDrain`) while the server still serves, before it stops accepting
   * connections, in ms: a load balancer's probe needs that long to take the instance out. Default 2000.
   */
  drainDelayMs?: number;
  /** Longest the rest may take (in-flight requests, shutdown hooks such as the audit flush, closing connections), in ms. Default 10000. */
  graceMs?: number;
  /** The signals that start it. Default SIGTERM (what `docker stop` and Kubernetes send) and SIGINT (Ctrl-C). */
  signals?: NodeJS.Signals[];
  /** Called at once on the first signal: make readiness fail here. */
  onDrain?: () => void;
  /** Where progress goes. Default `console.log`. */
  log?: (message: string) => void;
  /** Ends the process (tests replace it). Default `process.exit`. */
  exit?: (code: number) => void;
}

function duration(value: number | undefined, fallback: number, name: string): number {
  const ms = value ?? fallback;
  if (!Number.isInteger(ms) || ms < 0 || ms > 600_000) throw new Error(`http-app option "${name}" must be an integer from 0 to 600000 (ms)`);
  return ms;
}

/**
 * Stops the app in order on SIGTERM / SIGINT, instead of Nest's `enableShutdownHooks()` (which closes at once):
 * 1. readiness goes 503 (`onDrain`) while requests are still served, for `drainDelayMs`;
 * 2. `app.close()`: the server stops accepting, in-flight requests finish, then Nest's shutdown hooks run (a
 *    buffered audit trail is written, database and Redis connections close) — all within `graceMs`, or the process
 *    ends with exit code 1;
 * 3. the process exits 0.
 * A second signal ends the process at once (exit code 1), for an operator who does not want to wait.
 *
 * @example
 * enableGracefulShutdown(app, { onDrain: () => (shutdownState.draining = true), graceMs: 10_000 });
 * await app.listen(3000);
 */
export function enableGracefulShutdown(app: INestApplication, options: GracefulShutdownOptions = {}): { stop(signal: string): Promise<void> } {
  const drainDelayMs = duration(options.drainDelayMs, 2000, 'drainDelayMs');
  const graceMs = duration(options.graceMs, 10_000, 'graceMs');
  const log = options.log ?? ((message: string) => console.log(message));
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping = false;

  const stop = async (signal: string): Promise<void> => {
    if (stopping) {
      log(`${signal} again: exiting now`);
      exit(1);
      return;
    }
    stopping = true;
    log(`${signal}: readiness is down; draining for ${drainDelayMs} ms, then closing within ${graceMs} ms`);
    options.onDrain?.();
    await new Promise((resolve) => setTimeout(resolve, drainDelayMs));
    const deadline = setTimeout(() => {
      log(`shutdown took longer than ${graceMs} ms: exiting with requests or hooks unfinished`);
      exit(1);
    }, graceMs);
    // A keep-alive connection whose last response went out after the close began would hold the server open until
    // the client hangs up: close connections as they fall idle.
    const server = app.getHttpServer() as { closeIdleConnections?: () => void };
    const sweeper = setInterval(() => server.closeIdleConnections?.(), 100);
    sweeper.unref();
    try {
      // The server first: Nest's app.close() runs the modules' destroy hooks (closing the database) before it closes
      // the server, which would fail the requests still in flight.
      await app.getHttpAdapter().close();
      await app.close();
      clearInterval(sweeper);
      clearTimeout(deadline);
      log('stopped');
      exit(0);
    } catch (error) {
      clearInterval(sweeper);
      clearTimeout(deadline);
      log(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
      exit(1);
    }
  };
  for (const signal of options.signals ?? ['SIGTERM', 'SIGINT']) process.on(signal, () => void stop(signal));
  return { stop };
}
