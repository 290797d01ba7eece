// What a pod worker does next, decided without doing anything (the kubelet's computePodActions
// with its doBackOff): from the pod's spec, what its containers' runs are, their restart counts
// and the crash-loop back-off, which containers to start, kill or leave waiting in back-off,
// whether the next init container runs, or that the pod is done. Pure: the worker carries it out.

import type { Container, Pod, PodStatus } from '../../kube/types.js';
import { goSeconds, type Backoff } from './backoff.js';
import { containerHash } from './container-spec.js';
import type { ContainerRecord } from './types.js';

export interface PodActionsInput {
  pod: Pod;
  /** The phase the pod's status shows now. */
  phase: PodStatus['phase'];
  /** What ran and runs, per container name. */
  records: ReadonlyMap<string, ContainerRecord>;
  /** The spec hash each container's current run was made from, per container name. */
  runInfo: ReadonlyMap<string, { hash: string }>;
  /** The crash-loop back-off (read only here). */
  backoff: Pick<Backoff, 'get' | 'isInBackOffSince' | 'readyAt'>;
  /** Per container, the finish time of the run whose back-off has been reported (a BackOff event). */
  backoffReported: ReadonlyMap<string, number>;
  /** Milliseconds since the epoch. */
  now: number;
}

export type ContainerAction =
  /**
   * Create and start a run numbered `attempt` (its restart count). `backoffFrom`: a run that
   * finished then is being restarted, so the back-off moves to its next window.
   */
  | { type: 'start'; container: Container; init: boolean; attempt: number; backoffFrom?: number }
  /**
   * Wait in CrashLoopBackOff and look again in `retryInMs`. `event`: the BackOff event's
   * message, when this finished run has not been reported yet (then `finishedAt` is recorded).
   */
  | { type: 'backOff'; container: Container; waiting: { reason: 'CrashLoopBackOff'; message: string }; retryInMs: number; finishedAt: number; event?: string }
  /** Stop the running container (TERM, KILL after the grace period); its exit brings a restart. */
  | { type: 'kill'; container: Container; message: string };

/** `finish`: the pod reached Succeeded or Failed; nothing runs again. `sync`: the actions, in order. */
export type PodActions = { type: 'finish' } | { type: 'sync'; actions: ContainerAction[] };

/** Whether a container that exited with `exitCode` runs again under the pod's restart policy. */
export function shouldRestart(pod: Pod, exitCode: number | undefined): boolean {
  const policy = pod.spec.restartPolicy ?? 'Always';
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}

/** format.Pod: name_namespace(uid), as the kubelet names a pod in messages. */
export function podDescription(pod: Pod): string {
  return `${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid ?? ''})`;
}

/**
 * Init containers run one at a time, in order, each until it exits 0; only then the app
 * containers, all together: started when they have not run, restarted as the restart policy says
 * (after their back-off), and killed when their spec changed.
 */
export function computePodActions(input: PodActionsInput): PodActions {
  const { pod, records } = input;
  if (input.phase === 'Succeeded' || input.phase === 'Failed') return { type: 'finish' };

  for (const c of pod.spec.initContainers ?? []) {
    const run = records.get(c.name)?.current;
    if (run?.state === 'exited' && run.exitCode === 0) continue;
    return { type: 'sync', actions: run?.state === 'running' ? [] : [startOrBackOff(input, c, true)] };
  }

  const actions: ContainerAction[] = [];
  for (const c of pod.spec.containers) {
    const run = records.get(c.name)?.current;
    if (run?.state === 'running') {
      if (input.runInfo.get(c.name)?.hash !== containerHash(c)) actions.push({ type: 'kill', container: c, message: `Container ${c.name} definition changed, will be restarted` });
      continue;
    }
    if (run?.state === 'exited' && !shouldRestart(pod, run.exitCode)) continue;
    actions.push(startOrBackOff(input, c, false));
  }
  return { type: 'sync', actions };
}

/** A container that is not running: a new run, unless its last run finished within the back-off window. */
function startOrBackOff(input: PodActionsInput, c: Container, init: boolean): ContainerAction {
  const { backoff, now } = input;
  const r = input.records.get(c.name);
  const last = r?.current;
  const restartCount = r?.restartCount ?? 0;
  // A new run after an earlier one (even one lost with its sandbox) counts as a restart.
  const attempt = last || r?.previous ? restartCount + 1 : restartCount;
  if (last?.state !== 'exited') return { type: 'start', container: c, init, attempt };
  const finishedAt = Date.parse(last.finishedAt ?? last.startedAt);
  if (!backoff.isInBackOffSince(c.name, finishedAt, now)) return { type: 'start', container: c, init, attempt, backoffFrom: finishedAt };
  const description = podDescription(input.pod);
  return {
    type: 'backOff',
    container: c,
    waiting: { reason: 'CrashLoopBackOff', message: `back-off ${goSeconds(backoff.get(c.name))} restarting failed container=${c.name} pod=${description}` },
    retryInMs: backoff.readyAt(c.name, finishedAt) - now,
    finishedAt,
    event: input.backoffReported.get(c.name) === finishedAt ? undefined : `Back-off restarting failed container ${c.name} in pod ${description}`,
  };
}
