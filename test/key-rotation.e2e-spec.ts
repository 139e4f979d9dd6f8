import { decodeProtectedHeader } from 'jose';
import { baseEnv, useApi, type Env } from './support/harness';
import { call, login } from './support/http';
import { runNode } from './support/processes';

// `npm run jwt:rotate` while the API runs: new tokens use the new key, old
// tokens keep working, the JWKS publishes both, without a restart.
describe('signing-key rotation (e2e)', () => {
  const env: Env = { ...baseEnv(), RATE_LIMIT_LOGIN: '1000/15m', RATE_LIMIT_LOGIN_ADDRESS: '1000/15m' };
  const api = useApi(env);

  it('adds a new active key and keeps the old one verifying', async () => {
    const before = await login(api.url, 'alice@example.com');
    const oldKid = decodeProtectedHeader(before.accessToken).kid;

    // A database of its own: the app's is in memory, in this process.
    const rotate = runNode('dist/scripts/jwt-rotate.js', { JWT_KEYS_FILE: env.JWT_KEYS_FILE, EMBEDDED_DB_DIR: 'memory://' });
    expect(await rotate.exited).toBe(0);
    expect(rotate.output()).toMatch(new RegExp(`${oldKid} still verifies until`));

    // The running API notices the changed file within its reload interval (1 s).
    await new Promise((r) => setTimeout(r, 1100));
    const after = await login(api.url, 'alice@example.com');
    const newKid = decodeProtectedHeader(after.accessToken).kid;
    expect(newKid).not.toBe(oldKid);

    const jwks = await call(api.url, 'GET', '/.well-known/jwks.json');
    expect(jwks.body.keys.map((k: { kid: string }) => k.kid).sort()).toEqual([oldKid, newKid].sort());
    expect((await call(api.url, 'GET', '/v1/users/me', { token: before.accessToken })).status).toBe(200);
    expect((await call(api.url, 'GET', '/v1/users/me', { token: after.accessToken })).status).toBe(200);
  });

  it('refuses to rotate keys that live in configuration', async () => {
    const rotate = runNode('dist/scripts/jwt-rotate.js', { JWT_SIGNING_KEYS: '{"keys":[]}' });
    expect(await rotate.exited).toBe(1);
    expect(rotate.output()).toMatch(/JWT_SIGNING_KEYS holds the keys/);
  });
});
