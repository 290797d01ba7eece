// Completion indexes of Indexed Jobs (upstream's indexed_job_utils.go): ordered interval lists
// ("0-2,5" in status.completedIndexes), the index a pod carries, which indexes still need a pod,
// and which pods to remove for repeated or out-of-range indexes.

import { JOB_COMPLETION_INDEX, type Job, type Pod } from '../../kube/types.js';
import { activePodsOrder } from './pods.js';

export interface Interval {
  first: number;
  last: number;
}

/** Sorted, non-overlapping, non-adjacent intervals. */
export type Intervals = Interval[];

export const UNKNOWN_INDEX = -1;

/** The index in the pod's annotation, or UNKNOWN_INDEX when it is missing or no non-negative integer. */
export function completionIndexOf(pod: Pod): number {
  const v = pod.metadata.annotations?.[JOB_COMPLETION_INDEX];
  if (v === undefined || !/^\d+$/.test(v)) return UNKNOWN_INDEX;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : UNKNOWN_INDEX;
}

export function total(intervals: Intervals): number {
  return intervals.reduce((n, i) => n + i.last - i.first + 1, 0);
}

export function has(intervals: Intervals, ix: number): boolean {
  return intervals.some((i) => i.first <= ix && ix <= i.last);
}

export function formatIntervals(intervals: Intervals): string {
  return intervals.map((i) => (i.first === i.last ? String(i.first) : `${i.first}-${i.last}`)).join(',');
}

/**
 * parseIndexesFromString: the intervals "0-2,5" names, cut at completions; a malformed piece is
 * skipped (upstream logs it), an index at or above completions ends the list.
 */
export function parseIntervals(text: string | undefined, completions: number): Intervals {
  const out: Intervals = [];
  if (!text) return out;
  for (const piece of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(piece);
    if (!m) continue;
    const first = Number(m[1]);
    if (first >= completions) break;
    const last = m[2] === undefined ? first : Math.min(Number(m[2]), completions - 1);
    const prev = out[out.length - 1];
    if (prev && prev.last === first - 1) prev.last = last;
    else out.push({ first, last });
  }
  return out;
}

/** The intervals with the sorted indexes added. */
export function withIndexes(intervals: Intervals, sortedIndexes: number[]): Intervals {
  const points = [...intervals.map((i) => ({ ...i })), ...sortedIndexes.map((ix) => ({ first: ix, last: ix }))]
    .sort((a, b) => a.first - b.first);
  const out: Intervals = [];
  for (const p of points) {
    const prev = out[out.length - 1];
    if (prev && prev.last + 1 >= p.first) prev.last = Math.max(prev.last, p.last);
    else out.push({ ...p });
  }
  return out;
}

/** calculateSucceededIndexes: the indexes already counted, and those plus the newly succeeded pods' (with finalizers, below completions). */
export function succeededIndexes(job: Job, pods: Pod[], hasFinalizer: (p: Pod) => boolean): { previous: Intervals; current: Intervals } {
  const completions = job.spec.completions ?? 0;
  const previous = parseIntervals(job.status?.completedIndexes, completions);
  const fresh = new Set<number>();
  for (const p of pods) {
    const ix = completionIndexOf(p);
    if (p.status?.phase === 'Succeeded' && ix !== UNKNOWN_INDEX && ix < completions && hasFinalizer(p)) fresh.add(ix);
  }
  return { previous, current: withIndexes(previous, [...fresh].sort((a, b) => a - b)) };
}

/** firstPendingIndexes: the lowest `count` indexes below completions that neither succeeded nor have an active pod. */
export function firstPendingIndexes(succeeded: Intervals, activePods: Pod[], count: number, completions: number): number[] {
  if (count <= 0) return [];
  const active = [...new Set(activePods.map(completionIndexOf).filter((ix) => ix !== UNKNOWN_INDEX))].sort((a, b) => a - b);
  const nonPending = withIndexes(succeeded, active);
  const result: number[] = [];
  let candidate = 0;
  for (const interval of nonPending) {
    for (; candidate < completions && result.length < count && candidate < interval.first; candidate++) result.push(candidate);
    if (candidate < interval.last + 1) candidate = interval.last + 1;
  }
  for (; candidate < completions && result.length < count; candidate++) result.push(candidate);
  return result;
}

/**
 * appendDuplicatedIndexPodsForRemoval: active pods without a valid index or at or above
 * completions go, and of pods sharing an index all but the one to keep longest (by the
 * ActivePods order) go. Returns the pods to remove and those left.
 */
export function duplicatedIndexPods(pods: Pod[], completions: number): { remove: Pod[]; left: Pod[] } {
  const remove: Pod[] = [];
  const left: Pod[] = [];
  const byIndex = new Map<number, Pod[]>();
  for (const p of pods) {
    const ix = completionIndexOf(p);
    if (ix === UNKNOWN_INDEX || ix >= completions) {
      remove.push(p);
      continue;
    }
    const group = byIndex.get(ix);
    if (group) group.push(p);
    else byIndex.set(ix, [p]);
  }
  for (const ix of [...byIndex.keys()].sort((a, b) => a - b)) {
    const group = [...byIndex.get(ix)!].sort(activePodsOrder);
    remove.push(...group.slice(0, -1));
    left.push(group[group.length - 1]);
  }
  return { remove, left };
}
