import { coarseAddress, sessionLabel } from './session-label';

describe('sessionLabel', () => {
  it('names the browser major version and the OS', () => {
    const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
    expect(sessionLabel(firefox)).toBe('Firefox 133 on Linux');
    const safari = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
    expect(sessionLabel(safari)).toBe('Safari 17 on iOS');
  });

  it('names an unknown client by its product token, and no header as unknown', () => {
    expect(sessionLabel('curl/8.5.0')).toMatch(/^curl 8/);
    expect(sessionLabel(undefined)).toBe('Unknown client');
    expect(sessionLabel('   ')).toBe('Unknown client');
  });

  it('keeps labels short and printable', () => {
    const label = sessionLabel(`X${'a'.repeat(1000)}\u0000\u202e`);
    expect(label.length).toBeLessThanOrEqual(120);
    expect(label).toMatch(/^[\x20-\x7e]+$/);
  });
});

describe('coarseAddress', () => {
  it('keeps an IPv4 /24 and an IPv6 /48, never the address', () => {
    expect(coarseAddress('203.0.113.77')).toBe('203.0.113.0/24');
    expect(coarseAddress('::ffff:198.51.100.9')).toBe('198.51.100.0/24');
    expect(coarseAddress('2001:db8:abcd:12::1')).toBe('2001:db8:abcd::/48');
    expect(coarseAddress('::1')).toBe('::/48');
  });

  it('is null for what is not an address', () => {
    expect(coarseAddress(undefined)).toBeNull();
    expect(coarseAddress('not-an-ip')).toBeNull();
  });
});
