// Waiting for a condition without timed assertions: poll up to a generous bound, then fail with
// what was last seen, so a slow machine only makes a test slower, never wrong.

import { inspect } from 'node:util';

export interface WaitOptions {
  /** The bound (default 60 s). Reaching it is a failure, not a measurement. */
  timeoutMs?: number;
  /** Pause between polls (default 100 ms). */
  intervalMs?: number;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Calls fetch until until(value) holds and returns that value. A fetch that throws counts as not
 * yet (its error becomes what was last seen).
 */
export async function waitFor<V>(
  what: string,
  fetch: () => V | Promise<V>,
  until: (value: V) => boolean = (v) => Boolean(v),
  o: WaitOptions = {},
): Promise<V> {
  const timeoutMs = o.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  let last: unknown = '(nothing yet)';
  for (;;) {
    try {
      const value = await fetch();
      if (until(value)) return value;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) break;
    await sleep(o.intervalMs ?? 100);
  }
  const seen = last instanceof Error ? last.message : inspect(last, { depth: 6, breakLength: 120 });
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}; last seen: ${seen}`);
}
