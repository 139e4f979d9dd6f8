/**
 * Whether this process is shutting down: set on the first SIGTERM (main.ts), read by the readiness check so that
 * `/health/ready` answers 503 while in-flight requests finish.
 */
export const shutdownState = { draining: false };

/**
 * A readiness check that exists only while draining: a getter, so that `/health/ready` lists `shutdown: down` then
 * and nothing at other times (the health lib skips a check that is `undefined`).
 */
export function shutdownCheck(): (() => Promise<void>) | undefined {
  return shutdownState.draining
    ? async () => {
        throw new Error('the process is shutting down');
      }
    : undefined;
}
