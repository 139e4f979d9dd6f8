import type { Clock } from '../clock';
import { MemoryAttemptStore } from './attempt-store';
import { LoginAttemptLimiter } from './login-attempt-limiter';

describe('login limits in memory', () => {
  let now = 0;
  const clock: Clock = { now: () => now };

  it('counts within a fixed window and starts over after it', async () => {
    const store = new MemoryAttemptStore(clock);
    expect((await store.hit('k', 1000)).count).toBe(1);
    expect((await store.hit('k', 1000)).count).toBe(2);
    now += 1001;
    expect(await store.hit('k', 1000)).toEqual({ count: 1, resetAt: now + 1000 });
  });

  it('refuses the attempt after the limit with the wait, even before the password is checked', async () => {
    now = 0;
    const limiter = new LoginAttemptLimiter(new MemoryAttemptStore(clock), { perAccount: { max: 2, windowSeconds: 60 }, perAddress: { max: 100, windowSeconds: 60 } }, clock);
    await limiter.begin('a@example.com', '127.0.0.1');
    await limiter.begin('A@example.com', '127.0.0.1'); // the same account, whatever the case
    now = 15_000;
    await expect(limiter.begin('a@example.com', '127.0.0.1')).rejects.toMatchObject({ code: 'ERR_AUTH_RATE_LIMITED', details: { retryAfterSeconds: 45 } });
  });

  it('a success takes its attempt back', async () => {
    now = 0;
    const limiter = new LoginAttemptLimiter(new MemoryAttemptStore(clock), { perAccount: { max: 1, windowSeconds: 60 }, perAddress: { max: 1, windowSeconds: 60 } }, clock);
    for (let i = 0; i < 5; i++) await (await limiter.begin('b@example.com', '10.0.0.1')).succeeded();
  });
});
