// One sync of a Job, as upstream's syncJob, manageJob and trackJobStatusAndRemoveFinalizers
// (Kubernetes 1.32) do it: count finished pods through the tracking finalizer and
// status.uncountedTerminatedPods, decide whether the Job failed (backoff limit, deadline, pod
// failure policy) or succeeded, create or delete pods, and write status and conditions. What it
// does to the API goes through SyncActions, so tests drive it without a cluster.

import type { Job, JobCondition, Pod } from '../../kube/types.js';
import { metaTime } from '../../common/time.js';
import { nextBackoffRecord, remainingBackoffMs, type BackoffPolicy, type BackoffRecord } from './backoff.js';
import { completionIndexOf, duplicatedIndexPods, firstPendingIndexes, formatIntervals, has, succeededIndexes, total, UNKNOWN_INDEX, withIndexes, type Intervals } from './indexes.js';
import { activePodsOrder, hasTrackingFinalizer, isActive, isPodFailed, isTerminating, onlyReplaceFailedPods, podForJob } from './pods.js';
import { matchPodFailurePolicy, matchSuccessPolicy } from './policies.js';
import {
  deadlineRemainingMs, ensureCondition, findCondition, isComplete, isConditionTrue, isIndexed, isSuspended, MESSAGE_BACKOFF_LIMIT_EXCEEDED,
  MESSAGE_COMPLETIONS_REACHED, MESSAGE_DEADLINE_EXCEEDED, newCondition, pastBackoffLimitOnFailure, REASON_BACKOFF_LIMIT_EXCEEDED,
  REASON_COMPLETIONS_REACHED, REASON_DEADLINE_EXCEEDED, REASON_POD_FAILURE_POLICY, REASON_SUCCESS_POLICY, wantActive,
} from './status.js';
import { isPodReady } from '../common.js';

/** At most this many pods are created or deleted, or counted into uncountedTerminatedPods, per sync. */
export const MAX_PODS_PER_SYNC = 500;

export interface SyncInput {
  /** A copy the sync may change. */
  job: Job;
  /** The pods the Job controls (adopted ones included). */
  pods: Pod[];
  now: number;
  /** The creates and deletes of earlier syncs have been seen in the pod cache. */
  expectationsSatisfied: boolean;
  /** Pods (by uid) whose finalizer this controller removed but the cache still shows. */
  expectedRemovedFinalizers: ReadonlySet<string>;
  backoff: BackoffRecord | undefined;
  backoffPolicy: BackoffPolicy;
}

export interface SyncActions {
  /** Creates the pods (slow start), records SuccessfulCreate/FailedCreate; how many were made and the first error. */
  createPods(job: Job, pods: Pod[]): Promise<{ created: number; error?: Error }>;
  /** Deletes the pods (removing the tracking finalizer first when asked); which were deleted and the first error. */
  deletePods(job: Job, pods: Pod[], removeFinalizer: boolean): Promise<{ deleted: Pod[]; error?: Error }>;
  /** Removes the tracking finalizer; the uids done (a pod already gone counts as done) and the first error. */
  removeFinalizers(job: Job, pods: Pod[]): Promise<{ removed: Set<string>; error?: Error }>;
  /** Writes status; returns the Job as stored. */
  updateStatus(job: Job): Promise<Job>;
  event(job: Job, type: 'Normal' | 'Warning', reason: string, message: string): void;
  /** Sync the Job again after ms. */
  requeueAfter(ms: number): void;
  saveBackoff(record: BackoffRecord): void;
}

interface Ctx {
  job: Job;
  pods: Pod[];
  active: Pod[];
  ready: number;
  terminating: number;
  succeeded: number;
  failed: number;
  uncountedSucceeded: Set<string>;
  uncountedFailed: Set<string>;
  expectedRm: ReadonlySet<string>;
  finished?: JobCondition;
  prevSucceededIndexes: Intervals;
  succeededIndexes: Intervals;
  backoff: BackoffRecord;
}

const isSuccessCriteriaMet = (c: JobCondition | undefined) => c?.type === 'SuccessCriteriaMet';

/** Pods not yet counted (finalizer on, not in the uncounted lists, index valid) that pass the filter. */
function newFinishedPods(ctx: Ctx, uncounted: Set<string>, filter: (p: Pod) => boolean): Pod[] {
  return ctx.pods.filter((p) => {
    const uid = p.metadata.uid!;
    if (!hasTrackingFinalizer(p) || uncounted.has(uid) || ctx.expectedRm.has(uid)) return false;
    if (isIndexed(ctx.job)) {
      const ix = completionIndexOf(p);
      if (ix === UNKNOWN_INDEX || ix >= (ctx.job.spec.completions ?? 0)) return false;
    }
    return filter(p);
  });
}

export async function syncJob(input: SyncInput, actions: SyncActions): Promise<void> {
  const job = input.job;
  const now = input.now;
  job.status ??= {};
  job.status.uncountedTerminatedPods ??= {};
  const pods = input.pods;
  const active = pods.filter(isActive);
  const uncounted = job.status.uncountedTerminatedPods;
  const ctx: Ctx = {
    job, pods, active,
    ready: active.filter(isPodReady).length,
    terminating: pods.filter(isTerminating).length,
    succeeded: 0, failed: 0,
    uncountedSucceeded: new Set(uncounted.succeeded ?? []),
    uncountedFailed: new Set(uncounted.failed ?? []),
    expectedRm: input.expectedRemovedFinalizers,
    prevSucceededIndexes: [], succeededIndexes: [],
    backoff: { failuresAfterLastSuccess: 0 },
  };
  let activeCount = active.length;
  const newSucceeded = newFinishedPods(ctx, ctx.uncountedSucceeded, (p) => p.status?.phase === 'Succeeded');
  const newFailed = newFinishedPods(ctx, ctx.uncountedFailed, (p) => isPodFailed(p, job));
  const countedNewFailed = job.spec.podFailurePolicy ? newFailed.filter((p) => matchPodFailurePolicy(job, p).countFailed).length : newFailed.length;
  ctx.succeeded = (job.status.succeeded ?? 0) + newSucceeded.length + ctx.uncountedSucceeded.size;
  ctx.failed = (job.status.failed ?? 0) + countedNewFailed + ctx.uncountedFailed.size;

  // The first start; a Job created suspended starts when resumed.
  if (!job.status.startTime && !isSuspended(job)) job.status.startTime = metaTime(now);
  ctx.backoff = nextBackoffRecord(input.backoff, newSucceeded, newFailed);

  // Decide whether the Job reached a terminal state. A SuccessCriteriaMet or FailureTarget
  // condition from an earlier sync stands.
  ctx.finished = findCondition(job, 'SuccessCriteriaMet')?.status === 'True' ? findCondition(job, 'SuccessCriteriaMet') : undefined;
  if (!ctx.finished) {
    const target = findCondition(job, 'FailureTarget');
    if (target?.status === 'True') {
      ctx.finished = newCondition('Failed', 'True', target.reason ?? '', target.message ?? '', now);
    } else if (job.spec.podFailurePolicy) {
      const message = pods.filter((p) => isPodFailed(p, job)).map((p) => matchPodFailurePolicy(job, p).failJobMessage).find(Boolean);
      if (message) ctx.finished = newCondition('FailureTarget', 'True', REASON_POD_FAILURE_POLICY, message, now);
    }
  }
  if (!ctx.finished) {
    const deadline = deadlineRemainingMs(job, now);
    if (ctx.failed > (job.spec.backoffLimit ?? 6) || pastBackoffLimitOnFailure(job, pods)) {
      ctx.finished = newCondition('FailureTarget', 'True', REASON_BACKOFF_LIMIT_EXCEEDED, MESSAGE_BACKOFF_LIMIT_EXCEEDED, now);
    } else if (deadline !== undefined && deadline <= 0) {
      ctx.finished = newCondition('FailureTarget', 'True', REASON_DEADLINE_EXCEEDED, MESSAGE_DEADLINE_EXCEEDED, now);
    } else if (deadline !== undefined) {
      actions.requeueAfter(deadline);
    }
  }
  if (isIndexed(job)) {
    const idx = succeededIndexes(job, pods, hasTrackingFinalizer);
    ctx.prevSucceededIndexes = idx.previous;
    ctx.succeededIndexes = idx.current;
    ctx.succeeded = total(idx.current);
    if (!ctx.finished) {
      const message = matchSuccessPolicy(job, idx.current);
      if (message) ctx.finished = newCondition('SuccessCriteriaMet', 'True', REASON_SUCCESS_POLICY, message, now);
    }
  }

  let suspendChanged = false;
  let manageError: Error | undefined;
  if (ctx.finished) {
    // Finished (or about to be): active pods go; their finalizers stay until they are counted.
    const { deleted, error } = await actions.deletePods(job, active, false);
    if (deleted.length !== activeCount || !input.expectationsSatisfied) ctx.finished = undefined;
    activeCount -= deleted.length;
    ctx.terminating += deleted.length;
    ctx.ready -= deleted.filter(isPodReady).length;
    manageError = error;
  } else {
    let managed = false;
    if (input.expectationsSatisfied && !job.metadata.deletionTimestamp) {
      const r = await manageJob(ctx, input, actions);
      activeCount = r.active;
      manageError = r.error;
      managed = true;
    }
    if (isComplete(job, ctx.succeeded, activeCount)) {
      ctx.finished = newCondition('SuccessCriteriaMet', 'True', REASON_COMPLETIONS_REACHED, MESSAGE_COMPLETIONS_REACHED, now);
    } else if (managed) {
      const conditions = job.status.conditions ?? [];
      if (isSuspended(job)) {
        const r = ensureCondition(conditions, 'Suspended', 'True', 'JobSuspended', 'Job suspended', now);
        job.status.conditions = r.list;
        if (r.changed) {
          suspendChanged = true;
          actions.event(job, 'Normal', 'Suspended', 'Job suspended');
        }
      } else {
        const r = ensureCondition(conditions, 'Suspended', 'False', 'JobResumed', 'Job resumed', now);
        job.status.conditions = r.list;
        if (r.changed) {
          suspendChanged = true;
          actions.event(job, 'Normal', 'Resumed', 'Job resumed');
          // activeDeadlineSeconds counts the time a Job runs without being suspended.
          job.status.startTime = metaTime(now);
        }
      }
    }
  }

  const needsUpdate = suspendChanged || activeCount !== (job.status.active ?? 0) || ctx.ready !== job.status.ready || ctx.terminating !== job.status.terminating;
  job.status.active = activeCount;
  job.status.ready = ctx.ready;
  job.status.terminating = ctx.terminating;
  await trackStatusAndRemoveFinalizers(ctx, input, actions, needsUpdate);
  if (manageError) throw manageError;
}

/** manageJob: delete surplus pods or create missing ones (after the failure back-off). */
async function manageJob(ctx: Ctx, input: SyncInput, actions: SyncActions): Promise<{ active: number; error?: Error }> {
  const job = ctx.job;
  const active = ctx.active.length;
  if (isSuspended(job)) {
    const toDelete = [...ctx.active].sort(activePodsOrder);
    const { deleted, error } = await actions.deletePods(job, toDelete, true);
    ctx.terminating += deleted.length;
    ctx.ready -= deleted.filter(isPodReady).length;
    return { active: active - deleted.length, error };
  }
  const want = wantActive(job, active, ctx.succeeded);
  const toDelete = podsForRemoval(job, ctx.active, Math.max(0, active - want)).slice(0, MAX_PODS_PER_SYNC);
  if (toDelete.length > 0) {
    // A sync either deletes or creates pods, deletion first.
    const { deleted, error } = await actions.deletePods(job, toDelete, true);
    ctx.terminating += deleted.length;
    ctx.ready -= deleted.filter(isPodReady).length;
    return { active: active - deleted.length, error };
  }
  const terminating = onlyReplaceFailedPods(job) ? ctx.terminating : 0;
  let diff = want - terminating - active;
  if (diff <= 0) return { active };
  const wait = remainingBackoffMs(ctx.backoff, input.now, input.backoffPolicy);
  if (wait > 0) {
    actions.requeueAfter(Math.max(wait, 1000));
    // Upstream reports 0 active pods while it waits; knit reports the pods that run.
    return { active };
  }
  diff = Math.min(diff, MAX_PODS_PER_SYNC);
  let toCreate: Pod[];
  if (isIndexed(job)) {
    toCreate = firstPendingIndexes(ctx.succeededIndexes, ctx.active, diff, job.spec.completions ?? 0).map((ix) => podForJob(job, ix));
  } else {
    toCreate = Array.from({ length: diff }, () => podForJob(job));
  }
  const { created, error } = await actions.createPods(job, toCreate);
  return { active: active + created, error };
}

/** activePodsForRemoval: for Indexed Jobs repeated and out-of-range indexes first, then by the ActivePods order. */
function podsForRemoval(job: Job, pods: Pod[], atLeast: number): Pod[] {
  let remove: Pod[] = [];
  let left = pods;
  if (isIndexed(job)) ({ remove, left } = duplicatedIndexPods(pods, job.spec.completions ?? 0));
  if (remove.length < atLeast) remove = [...remove, ...[...left].sort(activePodsOrder).slice(0, atLeast - remove.length)];
  return remove;
}

/** Moves uids whose pods lost their finalizer from uncountedTerminatedPods into the counters. */
function countUncounted(job: Job, withFinalizer: Set<string>): boolean {
  const u = job.status!.uncountedTerminatedPods!;
  let changed = false;
  for (const kind of ['succeeded', 'failed'] as const) {
    const list = u[kind] ?? [];
    const keep = list.filter((uid) => withFinalizer.has(uid));
    if (keep.length !== list.length) {
      changed = true;
      job.status![kind] = (job.status![kind] ?? 0) + list.length - keep.length;
      if (keep.length) u[kind] = keep;
      else delete u[kind];
    }
  }
  return changed;
}

/**
 * trackJobStatusAndRemoveFinalizers: finished pods go into status.uncountedTerminatedPods (written
 * first), then lose their finalizer, then move into the counters; the interim conditions
 * (FailureTarget, SuccessCriteriaMet) are written before any finalizer goes, and the terminal one
 * (Failed, Complete) once nothing is uncounted and no pod is terminating.
 */
async function trackStatusAndRemoveFinalizers(ctx: Ctx, input: SyncInput, actions: SyncActions, needsFlushIn: boolean): Promise<void> {
  let job = ctx.job;
  let needsFlush = needsFlushIn;
  const indexed = isIndexed(job);
  const completions = job.spec.completions ?? 0;
  const uncounted = job.status!.uncountedTerminatedPods!;
  const withFinalizer = new Set(ctx.pods.filter((p) => hasTrackingFinalizer(p) && !ctx.expectedRm.has(p.metadata.uid!)).map((p) => p.metadata.uid!));
  if (countUncounted(job, withFinalizer)) needsFlush = true;
  const toRemove: Pod[] = [];
  const newIndexes: number[] = [];
  let reachedMax = false;
  const ordered = indexed ? [...ctx.pods].sort((a, b) => completionIndexOf(a) - completionIndexOf(b)) : ctx.pods;
  for (const pod of ordered) {
    const uid = pod.metadata.uid!;
    if (!hasTrackingFinalizer(pod) || ctx.expectedRm.has(uid)) continue;
    const failed = isPodFailed(pod, job);
    // canRemoveFinalizer: the Job is going or finished, the pod succeeded, or it failed.
    if (!(job.metadata.deletionTimestamp || ctx.finished || pod.status?.phase === 'Succeeded' || failed)) continue;
    toRemove.push(pod);
    if (pod.status?.phase === 'Succeeded' && !ctx.uncountedFailed.has(uid)) {
      if (indexed) {
        const ix = completionIndexOf(pod);
        if (ix !== UNKNOWN_INDEX && ix < completions && !has(ctx.prevSucceededIndexes, ix)) {
          newIndexes.push(ix);
          needsFlush = true;
        }
      } else if (!ctx.uncountedSucceeded.has(uid)) {
        uncounted.succeeded = [...(uncounted.succeeded ?? []), uid];
        needsFlush = true;
      }
    } else if (failed || (ctx.finished && !isSuccessCriteriaMet(ctx.finished))) {
      // Once the Job is finished, every pod that did not succeed counts as failed.
      const ix = completionIndexOf(pod);
      if (!ctx.uncountedFailed.has(uid) && (!indexed || (ix !== UNKNOWN_INDEX && ix < completions))) {
        if (!job.spec.podFailurePolicy || matchPodFailurePolicy(job, pod).countFailed) uncounted.failed = [...(uncounted.failed ?? []), uid];
        needsFlush = true;
      }
    }
    if (newIndexes.length + (uncounted.succeeded?.length ?? 0) + (uncounted.failed?.length ?? 0) >= MAX_PODS_PER_SYNC) {
      reachedMax = true;
      break;
    }
  }
  if (indexed) {
    ctx.succeededIndexes = withIndexes(ctx.succeededIndexes, newIndexes.sort((a, b) => a - b));
    const text = formatIntervals(ctx.succeededIndexes);
    if (text !== (job.status!.completedIndexes ?? '')) needsFlush = true;
    job.status!.succeeded = total(ctx.succeededIndexes);
    if (text) job.status!.completedIndexes = text;
    else delete job.status!.completedIndexes;
  }
  // Interim conditions go in before any finalizer is removed; the terminal one follows later.
  if (ctx.finished?.type === 'FailureTarget') {
    job.status!.conditions = [...(job.status!.conditions ?? []), ctx.finished];
    needsFlush = true;
    ctx.finished = newCondition('Failed', 'True', ctx.finished.reason ?? '', ctx.finished.message ?? '', input.now);
  }
  if (isSuccessCriteriaMet(ctx.finished)) {
    if (!isConditionTrue(job, 'SuccessCriteriaMet')) {
      job.status!.conditions = [...(job.status!.conditions ?? []), ctx.finished!];
      needsFlush = true;
    }
    ctx.finished = newCondition('Complete', 'True', ctx.finished!.reason ?? '', ctx.finished!.message ?? '', input.now);
  }

  // flushUncountedAndRemoveFinalizers
  if (needsFlush) {
    job = await actions.updateStatus(job);
    ctx.job = job;
    actions.saveBackoff(ctx.backoff);
    needsFlush = false;
  }
  let removeError: Error | undefined;
  if (toRemove.length) {
    const { removed, error } = await actions.removeFinalizers(job, toRemove);
    for (const uid of removed) withFinalizer.delete(uid);
    removeError = error;
  }
  job.status ??= {};
  job.status.uncountedTerminatedPods ??= {};
  if (countUncounted(job, withFinalizer)) needsFlush = true;
  if (removeError) {
    if (needsFlush) await actions.updateStatus(job);
    throw removeError;
  }

  // enactJobFinished
  let finished = false;
  const u = job.status.uncountedTerminatedPods;
  if (!reachedMax && ctx.finished && (u.succeeded?.length ?? 0) + (u.failed?.length ?? 0) === 0 && ctx.terminating === 0) {
    const c = ctx.finished;
    job.status.conditions = ensureCondition(job.status.conditions ?? [], c.type, c.status, c.reason ?? '', c.message ?? '', input.now).list;
    if (c.type === 'Complete') job.status.completionTime = findCondition(job, 'Complete')!.lastTransitionTime;
    finished = true;
    needsFlush = true;
  }
  if (!needsFlush) return;
  const stored = await actions.updateStatus(job);
  if (!finished) return;
  if (ctx.finished!.type === 'Complete') {
    if (stored.spec.completions != null && (stored.status?.succeeded ?? 0) > stored.spec.completions) {
      actions.event(stored, 'Warning', 'TooManySucceededPods', 'Too many succeeded pods running after completion count reached');
    }
    actions.event(stored, 'Normal', 'Completed', 'Job completed');
  } else {
    actions.event(stored, 'Warning', ctx.finished!.reason ?? '', ctx.finished!.message ?? '');
  }
}
