// IPv4 address and CIDR arithmetic, one home for every component (pure, no kernel access).
// Addresses are handled as unsigned 32-bit numbers; errors use Go's net package wording
// ("invalid CIDR address: x"), which is what Kubernetes components print.

export interface Cidr {
  /** Network address as an unsigned 32-bit number (host bits zero). */
  network: number;
  prefix: number;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIPv4(s: string): boolean {
  return IPV4.test(s);
}

export function parseIPv4(s: string): number {
  if (!isIPv4(s)) throw new Error(`invalid IP address: ${s}`);
  return s.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Parses "a.b.c.d/n"; the address must be the network address (as podCIDR and serviceCIDR are). */
export function parseCidr(s: string): Cidr {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(s);
  const prefix = m ? Number(m[2]) : NaN;
  if (!m || !isIPv4(m[1]) || prefix > 32) throw new Error(`invalid CIDR address: ${s}`);
  const addr = parseIPv4(m[1]);
  const network = (addr & mask(prefix)) >>> 0;
  if (network !== addr) {
    throw new Error(`invalid CIDR address: ${s} (host bits are set; the network address is ${formatIPv4(network)}/${prefix})`);
  }
  return { network, prefix };
}

/**
 * Parses "a.b.c.d/n" as kube-proxy reads user-given ranges (loadBalancerSourceRanges,
 * nodePortAddresses): surrounding spaces are trimmed and host bits dropped; null when invalid.
 */
export function parseCidrLenient(s: string): Cidr | null {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(s.trim());
  const prefix = m ? Number(m[2]) : NaN;
  if (!m || !isIPv4(m[1]) || prefix > 32) return null;
  return { network: (parseIPv4(m[1]) & mask(prefix)) >>> 0, prefix };
}

export function formatCidr(c: Cidr): string {
  return `${formatIPv4(c.network)}/${c.prefix}`;
}

export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function cidrContains(c: Cidr, ip: string | number): boolean {
  const n = typeof ip === 'string' ? parseIPv4(ip) : ip;
  return ((n & mask(c.prefix)) >>> 0) === c.network;
}

/** Whether ip lies in the CIDR written as text (read leniently); false when either is invalid. */
export function cidrTextContains(cidr: string, ip: string): boolean {
  const c = parseCidrLenient(cidr);
  return c !== null && isIPv4(ip) && cidrContains(c, ip);
}

/** true when a is inside b (or equal). */
export function cidrWithin(a: Cidr, b: Cidr): boolean {
  return a.prefix >= b.prefix && cidrContains(b, a.network);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return cidrWithin(a, b) || cidrWithin(b, a);
}

/** The n-th address of the block (0 is the network address); throws when outside it. */
export function nthAddress(c: Cidr, n: number): string {
  if (!Number.isInteger(n) || n < 0 || n >= cidrSize(c)) {
    throw new Error(`address index ${n} is outside ${formatCidr(c)}`);
  }
  return formatIPv4(c.network + n);
}

/** The smallest list of CIDR blocks that covers exactly start..end (inclusive). */
export function rangeToCidrs(start: string, end: string): string[] {
  let lo = parseIPv4(start);
  const hi = parseIPv4(end);
  if (lo > hi) throw new Error(`invalid address range ${start}-${end}: the start is after the end`);
  const out: string[] = [];
  while (lo <= hi) {
    // The largest aligned block starting at lo that still ends at or before hi.
    let prefix = 32;
    while (prefix > 0) {
      const bigger = prefix - 1;
      const size = 2 ** (32 - bigger);
      if (lo % size !== 0 || lo + size - 1 > hi) break;
      prefix = bigger;
    }
    out.push(`${formatIPv4(lo)}/${prefix}`);
    lo += 2 ** (32 - prefix);
  }
  return out;
}

/** Parses "a.b.c.d-e.f.g.h" (a LoadBalancer pool) into its two ends. */
export function parseRange(s: string): { start: string; end: string } {
  const m = /^\s*([\d.]+)\s*-\s*([\d.]+)\s*$/.exec(s);
  if (!m || !isIPv4(m[1]) || !isIPv4(m[2])) throw new Error(`invalid address range: ${s} (expected a.b.c.d-e.f.g.h)`);
  if (parseIPv4(m[1]) > parseIPv4(m[2])) throw new Error(`invalid address range ${s}: the start is after the end`);
  return { start: m[1], end: m[2] };
}

/**
 * A stable, locally administered MAC for an IPv4 address: 0a:58 followed by the address bytes,
 * as the CNI bridge plugin gives pod interfaces, so a pod's MAC follows from its IP.
 */
export function macForIPv4(ip: string, prefix = [0x0a, 0x58]): string {
  const n = parseIPv4(ip);
  const bytes = [...prefix, n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

export function isMAC(s: string): boolean {
  return MAC.test(s);
}
