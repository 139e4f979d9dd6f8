import { parseRate } from './rate.js';

describe('parseRate', () => {
  it.each([
    ['300/1m', { limit: 300, ttl: 60_000 }],
    ['5/15m', { limit: 5, ttl: 900_000 }],
    ['10/s', { limit: 10, ttl: 1_000 }],
    ['10/30s', { limit: 10, ttl: 30_000 }],
    ['100/2h', { limit: 100, ttl: 7_200_000 }],
    ['1000/1d', { limit: 1000, ttl: 86_400_000 }],
    [' 20 / 1m ', { limit: 20, ttl: 60_000 }],
  ])('reads %s', (text, rate) => expect(parseRate(text)).toEqual(rate));

  it.each(['', '300', '300/', '/1m', '300/1', '300/1w', '300/1M', '-1/1m', '1.5/1m', '300/1m/2', '0x10/1m', '300per1m'])(
    'refuses %j with the option name and a code',
    (text) => {
      expect(() => parseRate(text, 'THROTTLE_API')).toThrow(/"THROTTLE_API"/);
      expect(() => parseRate(text)).toThrow(expect.objectContaining({ code: 'ERR_THROTTLING_OPTIONS' }));
    },
  );

  it('refuses a rate that admits nothing or has no window', () => {
    expect(() => parseRate('0/1m')).toThrow(/at least one request/);
    expect(() => parseRate('5/0s')).toThrow(/at least one unit/);
  });

  it('refuses what is not a string', () => {
    expect(() => parseRate(undefined as unknown as string, 'rate')).toThrow(/"rate"/);
  });
});
