// Small IPv4 helpers: CIDR parsing and membership, as kube-proxy needs them.

import { isIPv4 } from 'node:net';

export { isIPv4 };

function toUint32(ip: string): number {
  return ip.split('.').reduce((acc, part) => ((acc << 8) | Number(part)) >>> 0, 0);
}

function fromUint32(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

export interface Cidr {
  network: number;
  prefix: number;
}

/** Parses "a.b.c.d/n" (surrounding spaces allowed, as upstream trims them); null when invalid. */
export function parseCidr(text: string): Cidr | null {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(text.trim());
  if (!m || !isIPv4(m[1])) return null;
  const prefix = Number(m[2]);
  if (prefix > 32) return null;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { network: (toUint32(m[1]) & mask) >>> 0, prefix };
}

/** The CIDR written with its network address, as Go's IPNet.String() writes it. */
export function formatCidr(cidr: Cidr): string {
  return `${fromUint32(cidr.network)}/${cidr.prefix}`;
}

export function cidrContains(cidr: string, ip: string): boolean {
  const c = parseCidr(cidr);
  if (!c || !isIPv4(ip)) return false;
  const mask = c.prefix === 0 ? 0 : (0xffffffff << (32 - c.prefix)) >>> 0;
  return ((toUint32(ip) & mask) >>> 0) === c.network;
}
