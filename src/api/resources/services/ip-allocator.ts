// ClusterIP allocation from the service CIDR, with upstream's messages (pkg/registry/core/service/
// ipallocator). The network address (and for IPv4 the broadcast address) is never used; reserved
// addresses (the `kubernetes` and DNS Service IPs) are only handed out when asked for by name.

import { bigIntToIP, cidrContains, cidrSize, formatCIDR, formatIP, ipToBigInt, parseCIDR, parseIP, type IPFamily, type ParsedCIDR } from '../../validation/ip.js';
import { RangeAllocator, staticBandSize } from './range-allocator.js';

export class AllocationError extends Error {
  constructor(readonly reason: 'full' | 'allocated' | 'notInRange', message: string) {
    super(message);
    this.name = 'AllocationError';
  }
}

/** Bitmaps over IPv6 ranges are capped as upstream caps them. */
const MAX_IPV6_RANGE = 65536n;

export class ClusterIPAllocator {
  readonly cidr: ParsedCIDR;
  readonly family: IPFamily;
  private readonly base: bigint;
  private readonly range: RangeAllocator;

  constructor(serviceCIDR: string, reserved: string[] = []) {
    const cidr = parseCIDR(serviceCIDR);
    if (!cidr) throw new Error(`invalid service CIDR ${JSON.stringify(serviceCIDR)}`);
    this.cidr = cidr;
    this.family = cidr.ip.family;
    let size = cidrSize(cidr);
    if (this.family === 'IPv6' && size > MAX_IPV6_RANGE) size = MAX_IPV6_RANGE;
    // Offset 0 is the first address after the network address; IPv4 also skips broadcast.
    const max = Number(size) - (this.family === 'IPv4' ? 2 : 1);
    this.base = ipToBigInt(cidr.ip) + 1n;
    const excluded = new Set<number>();
    for (const ip of reserved) {
      const off = this.offsetOf(ip, max);
      if (off !== undefined) excluded.add(off);
    }
    this.range = new RangeAllocator(Math.max(max, 0), staticBandSize(Number(size), 16, 256, 16), excluded);
  }

  get cidrText(): string {
    return formatCIDR(this.cidr);
  }

  private offsetOf(ip: string, max = this.range.max): number | undefined {
    const parsed = parseIP(ip);
    if (!parsed || !cidrContains(this.cidr, parsed)) return undefined;
    const off = ipToBigInt(parsed) - this.base;
    return off >= 0n && off < BigInt(max) ? Number(off) : undefined;
  }

  /** Reserves ip; throws AllocationError when it is outside the range or taken. */
  allocate(ip: string): void {
    const off = this.offsetOf(ip);
    if (off === undefined) {
      const shown = parseIP(ip) ? formatIP(parseIP(ip)!) : ip;
      throw new AllocationError('notInRange', `the provided IP (${shown}) is not in the valid range. The range of valid IPs is ${this.cidrText}`);
    }
    if (!this.range.allocate(off)) throw new AllocationError('allocated', 'provided IP is already allocated');
  }

  /** Reserves a free address, preferring the upper part of the range. */
  allocateNext(): string {
    const off = this.range.allocateNext();
    if (off === undefined) throw new AllocationError('full', 'range is full');
    return formatIP(bigIntToIP(this.base + BigInt(off), this.family));
  }

  /** Releasing an address that is free or out of range does nothing. */
  release(ip: string): void {
    const off = this.offsetOf(ip);
    if (off !== undefined) this.range.release(off);
  }

  has(ip: string): boolean {
    const off = this.offsetOf(ip);
    return off !== undefined && this.range.has(off);
  }

  /** Whether ip is in this range (allocatable at all). */
  contains(ip: string): boolean {
    return this.offsetOf(ip) !== undefined;
  }

  get used(): number {
    return this.range.count;
  }

  get free(): number {
    return this.range.max - this.range.count;
  }

  reset(): void {
    this.range.reset();
  }

  allocated(): string[] {
    return this.range.values().map((off) => formatIP(bigIntToIP(this.base + BigInt(off), this.family)));
  }
}
