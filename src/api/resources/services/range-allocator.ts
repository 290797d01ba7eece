// A set of integer offsets [0, max) handed out the way upstream's bitmap allocator does: dynamic
// picks start at a random offset in the upper part of the range and scan forward, so the lower
// part (the "static band", offsets below `offset`) stays free for values users ask for by name.

import { randomInt } from 'node:crypto';

export class RangeAllocator {
  private readonly used = new Set<number>();

  /**
   * max: how many values the range holds. offset: size of the static band. excluded: offsets that
   * are never picked dynamically (they can still be allocated by asking for them).
   */
  constructor(readonly max: number, readonly offset: number, private readonly excluded: ReadonlySet<number> = new Set()) {}

  has(i: number): boolean {
    return this.used.has(i);
  }

  /** false when already taken. */
  allocate(i: number): boolean {
    if (this.used.has(i)) return false;
    this.used.add(i);
    return true;
  }

  /** A free offset, preferring the upper band; undefined when every dynamic offset is taken. */
  allocateNext(): number | undefined {
    const pick = (lo: number, hi: number): number | undefined => {
      const size = hi - lo;
      if (size <= 0) return undefined;
      const start = randomInt(size);
      for (let k = 0; k < size; k++) {
        const at = lo + ((start + k) % size);
        if (!this.used.has(at) && !this.excluded.has(at)) return at;
      }
      return undefined;
    };
    const at = pick(this.offset, this.max) ?? pick(0, this.offset);
    if (at !== undefined) this.used.add(at);
    return at;
  }

  release(i: number): void {
    this.used.delete(i);
  }

  get count(): number {
    return this.used.size;
  }

  reset(): void {
    this.used.clear();
  }

  values(): number[] {
    return [...this.used];
  }
}

/** Upstream's calculateRangeOffset: min(max(min, size/step), max), 0 for tiny ranges. */
export function staticBandSize(size: number, min: number, max: number, step: number): number {
  if (size <= min) return 0;
  return Math.min(Math.max(min, Math.floor(size / step)), max);
}
