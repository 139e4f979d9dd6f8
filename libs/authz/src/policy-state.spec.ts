import { PolicyState } from './policy-state.js';
import type { PolicySet } from './policy.types.js';

const set = (version: number): PolicySet => ({ version, roles: { viewer: [{ action: 'read', subject: 'Doc' }] } });

/** A store whose reads the test answers one by one. */
function controlledStore() {
  const pending: { resolve: (s: PolicySet) => void; reject: (e: Error) => void }[] = [];
  const load = jest.fn(() => new Promise<PolicySet>((resolve, reject) => pending.push({ resolve, reject })));
  return {
    load,
    answer: (s: PolicySet, index = 0) => pending.splice(index, 1)[0]?.resolve(s),
    fail: (message = 'connect ECONNREFUSED 127.0.0.1:5432') => pending.shift()?.reject(new Error(message)),
  };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('PolicyState', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  it('starts unavailable: no set, not loaded', () => {
    const state = new PolicyState(async () => set(1), { now: clock });
    expect(state.loaded).toBe(false);
    expect(state.current).toBeNull();
  });

  it('a failed first load leaves it unavailable and remembers why, for the log', async () => {
    const store = controlledStore();
    const state = new PolicyState(store.load, { now: clock });
    const first = state.refresh();
    store.fail();
    await expect(first).rejects.toThrow('ECONNREFUSED');
    expect(state.loaded).toBe(false);
    expect(String(state.lastFailure)).toMatch(/ECONNREFUSED/);
  });

  it('ensure() joins the attempt in flight: a crowd of requests costs the store one read', async () => {
    const store = controlledStore();
    const state = new PolicyState(store.load, { now: clock });
    const waits = Array.from({ length: 50 }, () => state.ensure());
    expect(store.load).toHaveBeenCalledTimes(1);
    store.answer(set(3));
    expect(await Promise.all(waits)).toEqual(Array.from({ length: 50 }, () => set(3)));
    expect(state.loaded).toBe(true);
    expect(state.lastFailure).toBeUndefined();
  });

  it('ensure() retries at most once per retryIntervalMs while the store is away, and answers null meanwhile', async () => {
    const store = controlledStore();
    const state = new PolicyState(store.load, { now: clock, retryIntervalMs: 250 });
    const first = state.ensure();
    store.fail();
    expect(await first).toBeNull();
    now += 100;
    // Too soon after the last attempt: no new read, refused at once.
    expect(await state.ensure()).toBeNull();
    expect(store.load).toHaveBeenCalledTimes(1);
    now += 150;
    const second = state.ensure();
    expect(store.load).toHaveBeenCalledTimes(2);
    store.answer(set(1));
    expect(await second).toEqual(set(1));
  });

  it('a poll (refresh) counts as an attempt for the interval, and ensure() joins it', async () => {
    const store = controlledStore();
    const state = new PolicyState(store.load, { now: clock, retryIntervalMs: 250 });
    const poll = state.refresh();
    const request = state.ensure();
    expect(store.load).toHaveBeenCalledTimes(1);
    store.answer(set(2));
    await poll;
    expect(await request).toEqual(set(2));
  });

  it('once loaded, ensure() answers from memory and a failing reload keeps the last good set', async () => {
    const store = controlledStore();
    const state = new PolicyState(store.load, { now: clock });
    const first = state.refresh();
    store.answer(set(4));
    await first;
    const reload = state.refresh();
    store.fail();
    await expect(reload).rejects.toThrow();
    expect(state.loaded).toBe(true);
    expect(state.current).toEqual(set(4));
    expect(state.lastFailure).toBeUndefined();
    expect(await state.ensure()).toEqual(set(4));
    expect(store.load).toHaveBeenCalledTimes(2);
  });

  it('only ever moves forward: a slow older read that finishes last is ignored', async () => {
    const store = controlledStore();
    const state = new PolicyState(store.load, { now: clock });
    const slow = state.refresh();
    const fast = state.refresh();
    // The second read answers first with the newer set; the first, begun before a change, answers after it.
    store.answer(set(6), 1);
    await fast;
    store.answer(set(5), 0);
    await slow;
    expect(state.current?.version).toBe(6);
  });

  it('a store that throws instead of rejecting is a failed attempt, not an exception in the request', async () => {
    const state = new PolicyState(
      () => {
        throw new Error('not connected');
      },
      { now: clock },
    );
    await expect(state.ensure()).resolves.toBeNull();
    await expect(state.refresh()).rejects.toThrow('not connected');
    expect(String(state.lastFailure)).toMatch(/not connected/);
  });

  it('an attempt that ends clears the in-flight slot, so the next request may try again', async () => {
    const store = controlledStore();
    const state = new PolicyState(store.load, { now: clock, retryIntervalMs: 0 });
    const first = state.ensure();
    store.fail();
    await first;
    await flush();
    const second = state.ensure();
    expect(store.load).toHaveBeenCalledTimes(2);
    store.answer(set(1));
    expect(await second).toEqual(set(1));
  });
});
