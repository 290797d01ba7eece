// Periodic compaction for any Store: keeps the last keepRevisions revisions of history.
// (kube-apiserver compacts etcd every 5 minutes; kine keeps the last 1000 revisions.)
import { isStoreError, type Store } from './types.js';

export interface CompactorOptions {
  /** Time between compactions (default 5 minutes). */
  intervalMs?: number;
  /** Revisions of history to keep below the current one (default 1000). */
  keepRevisions?: number;
  /** Called with failures other than a concurrent compaction; the compactor keeps running. */
  onError?(err: Error): void;
}

export interface Compactor {
  /** Stops the timer; a compaction in progress finishes. Idempotent. */
  stop(): void;
}

/**
 * Compacts store up to currentRevision - keepRevisions when that is newer than its compacted
 * revision. Returns the revision compacted to, or undefined when there was nothing to do.
 */
export async function compactOnce(store: Store, keepRevisions: number): Promise<number | undefined> {
  checkCount('keepRevisions', keepRevisions, 0);
  const target = (await store.currentRevision()) - keepRevisions;
  if (target <= (await store.compactedRevision())) return undefined;
  try {
    await store.compact(target);
  } catch (err) {
    if (isStoreError(err, 'Compacted')) return undefined; // someone compacted further meanwhile
    throw err;
  }
  return target;
}

export function startCompactor(store: Store, options: CompactorOptions = {}): Compactor {
  const intervalMs = options.intervalMs ?? 5 * 60_000;
  const keepRevisions = options.keepRevisions ?? 1000;
  checkCount('intervalMs', intervalMs, 1);
  checkCount('keepRevisions', keepRevisions, 0);
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    compactOnce(store, keepRevisions)
      .catch((err: Error) => {
        if (isStoreError(err, 'Closed')) clearInterval(timer);
        else options.onError?.(err);
      })
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref(); // a compactor alone does not keep the process alive
  return { stop: () => clearInterval(timer) };
}

function checkCount(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`${name} must be a whole number >= ${min}, got ${String(value)}`);
}
