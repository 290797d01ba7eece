// NodePort allocation (pkg/registry/core/service/portallocator): ports of the node port range,
// random picks preferring the upper part, upstream's messages.

import { formatPortRange, parsePortRange, type PortRange } from '../../validation/ports.js';
import { AllocationError } from './ip-allocator.js';
import { RangeAllocator, staticBandSize } from './range-allocator.js';

export class NodePortAllocator {
  readonly range: PortRange;
  private readonly ports: RangeAllocator;

  constructor(range: string | [number, number]) {
    this.range = parsePortRange(range);
    this.ports = new RangeAllocator(this.range.size, staticBandSize(this.range.size, 16, 128, 32));
  }

  get rangeText(): string {
    return formatPortRange(this.range);
  }

  contains(port: number): boolean {
    return Number.isInteger(port) && port >= this.range.base && port < this.range.base + this.range.size;
  }

  allocate(port: number): void {
    if (!this.contains(port)) {
      throw new AllocationError('notInRange', `provided port is not in the valid range. The range of valid ports is ${this.rangeText}`);
    }
    if (!this.ports.allocate(port - this.range.base)) throw new AllocationError('allocated', 'provided port is already allocated');
  }

  allocateNext(): number {
    const off = this.ports.allocateNext();
    if (off === undefined) throw new AllocationError('full', 'range is full');
    return this.range.base + off;
  }

  release(port: number): void {
    if (this.contains(port)) this.ports.release(port - this.range.base);
  }

  has(port: number): boolean {
    return this.contains(port) && this.ports.has(port - this.range.base);
  }

  get used(): number {
    return this.ports.count;
  }

  reset(): void {
    this.ports.reset();
  }

  allocated(): number[] {
    return this.ports.values().map((off) => off + this.range.base).sort((a, b) => a - b);
  }
}
