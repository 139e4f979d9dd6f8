import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['4s', 4],
    ['15m', 900],
    ['1h', 3600],
    ['7d', 604800],
  ])('%s is %d seconds', (text, seconds) => expect(parseDuration(text)).toBe(seconds));

  it.each(['', '15', 'm', '0s', '-1m', '1.5h', '15 m', '1w'])('refuses %p', (text) => {
    expect(() => parseDuration(text, 'JWT_ACCESS_TTL')).toThrow(/JWT_ACCESS_TTL must be/);
  });
});
