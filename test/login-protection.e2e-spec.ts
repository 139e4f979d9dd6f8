import { dictionary } from '@zxcvbn-ts/language-common';
import { baseEnv, startApi, useApi, type Env } from './support/harness';
import { call, DEMO_PASSWORD, login } from './support/http';

// Brute force and weak passwords (ASVS v5 6.2, 6.3; NIST SP 800-63B).
describe('login limits and the password policy (e2e)', () => {
  const env: Env = { ...baseEnv(), RATE_LIMIT_LOGIN: '5/15m', RATE_LIMIT_LOGIN_ADDRESS: '1000/15m' };
  const api = useApi(env);

  const attempt = (email: string, password: string) => call(api.url, 'POST', '/v1/auth/login', { body: { email, password } });

  it('after 5 failures the account is locked for the window, even for the right password', async () => {
    for (let i = 0; i < 5; i++) expect((await attempt('mallory@example.com', `wrong-password-${i}`)).status).toBe(401);
    const limited = await attempt('mallory@example.com', DEMO_PASSWORD);
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('ERR_AUTH_RATE_LIMITED');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(800);
    expect(retryAfter).toBeLessThanOrEqual(900);
    // Other accounts are not affected.
    expect((await attempt('bob@example.com', DEMO_PASSWORD)).status).toBe(200);
  });

  it('a concurrent flood of wrong passwords gets exactly the limit of checks', async () => {
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => attempt('admin@example.com', `flood-${i}-password`)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(35);
  });

  it('a success clears the account count: failures do not add up across good logins', async () => {
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 4; i++) expect((await attempt('alice@example.com', 'wrong-password-x')).status).toBe(401);
      expect((await attempt('alice@example.com', DEMO_PASSWORD)).status).toBe(200);
    }
  });

  it('the per-address limit stops one client guessing across many accounts', async () => {
    const tight = await startApi({ ...env, RATE_LIMIT_LOGIN_ADDRESS: '3/15m', RATE_LIMIT_LOGIN: '1000/15m' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        statuses.push((await call(tight.url, 'POST', '/v1/auth/login', { body: { email: `user${i}@example.com`, password: 'guess-guess-1' } })).status);
      }
      if (process.env.REDIS_URL) {
        // Shared counters: earlier failures from this address in this file already count.
        expect(statuses.every((s) => s === 429)).toBe(true);
      } else {
        expect(statuses).toEqual([401, 401, 401, 429, 429]);
      }
    } finally {
      await tight.close();
    }
  });

  describe('changing a password', () => {
    const common = dictionary['passwords-common'].find((p) => p.length >= 12) as string;

    it.each([
      ['shorter than 12 characters', 'Sh0rt-pass!', 'at least 12 characters'],
      ['on the common-password list', common, 'commonly used passwords'],
      ['the email address', 'bob@example.com', 'must not be the email address'],
      ['longer than 128 characters', 'x'.repeat(129), 'at most 128 characters'],
    ])('refuses a new password %s', async (_why, newPassword, message) => {
      const { accessToken } = await login(api.url, 'bob@example.com');
      const res = await call(api.url, 'PUT', '/v1/users/me/password', { token: accessToken, body: { currentPassword: DEMO_PASSWORD, newPassword } });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('ERR_AUTH_PASSWORD_POLICY');
      expect(res.body.detail).toContain(message);
    });

    it('refuses a wrong current password', async () => {
      const { accessToken } = await login(api.url, 'bob@example.com');
      const res = await call(api.url, 'PUT', '/v1/users/me/password', { token: accessToken, body: { currentPassword: 'not-it-at-all', newPassword: 'a-Long-enough-passphrase' } });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('ERR_AUTH_INVALID_CREDENTIALS');
      await login(api.url, 'bob@example.com'); // clears the failure
    });

    it('accepts a good one, ends every login of the user, and the new password works', async () => {
      const other = await login(api.url, 'bob@example.com');
      const current = await login(api.url, 'bob@example.com');
      const next = 'correct horse battery staple 42';
      const res = await call(api.url, 'PUT', '/v1/users/me/password', { token: current.accessToken, body: { currentPassword: DEMO_PASSWORD, newPassword: next } });
      expect(res.status).toBe(204);
      expect((await call(api.url, 'GET', '/v1/users/me', { token: current.accessToken })).status).toBe(401);
      expect((await call(api.url, 'POST', '/v1/auth/refresh', { body: { refreshToken: other.refreshToken } })).status).toBe(401);
      expect((await attempt('bob@example.com', DEMO_PASSWORD)).status).toBe(401);
      const fresh = await login(api.url, 'bob@example.com', next);
      // Put the demo password back for the other specs sharing a services database.
      const back = await call(api.url, 'PUT', '/v1/users/me/password', { token: fresh.accessToken, body: { currentPassword: next, newPassword: DEMO_PASSWORD } });
      expect(back.status).toBe(204);
    });
  });
});
