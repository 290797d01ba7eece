// Reverse names (in-addr.arpa, ip6.arpa) <-> addresses.

import { canonicalIP, formatIPv4, formatIPv6 } from './wire/ip.js';

export const IN_ADDR_ARPA = 'in-addr.arpa.';
export const IP6_ARPA = 'ip6.arpa.';

export function isReverseName(lname: string): boolean {
  return lname.endsWith(IN_ADDR_ARPA) || lname.endsWith(IP6_ARPA);
}

/** The address a full reverse name stands for ("5.1.244.10.in-addr.arpa." -> "10.244.1.5"), else null. */
export function addressFromReverse(lname: string): string | null {
  if (lname.endsWith('.' + IN_ADDR_ARPA)) {
    const parts = lname.slice(0, -IN_ADDR_ARPA.length - 1).split('.');
    if (parts.length !== 4 || parts.some((p) => !/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255)) return null;
    return formatIPv4(Buffer.from(parts.reverse().map(Number)));
  }
  if (lname.endsWith('.' + IP6_ARPA)) {
    const nibbles = lname.slice(0, -IP6_ARPA.length - 1).split('.');
    if (nibbles.length !== 32 || nibbles.some((n) => !/^[0-9a-f]$/.test(n))) return null;
    return formatIPv6(Buffer.from(nibbles.reverse().join(''), 'hex'));
  }
  return null;
}

/**
 * The reverse zone of a CIDR whose prefix is a whole number of octets (IPv4) or nibbles (IPv6),
 * as CoreDNS accepts zones such as "10.0.0.0/24" -> "0.0.10.in-addr.arpa.". Null when not a CIDR.
 */
export function reverseZoneOfCIDR(cidr: string): string | null {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(cidr);
  if (!m) return null;
  const c = canonicalIP(m[1]);
  const bits = Number(m[2]);
  if (!c) return null;
  if (c.family === 4) {
    if (bits > 32 || bits % 8 !== 0) throw new Error(`reverse zone ${cidr}: the prefix length must be a multiple of 8`);
    const octets = [...c.bytes].slice(0, bits / 8).reverse();
    return (octets.length ? octets.join('.') + '.' : '') + IN_ADDR_ARPA;
  }
  if (bits > 128 || bits % 4 !== 0) throw new Error(`reverse zone ${cidr}: the prefix length must be a multiple of 4`);
  const nibbles = [...c.bytes.toString('hex')].slice(0, bits / 4).reverse();
  return (nibbles.length ? nibbles.join('.') + '.' : '') + IP6_ARPA;
}
