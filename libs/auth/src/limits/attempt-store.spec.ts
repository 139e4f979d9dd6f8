import type { Clock } from '../clock.js';
import { MemoryAttemptStore } from './attempt-store.js';
import { addressKey, LoginAttemptLimiter } from './login-attempt-limiter.js';

describe('login limits in memory', () => {
  let now = 0;
  const clock: Clock = { now: () => now };
  const limits = (account: number, address: number) => ({
    perAccount: { max: account, windowSeconds: 60 },
    perAddress: { max: address, windowSeconds: 60 },
  });

  beforeEach(() => (now = 0));

  it('counts within a fixed window and starts over after it', async () => {
    const store = new MemoryAttemptStore(clock);
    expect((await store.hit('k', 1000)).count).toBe(1);
    expect((await store.hit('k', 1000)).count).toBe(2);
    expect((await store.peek('k')).count).toBe(2);
    now += 1001;
    expect((await store.peek('k')).count).toBe(0);
    expect(await store.hit('k', 1000)).toEqual({ count: 1, resetAt: now + 1000 });
  });

  it('refuses the account after the limit with the wait, whatever the case of the email', async () => {
    const limiter = new LoginAttemptLimiter(new MemoryAttemptStore(clock), limits(2, 100), clock);
    await limiter.begin('a@example.com', '127.0.0.1');
    await limiter.begin('A@example.com', '127.0.0.1');
    now = 15_000;
    await expect(limiter.begin('a@example.com', '127.0.0.1')).rejects.toMatchObject({ code: 'ERR_AUTH_RATE_LIMITED', details: { retryAfterSeconds: 45 } });
  });

  it("a success resets the account's count", async () => {
    const limiter = new LoginAttemptLimiter(new MemoryAttemptStore(clock), limits(1, 100), clock);
    for (let i = 0; i < 5; i++) await (await limiter.begin('b@example.com', '10.0.0.1')).succeeded();
  });

  it('the address counts failures only, and a success elsewhere does not take one back (no spraying)', async () => {
    const limiter = new LoginAttemptLimiter(new MemoryAttemptStore(clock), limits(100, 3), clock);
    for (let i = 0; i < 3; i++) {
      if (i > 0) await (await limiter.begin('attacker@example.com', '10.0.0.9')).succeeded();
      await (await limiter.begin(`victim${i}@example.com`, '10.0.0.9')).failed();
    }
    await expect(limiter.begin('victim9@example.com', '10.0.0.9')).rejects.toMatchObject({ code: 'ERR_AUTH_RATE_LIMITED' });
    // Another address is not affected.
    await expect(limiter.begin('victim9@example.com', '10.0.0.10')).resolves.toBeDefined();
  });

  it('refuses limits that would turn protection off', () => {
    expect(() => new LoginAttemptLimiter(new MemoryAttemptStore(clock), limits(Number.NaN, 3), clock)).toThrow(/loginLimits.perAccount/);
    expect(() => new LoginAttemptLimiter(new MemoryAttemptStore(clock), { ...limits(5, 3), perAddress: { max: 3, windowSeconds: 0 } }, clock)).toThrow(/loginLimits.perAddress/);
  });

  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::99', '2001:db8:1:2::/64'],
    ['2001:DB8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
  ])('keys address %s as %s', (address, key) => expect(addressKey(address)).toBe(key));
});
