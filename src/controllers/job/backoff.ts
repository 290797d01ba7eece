// The delay before a Job replaces failed pods (upstream's backoff_utils.go): consecutive failures
// since the last success, counted from the pods' finish times; the delay doubles from the base
// with each failure up to the cap.

import type { Pod } from '../../kube/types.js';
import { finishedTime } from './pods.js';

export interface BackoffRecord {
  failuresAfterLastSuccess: number;
  /** ms since the epoch; undefined when there is no failure to wait after. */
  lastFailureTime?: number;
}

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/** Upstream 1.32's DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff. */
export const DEFAULT_POD_FAILURE_BACKOFF: BackoffPolicy = { baseMs: 10_000, maxMs: 10 * 60_000 };

const byFinish = (pods: Pod[]) => [...pods].sort((a, b) => finishedTime(a) - finishedTime(b));

/** newBackoffRecord: the record after the pods that finished since the last sync. */
export function nextBackoffRecord(prev: BackoffRecord | undefined, newSucceeded: Pod[], newFailed: Pod[]): BackoffRecord {
  const record: BackoffRecord = { failuresAfterLastSuccess: prev?.failuresAfterLastSuccess ?? 0, lastFailureTime: prev?.lastFailureTime };
  const failed = byFinish(newFailed);
  if (newSucceeded.length === 0) {
    if (failed.length === 0) return record;
    return { failuresAfterLastSuccess: record.failuresAfterLastSuccess + failed.length, lastFailureTime: finishedTime(failed[failed.length - 1]) };
  }
  // A success resets the count; only failures after the last success count.
  const lastSuccess = finishedTime(byFinish(newSucceeded)[newSucceeded.length - 1]);
  const after = failed.filter((p) => finishedTime(p) > lastSuccess);
  return { failuresAfterLastSuccess: after.length, lastFailureTime: after.length ? finishedTime(after[after.length - 1]) : undefined };
}

/** How long to wait before creating pods again: base * 2^(failures-1), capped, less the time since the last failure. */
export function remainingBackoffMs(record: BackoffRecord, now: number, policy: BackoffPolicy = DEFAULT_POD_FAILURE_BACKOFF): number {
  if (record.failuresAfterLastSuccess === 0 || record.lastFailureTime === undefined) return 0;
  let delay = policy.baseMs;
  for (let i = 1; i < record.failuresAfterLastSuccess; i++) {
    delay *= 2;
    if (delay >= policy.maxMs) {
      delay = policy.maxMs;
      break;
    }
  }
  const elapsed = now - record.lastFailureTime;
  return delay < elapsed ? 0 : delay - elapsed;
}
