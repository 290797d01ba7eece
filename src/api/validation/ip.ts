// IP addresses and CIDRs as upstream parses them (k8s.io/utils/net ParseIPSloppy: IPv4 parts may
// carry leading zeros, IPv4-mapped IPv6 addresses count as IPv4) and upstream's field errors.

import { invalid, type FieldError } from '../../kube/errors.js';

export type IPFamily = 'IPv4' | 'IPv6';

export interface ParsedIP {
  /** 16 bytes; IPv4 addresses are stored IPv4-mapped (::ffff:a.b.c.d) as Go does. */
  bytes: Uint8Array;
  family: IPFamily;
}

export interface ParsedCIDR {
  /** The network address (host bits cleared). */
  ip: ParsedIP;
  prefix: number;
  /** 32 or 128: the width the prefix was written against. */
  bits: number;
}

function parseDecimalByte(s: string): number | undefined {
  if (!/^[0-9]+$/.test(s)) return undefined;
  const n = Number(s);
  return n <= 255 ? n : undefined;
}

function parseIPv4Bytes(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    const n = parseDecimalByte(p);
    if (n === undefined) return undefined;
    out.push(n);
  }
  return out;
}

function parseIPv6Bytes(s: string): Uint8Array | undefined {
  let head = s;
  let tail = '';
  const dc = s.indexOf('::');
  if (dc >= 0) {
    head = s.slice(0, dc);
    tail = s.slice(dc + 2);
    if (tail.includes('::')) return undefined;
  }
  const groups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const fields = part.split(':');
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i];
      if (i === fields.length - 1 && f.includes('.')) {
        const v4 = parseIPv4Bytes(f);
        if (!v4) return undefined;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
        continue;
      }
      if (!/^[0-9a-fA-F]+$/.test(f)) return undefined;
      const n = parseInt(f, 16);
      if (n > 0xffff) return undefined;
      out.push(n);
    }
    return out;
  };
  const h = groups(head);
  const t = groups(tail);
  if (!h || !t) return undefined;
  // An embedded IPv4 part is only allowed at the very end.
  if (dc >= 0 && head.includes('.')) return undefined;
  let all: number[];
  if (dc >= 0) {
    if (h.length + t.length > 7) return undefined;
    all = [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
  } else {
    if (h.length !== 8) return undefined;
    all = h;
  }
  const bytes = new Uint8Array(16);
  all.forEach((g, i) => { bytes[2 * i] = g >> 8; bytes[2 * i + 1] = g & 0xff; });
  return bytes;
}

const isV4Mapped = (b: Uint8Array): boolean => b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;

/** Parses an IP address as upstream does; undefined when it is not one. */
export function parseIP(s: string): ParsedIP | undefined {
  if (typeof s !== 'string' || s.length === 0) return undefined;
  if (!s.includes(':')) {
    const v4 = parseIPv4Bytes(s);
    if (!v4) return undefined;
    const bytes = new Uint8Array(16);
    bytes[10] = 0xff; bytes[11] = 0xff;
    bytes.set(v4, 12);
    return { bytes, family: 'IPv4' };
  }
  const bytes = parseIPv6Bytes(s);
  if (!bytes) return undefined;
  return { bytes, family: isV4Mapped(bytes) ? 'IPv4' : 'IPv6' };
}

export function ipToBigInt(ip: ParsedIP): bigint {
  const bytes = ip.family === 'IPv4' ? ip.bytes.slice(12) : ip.bytes;
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

export function bigIntToIP(n: bigint, family: IPFamily): ParsedIP {
  const bytes = new Uint8Array(16);
  const width = family === 'IPv4' ? 4 : 16;
  for (let i = 0; i < width; i++) bytes[16 - 1 - i] = Number((n >> BigInt(8 * i)) & 0xffn);
  if (family === 'IPv4') { bytes[10] = 0xff; bytes[11] = 0xff; }
  return { bytes, family };
}

/** The canonical text of an address (Go's net.IP.String). */
export function formatIP(ip: ParsedIP): string {
  const b = ip.bytes;
  if (ip.family === 'IPv4') return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const groups = Array.from({ length: 8 }, (_, i) => (b[2 * i] << 8) | b[2 * i + 1]);
  // Compress the longest run of two or more zero groups (the first one on a tie).
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = (g: number[]) => g.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(groups);
  return `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`;
}

const to128 = (ip: ParsedIP): bigint => ip.bytes.reduce((n, b) => (n << 8n) | BigInt(b), 0n);

function from128(n: bigint): ParsedIP {
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) bytes[15 - i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return { bytes, family: isV4Mapped(bytes) ? 'IPv4' : 'IPv6' };
}

/** Parses "ip/prefix" as Go's ParseCIDR does. */
export function parseCIDR(s: string): ParsedCIDR | undefined {
  if (typeof s !== 'string') return undefined;
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const addr = s.slice(0, slash);
  const mask = s.slice(slash + 1);
  const ip = parseIP(addr);
  if (!ip || !/^[0-9]+$/.test(mask)) return undefined;
  const bits = addr.includes(':') ? 128 : 32;
  const prefix = Number(mask);
  if (prefix > bits) return undefined;
  const hostBits = BigInt(bits - prefix);
  return { ip: from128((to128(ip) >> hostBits) << hostBits), prefix, bits };
}

export function formatCIDR(c: ParsedCIDR): string {
  return `${formatIP(c.ip)}/${c.prefix}`;
}

/** The number of addresses in a CIDR. */
export function cidrSize(c: ParsedCIDR): bigint {
  return 1n << BigInt(c.bits - c.prefix);
}

export function cidrContains(c: ParsedCIDR, ip: ParsedIP): boolean {
  const hostBits = BigInt(c.bits - c.prefix);
  return (to128(ip) >> hostBits) === (to128(c.ip) >> hostBits);
}

export function ipFamilyOf(s: string): IPFamily | undefined {
  return parseIP(s)?.family;
}

export function isValidIP(field: string, value: string): FieldError[] {
  return parseIP(value) ? [] : [invalid(field, value, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)')];
}

export function isValidIPv4Address(field: string, value: string): FieldError[] {
  return parseIP(value)?.family === 'IPv4' ? [] : [invalid(field, value, 'must be a valid IPv4 address')];
}

export function isValidIPv6Address(field: string, value: string): FieldError[] {
  return parseIP(value)?.family === 'IPv6' ? [] : [invalid(field, value, 'must be a valid IPv6 address')];
}

export function isValidCIDR(field: string, value: string): FieldError[] {
  return parseCIDR(value) ? [] : [invalid(field, value, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)')];
}

/**
 * Refuses unspecified, loopback and link-local addresses (upstream's ValidateNonSpecialIP, used for
 * endpoint addresses and external IPs).
 */
export function validateNonSpecialIP(field: string, value: string): FieldError[] {
  const ip = parseIP(value);
  if (!ip) return [invalid(field, value, 'must be a valid IP address')];
  const b = ip.bytes;
  const errs: FieldError[] = [];
  const v4 = ip.family === 'IPv4';
  const unspecified = v4 ? b.slice(12).every((x) => x === 0) : b.every((x) => x === 0);
  const loopback = v4 ? b[12] === 127 : b.slice(0, 15).every((x) => x === 0) && b[15] === 1;
  const linkLocalUnicast = v4 ? b[12] === 169 && b[13] === 254 : b[0] === 0xfe && (b[1] & 0xc0) === 0x80;
  const linkLocalMulticast = v4 ? b[12] === 224 && b[13] === 0 && b[14] === 0 : b[0] === 0xff && (b[1] & 0x0f) === 0x02;
  if (unspecified) errs.push(invalid(field, value, `may not be unspecified (${value})`));
  if (loopback) errs.push(invalid(field, value, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  if (linkLocalUnicast) errs.push(invalid(field, value, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  if (linkLocalMulticast) errs.push(invalid(field, value, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  return errs;
}
