import { randomBytes } from 'node:crypto';
import { freePort, runNode, answers } from './support/processes';

// Acceptance 4: a bad setting stops the process before it listens, naming the variable.
describe('configuration is validated before listening (e2e)', () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ['PORT=abc', { PORT: 'abc' }, /PORT: must be a port number/],
    ['PORT=70000', { PORT: '70000' }, /PORT: must be a port number/],
    ['DATABASE_URL=mysql://x', { DATABASE_URL: 'mysql://x' }, /DATABASE_URL: must be a PostgreSQL URL/],
    ['HTTP_ADAPTER=koa', { HTTP_ADAPTER: 'koa' }, /HTTP_ADAPTER: must be one of: fastify, express/],
    ['REDIS_URL=http://x', { REDIS_URL: 'http://x' }, /REDIS_URL: must be a Redis URL/],
    ['LOG_LEVEL=loud', { LOG_LEVEL: 'loud' }, /LOG_LEVEL: must be one of/],
  ];

  it.each(cases)('the API exits non-zero on %s', async (_name, bad, message) => {
    const port = await freePort();
    const child = runNode('dist/apps/api/src/main.js', { PORT: String(port), EMBEDDED_DB_DIR: 'memory://', ...bad });
    const code = await child.exited;
    expect(code).toBe(1);
    expect(child.output()).toMatch(message);
    expect(child.output()).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect(await answers(`http://127.0.0.1:${port}/health/live`)).toBe(false);
  });

  it('production refuses to start without configured signing keys', async () => {
    const child = runNode('dist/apps/api/src/main.js', { NODE_ENV: 'production', EMBEDDED_DB_DIR: 'memory://' });
    expect(await child.exited).toBe(1);
    expect(child.output()).toMatch(/JWT_SIGNING_KEYS: is required in production/);
  });

  it('production refuses a key ring file that does not exist instead of making one', async () => {
    // Field-encryption keys are given (they are checked before), so that the JWT key file is what is missing.
    const encryption = { ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`, BLIND_INDEX_KEY: randomBytes(32).toString('base64') };
    const child = runNode('dist/apps/api/src/main.js', { NODE_ENV: 'production', EMBEDDED_DB_DIR: 'memory://', JWT_KEYS_FILE: '/nonexistent/keys.json', PORT: String(await freePort()), ...encryption });
    expect(await child.exited).toBe(1);
    expect(child.output()).toMatch(/key ring \/nonexistent\/keys\.json does not exist/);
  });

  it('a malformed JWT_SIGNING_KEYS is refused, naming the variable', async () => {
    const child = runNode('dist/apps/api/src/main.js', { JWT_SIGNING_KEYS: 'not json', EMBEDDED_DB_DIR: 'memory://' });
    expect(await child.exited).toBe(1);
    expect(child.output()).toMatch(/JWT_SIGNING_KEYS: must be a JSON object/);
  });

  it('the launcher (npm start) exits non-zero naming AUTH_SERVER_PORT', async () => {
    const child = runNode('dist/scripts/launch.js', { AUTH_SERVER_PORT: 'x', EMBEDDED_DB_DIR: 'memory://' });
    expect(await child.exited).toBe(1);
    expect(child.output()).toMatch(/AUTH_SERVER_PORT: must be a port number/);
  });

  it('a secret in a bad value is not echoed', async () => {
    const child = runNode('dist/apps/api/src/main.js', { DATABASE_URL: 'mysql://user:hunter2@db/x' });
    expect(await child.exited).toBe(1);
    expect(child.output()).toMatch(/DATABASE_URL/);
    expect(child.output()).not.toMatch(/hunter2/);
  });
});
