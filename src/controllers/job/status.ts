// The Job controller's decisions that need no API (upstream's job_controller.go): conditions, how
// many pods should run, when the backoff limit or the deadline is past, when a Job is complete.

import type { Job, JobCondition, Pod } from '../../kube/types.js';
import { metaTime } from '../../common/time.js';

export const REASON_BACKOFF_LIMIT_EXCEEDED = 'BackoffLimitExceeded';
export const REASON_DEADLINE_EXCEEDED = 'DeadlineExceeded';
export const REASON_POD_FAILURE_POLICY = 'PodFailurePolicy';
export const REASON_COMPLETIONS_REACHED = 'CompletionsReached';
export const REASON_SUCCESS_POLICY = 'SuccessPolicy';
export const MESSAGE_BACKOFF_LIMIT_EXCEEDED = 'Job has reached the specified backoff limit';
export const MESSAGE_DEADLINE_EXCEEDED = 'Job was active longer than specified deadline';
export const MESSAGE_COMPLETIONS_REACHED = 'Reached expected number of succeeded pods';

export function newCondition(type: string, status: JobCondition['status'], reason: string, message: string, now: number): JobCondition {
  const t = metaTime(now);
  return { type, status, lastProbeTime: t, lastTransitionTime: t, ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
}

export function findCondition(job: Job, type: string): JobCondition | undefined {
  return job.status?.conditions?.find((c) => c.type === type);
}

export function isConditionTrue(job: Job, type: string): boolean {
  return findCondition(job, type)?.status === 'True';
}

/** The terminal condition (Complete or Failed) the Job has, if any. */
export function finishedCondition(job: Job): 'Complete' | 'Failed' | undefined {
  const c = job.status?.conditions?.find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  return c?.type as 'Complete' | 'Failed' | undefined;
}

export const isJobFinished = (job: Job): boolean => finishedCondition(job) !== undefined;
export const isSuspended = (job: Job): boolean => job.spec.suspend === true;
export const isIndexed = (job: Job): boolean => job.spec.completionMode === 'Indexed';

/**
 * ensureJobConditionStatus: sets the condition (a new transition time when it changes); a False
 * condition the Job never had is not added. Returns the list and whether it changed.
 */
export function ensureCondition(list: JobCondition[], type: string, status: JobCondition['status'], reason: string, message: string, now: number): { list: JobCondition[]; changed: boolean } {
  const i = list.findIndex((c) => c.type === type);
  if (i >= 0) {
    const c = list[i];
    if (c.status === status && (c.reason ?? '') === reason && (c.message ?? '') === message) return { list, changed: false };
    const next = [...list];
    next[i] = newCondition(type, status, reason, message, now);
    return { list: next, changed: true };
  }
  if (status === 'False') return { list, changed: false };
  return { list: [...list, newCondition(type, status, reason, message, now)], changed: true };
}

/**
 * How many pods should be active: without completions, parallelism until one succeeded (then
 * whatever still runs); with completions, the completions left, at most parallelism.
 */
export function wantActive(job: Job, active: number, succeeded: number): number {
  const parallelism = job.spec.parallelism ?? 1;
  if (job.spec.completions == null) return succeeded > 0 ? active : parallelism;
  return Math.max(0, Math.min(job.spec.completions - succeeded, parallelism));
}

/** Complete: without completions, a success and nothing active; with completions, that many successes and nothing active. */
export function isComplete(job: Job, succeeded: number, active: number): boolean {
  if (job.spec.completions == null) return succeeded > 0 && active === 0;
  return succeeded >= job.spec.completions && active === 0;
}

/**
 * pastBackoffLimitOnFailure: with restartPolicy OnFailure failures restart containers in place,
 * so the restarts of running and pending pods count against backoffLimit.
 */
export function pastBackoffLimitOnFailure(job: Job, pods: Pod[]): boolean {
  if (job.spec.template.spec.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const p of pods) {
    if (p.status?.phase !== 'Running' && p.status?.phase !== 'Pending') continue;
    for (const s of [...(p.status.initContainerStatuses ?? []), ...(p.status.containerStatuses ?? [])]) restarts += s.restartCount ?? 0;
  }
  const limit = job.spec.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

/** Milliseconds until activeDeadlineSeconds passes (<= 0: past), or undefined when there is no deadline running. */
export function deadlineRemainingMs(job: Job, now: number): number | undefined {
  const ads = job.spec.activeDeadlineSeconds;
  const start = job.status?.startTime;
  if (ads == null || !start || isSuspended(job)) return undefined;
  return Date.parse(start) + ads * 1000 - now;
}
