import Bowser from 'bowser';
import * as ipaddr from 'ipaddr.js';

const MAX_LABEL = 120;

/**
 * A short, human label of a user agent ("Firefox 133 on Linux"), parsed by
 * bowser (MIT, no install script; ua-parser-js 2 is AGPL). Only the label is
 * kept, never the header. A client bowser does not know (curl, an SDK) is
 * named by its first product token ("curl 8"); no header: "Unknown client".
 */
export function sessionLabel(userAgent: string | undefined): string {
  const ua = (userAgent ?? '').slice(0, 512);
  if (ua.trim() === '') return 'Unknown client';
  const parsed = Bowser.parse(ua);
  const major = (v: string | undefined) => v?.split('.')[0];
  const name = parsed.browser.name;
  // The first product token ("curl/8.5.0"): its name and major version, each checked on its own.
  const [productName = '', productVersion = ''] = (ua.trim().split(' ')[0] ?? '').split('/');
  const productMajor = major(productVersion);
  const product = /^[A-Za-z][\w.-]{0,40}$/.test(productName) ? [productName, productMajor && /^\d{1,6}$/.test(productMajor) ? productMajor : undefined] : null;
  const client = name ? [name, major(parsed.browser.version)] : (product ?? ['Unknown client']);
  const os = parsed.os.name ? ` on ${parsed.os.name}` : '';
  // Printable ASCII only: a label is shown in UIs and logs.
  const label = `${client.filter(Boolean).join(' ')}${os}`.replace(/[^\x20-\x7e]/g, '').trim();
  return (label || 'Unknown client').slice(0, MAX_LABEL);
}

/**
 * The network of a client address, never the address: an IPv4 /24 or an
 * IPv6 /48 (about a site), enough for "is this where I signed in?" and not
 * enough to point at one device (data minimisation, GDPR art. 5(1)(c)).
 * IPv4-mapped IPv6 counts as IPv4. Null when the address does not parse.
 */
export function coarseAddress(address: string | undefined): string | null {
  if (!address || !ipaddr.isValid(address)) return null;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') {
    const [a, b, c] = (parsed as ipaddr.IPv4).octets;
    return `${a}.${b}.${c}.0/24`;
  }
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 3);
  return `${new ipaddr.IPv6([...parts, 0, 0, 0, 0, 0]).toString()}/48`;
}
