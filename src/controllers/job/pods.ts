// A Job's pods as upstream's Job controller sees them: the tracking finalizer, when a pod counts as
// failed or terminating, when it finished, which active pods go first, and the pods it creates
// (generateName, the completion index in annotation, label, env and hostname).

import { JOB_COMPLETION_INDEX, JOB_TRACKING_FINALIZER, type Job, type Pod } from '../../kube/types.js';
import { isPodReady } from '../common.js';
import { podFromTemplate } from '../podcontrol.js';

export const COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';

export const hasTrackingFinalizer = (p: Pod): boolean => (p.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);

const isTerminal = (p: Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

/** Pods are replaced only once they are Failed (not while terminating): podReplacementPolicy Failed, or any pod failure policy. */
export function onlyReplaceFailedPods(job: Job): boolean {
  return job.spec.podReplacementPolicy === 'Failed' || job.spec.podFailurePolicy != null;
}

/** Failed, or (unless only failed pods are replaced) deleted before it succeeded. */
export function isPodFailed(p: Pod, job: Job): boolean {
  if (p.status?.phase === 'Failed') return true;
  if (onlyReplaceFailedPods(job)) return false;
  return !!p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded';
}

/**
 * Being deleted and not yet terminal. A pod no node ever took is not counted: nothing will run
 * it down (upstream's PodGC marks such pods Failed; knit has no PodGC).
 */
export function isTerminating(p: Pod): boolean {
  return !!p.metadata.deletionTimestamp && !isTerminal(p) && !!p.spec.nodeName;
}

/** Not finished and not being deleted (upstream's FilterActivePods). */
export function isActive(p: Pod): boolean {
  return !isTerminal(p) && !p.metadata.deletionTimestamp;
}

/**
 * getFinishedTime: the last container's finish, else when Ready turned False, else the deletion
 * time less its grace period, else the creation time (ms since the epoch).
 */
export function finishedTime(p: Pod): number {
  const statuses = p.status?.containerStatuses ?? [];
  if (statuses.length && statuses.every((s) => s.state?.terminated?.finishedAt)) {
    return Math.max(...statuses.map((s) => Date.parse(s.state!.terminated!.finishedAt!)));
  }
  const ready = p.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status === 'False' && ready.lastTransitionTime) return Date.parse(ready.lastTransitionTime);
  if (p.metadata.deletionTimestamp) return Date.parse(p.metadata.deletionTimestamp) - (p.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
  return Date.parse(p.metadata.creationTimestamp ?? '') || 0;
}

const phaseRank = (p: Pod) => (p.status?.phase === 'Pending' ? 0 : p.status?.phase === 'Unknown' ? 1 : p.status?.phase === 'Running' ? 2 : 3);
const restarts = (p: Pod) => Math.max(0, ...(p.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0));
const readySince = (p: Pod) => Date.parse(p.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime ?? '') || 0;

/**
 * controller.ActivePods: the order in which active pods are removed, first to go first:
 * unscheduled, then pending, unknown, running; not ready before ready; ready for less time
 * first; more restarts first; newer first.
 */
export function activePodsOrder(a: Pod, b: Pod): number {
  if (!!a.spec.nodeName !== !!b.spec.nodeName) return a.spec.nodeName ? 1 : -1;
  if (phaseRank(a) !== phaseRank(b)) return phaseRank(a) - phaseRank(b);
  if (isPodReady(a) !== isPodReady(b)) return isPodReady(a) ? 1 : -1;
  if (isPodReady(a) && readySince(a) !== readySince(b)) return readySince(b) - readySince(a);
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  return (Date.parse(b.metadata.creationTimestamp ?? '') || 0) - (Date.parse(a.metadata.creationTimestamp ?? '') || 0);
}

/** podGenerateNameWithIndex: "<job>-<index>-", the job name cut so that a random suffix still makes a DNS label. */
export function generateNameWithIndex(jobName: string, index: number): string {
  const suffix = `-${index}-`;
  const max = 63 - 5;
  const prefix = jobName + suffix;
  return prefix.length > max ? jobName.slice(0, max - suffix.length) + suffix : prefix;
}

/**
 * The pod the Job creates: its template with the tracking finalizer and a controller reference;
 * for an Indexed Job also the index (annotation, label, JOB_COMPLETION_INDEX from the annotation
 * in every container without one) and the hostname <job>-<index>.
 */
export function podForJob(job: Job, index?: number): Pod {
  const template = structuredClone(job.spec.template);
  template.metadata ??= {};
  template.metadata.finalizers = [...new Set([...(template.metadata.finalizers ?? []), JOB_TRACKING_FINALIZER])];
  if (index === undefined) return podFromTemplate(template, job, 'batch/v1', 'Job');
  template.metadata.annotations = { ...(template.metadata.annotations ?? {}), [JOB_COMPLETION_INDEX]: String(index) };
  template.metadata.labels = { ...(template.metadata.labels ?? {}), [JOB_COMPLETION_INDEX]: String(index) };
  for (const c of [...template.spec.containers, ...(template.spec.initContainers ?? [])]) {
    if ((c.env ?? []).some((e) => e.name === COMPLETION_INDEX_ENV)) continue;
    c.env = [...(c.env ?? []), { name: COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX}']` } } }];
  }
  return podFromTemplate(template, job, 'batch/v1', 'Job', { generateName: generateNameWithIndex(job.metadata.name!, index), hostname: `${job.metadata.name}-${index}` });
}

/** The strategic merge patch that removes the tracking finalizer and nothing else. */
export const removeFinalizerPatch = { metadata: { '$deleteFromPrimitiveList/finalizers': [JOB_TRACKING_FINALIZER] } };
