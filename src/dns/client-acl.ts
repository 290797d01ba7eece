// Which clients may have names outside the cluster zones resolved for them: the cluster's own
// ranges (pods, nodes) and loopback. Everyone else gets REFUSED, so the server is never an open
// resolver. Checked on every forwarded query, so plain integer prefix tests, no allocation for IPv4.

import { parseIPv6, writeIPv4 } from './wire/ip.js';

export const LOOPBACK_RANGES = ['127.0.0.0/8', '::1/128'];

const scratch = Buffer.alloc(4);

export class ClientAcl {
  private readonly v4: { base: number; mask: number }[] = [];
  private readonly v6: { bytes: Buffer; bits: number }[] = [];

  /** `ranges` are CIDRs ("10.244.0.0/16"); loopback is always allowed. Throws on a malformed CIDR. */
  constructor(ranges: string[]) {
    for (const cidr of [...LOOPBACK_RANGES, ...ranges]) {
      const m = /^([^/]+)\/(\d{1,3})$/.exec(cidr);
      const bits = m ? Number(m[2]) : -1;
      if (m && writeIPv4(m[1], scratch, 0) && bits <= 32) {
        const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
        this.v4.push({ base: (scratch.readUInt32BE(0) & mask) >>> 0, mask });
        continue;
      }
      const v6 = m ? parseIPv6(m[1]) : null;
      if (!v6 || bits > 128) throw new Error(`invalid client range "${cidr}": expected a CIDR such as 10.244.0.0/16`);
      this.v6.push({ bytes: v6, bits });
    }
  }

  allows(address: string): boolean {
    const ip = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
    if (writeIPv4(ip, scratch, 0)) {
      const n = scratch.readUInt32BE(0);
      return this.v4.some((r) => ((n & r.mask) >>> 0) === r.base);
    }
    const b = parseIPv6(ip);
    return b !== null && this.v6.some((r) => prefixMatches(b, r.bytes, r.bits));
  }
}

function prefixMatches(a: Buffer, b: Buffer, bits: number): boolean {
  const whole = bits >> 3;
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (a[whole] & mask) === (b[whole] & mask);
}
