// Pod status from the runtime's container records, as the kubelet generates it
// (generateAPIPodStatus, getPhase, convertToAPIContainerStatuses, status/generate.go).

import type { Container, ContainerState, ContainerStatus, Pod, PodCondition, PodStatus } from '../../kube/types.js';
import type { ContainerRecord, ContainerRun } from './types.js';
import { metaTime } from '../../common/time.js';

export const RUNTIME_NAME = 'knit';

/** metav1.Time: RFC 3339 in whole seconds, as the API shows every time. The runtime keeps milliseconds. */
export function rfc3339(t: string): string;
export function rfc3339(t: string | undefined): string | undefined;
export function rfc3339(t: string | undefined): string | undefined {
  return t === undefined ? undefined : metaTime(Date.parse(t));
}

export interface PodStatusInput {
  records: Map<string, ContainerRecord>;
  podIPs: string[];
  hostIPs: string[];
  /** When the agent first handled the pod. */
  startTime?: string;
  /** The sandbox (namespaces, shim) is up. */
  sandboxReady: boolean;
  /** The pod will not run its containers again (deleted, or Succeeded/Failed). */
  terminal?: boolean;
  now?: string;
}

function terminated(run: ContainerRun): ContainerState['terminated'] {
  const t: NonNullable<ContainerState['terminated']> = {
    exitCode: run.exitCode ?? 0,
    reason: run.reason ?? ((run.exitCode ?? 0) === 0 ? 'Completed' : 'Error'),
    startedAt: rfc3339(run.startedAt),
    finishedAt: rfc3339(run.finishedAt),
    containerID: `${RUNTIME_NAME}://${run.id}`,
  };
  if (run.message) t.message = run.message;
  return t;
}

export function containerStatus(spec: Container, record: ContainerRecord | undefined, defaultWaiting: string): ContainerStatus {
  const status: ContainerStatus = {
    name: spec.name,
    state: { waiting: { reason: defaultWaiting } },
    lastState: {},
    ready: false,
    restartCount: record?.restartCount ?? 0,
    image: record?.image ?? spec.image ?? '',
    imageID: record?.imageID ?? '',
    started: false,
  };
  if (!record) return status;
  const run = record.current;
  if (run) status.containerID = `${RUNTIME_NAME}://${run.id}`;
  if (record.previous?.state === 'exited') status.lastState = { terminated: terminated(record.previous) };
  if (record.waiting) {
    // A container waiting to restart shows its last run as lastState.
    if (run?.state === 'exited') status.lastState = { terminated: terminated(run) };
    status.state = { waiting: { reason: record.waiting.reason, ...(record.waiting.message ? { message: record.waiting.message } : {}) } };
  } else if (run?.state === 'running') {
    status.state = { running: { startedAt: rfc3339(run.startedAt) } };
    status.started = record.started;
    // Regular init containers are only ever ready once they completed.
    status.ready = !record.init && record.started && record.ready;
  } else if (run?.state === 'exited') {
    status.state = { terminated: terminated(run) };
    status.ready = record.init && run.exitCode === 0;
  }
  return status;
}

function restartPolicy(pod: Pod): 'Always' | 'OnFailure' | 'Never' {
  return pod.spec.restartPolicy ?? 'Always';
}

/** getPhase for regular init containers and app containers. */
export function podPhase(pod: Pod, statuses: ContainerStatus[], initStatuses: ContainerStatus[], terminal: boolean): NonNullable<PodStatus['phase']> {
  let pendingInit = 0;
  let failedInit = 0;
  for (const s of initStatuses) {
    if (s.state?.running) pendingInit++;
    else if (s.state?.terminated) { if (s.state.terminated.exitCode !== 0) failedInit++; }
    else if (s.lastState?.terminated) { if (s.lastState.terminated.exitCode !== 0) failedInit++; }
    else pendingInit++;
  }
  let running = 0, waiting = 0, stopped = 0, succeeded = 0;
  for (const s of statuses) {
    if (s.state?.running) running++;
    else if (s.state?.terminated) { stopped++; if (s.state.terminated.exitCode === 0) succeeded++; }
    else if (s.lastState?.terminated) stopped++;
    else waiting++;
  }
  if (failedInit > 0 && restartPolicy(pod) === 'Never') return 'Failed';
  if (pendingInit > 0 || waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (terminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (restartPolicy(pod) === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (restartPolicy(pod) === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

/** Go's %s of a []string: "[a b]". */
const goList = (names: string[]) => `[${names.join(' ')}]`;

function containersReady(pod: Pod, statuses: ContainerStatus[], phase: string): PodCondition {
  if (phase === 'Succeeded') return { type: 'ContainersReady', status: 'False', reason: 'PodCompleted' };
  if (phase === 'Failed') return { type: 'ContainersReady', status: 'False', reason: 'PodFailed' };
  const unready = pod.spec.containers.filter((c) => !statuses.find((s) => s.name === c.name)?.ready).map((c) => c.name);
  if (unready.length > 0) return { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: ${goList(unready)}` };
  return { type: 'ContainersReady', status: 'True' };
}

function podReady(pod: Pod, cr: PodCondition, existing: PodCondition[]): PodCondition {
  if (cr.status !== 'True') return { ...cr, type: 'Ready' };
  const messages: string[] = [];
  for (const gate of (pod.spec.readinessGates ?? []) as { conditionType: string }[]) {
    const c = existing.find((x) => x.type === gate.conditionType);
    if (!c) messages.push(`corresponding condition of pod readiness gate ${JSON.stringify(gate.conditionType)} does not exist.`);
    else if (c.status !== 'True') messages.push(`the status of pod readiness gate ${JSON.stringify(gate.conditionType)} is not "True", but ${c.status}`);
  }
  if (messages.length > 0) return { type: 'Ready', status: 'False', reason: 'ReadinessGatesNotReady', message: messages.join(', ') };
  return { type: 'Ready', status: 'True' };
}

function initialized(pod: Pod, initStatuses: ContainerStatus[], statuses: ContainerStatus[], phase: string): PodCondition {
  if (phase === 'Succeeded') return { type: 'Initialized', status: 'True', reason: 'PodCompleted' };
  if (statuses.some((s) => s.state?.running || s.state?.terminated || s.lastState?.terminated)) return { type: 'Initialized', status: 'True' };
  const incomplete = (pod.spec.initContainers ?? []).filter((c) => !initStatuses.find((s) => s.name === c.name)?.ready).map((c) => c.name);
  if (incomplete.length > 0) return { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: `containers with incomplete status: ${goList(incomplete)}` };
  return { type: 'Initialized', status: 'True' };
}

const KUBELET_CONDITIONS = new Set(['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);

/** Keeps lastTransitionTime from the previous status when a condition's status did not change. */
function withTransitions(conditions: PodCondition[], old: PodCondition[], now: string): PodCondition[] {
  return conditions.map((c) => {
    const prev = old.find((o) => o.type === c.type);
    return { ...c, lastProbeTime: null, lastTransitionTime: prev && prev.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : now };
  });
}

function qosClass(pod: Pod): string {
  const all = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])];
  const res = all.map((c) => (c.resources ?? {}) as { limits?: Record<string, unknown>; requests?: Record<string, unknown> });
  const any = res.some((r) => Object.keys(r.limits ?? {}).length > 0 || Object.keys(r.requests ?? {}).length > 0);
  if (!any) return 'BestEffort';
  const guaranteed = res.every((r) => ['cpu', 'memory'].every((k) => r.limits?.[k] !== undefined && (r.requests?.[k] === undefined || String(r.requests[k]) === String(r.limits[k]))));
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** The status the kubelet would write for the pod now. */
export function generatePodStatus(pod: Pod, input: PodStatusInput): PodStatus {
  const now = rfc3339(input.now ?? new Date().toISOString());
  const old = pod.status ?? {};
  const hasInit = (pod.spec.initContainers ?? []).length > 0;
  const defaultWaiting = hasInit ? 'PodInitializing' : 'ContainerCreating';
  const initStatuses = (pod.spec.initContainers ?? []).map((c) => containerStatus(c, input.records.get(c.name), 'PodInitializing'));
  const statuses = pod.spec.containers.map((c) => containerStatus(c, input.records.get(c.name), defaultWaiting));
  let phase = podPhase(pod, statuses, initStatuses, input.terminal ?? false);
  // A terminal phase never changes back.
  if (old.phase === 'Succeeded' || old.phase === 'Failed') phase = old.phase;

  const existing = (old.conditions ?? []).filter((c) => !KUBELET_CONDITIONS.has(c.type));
  const cr = containersReady(pod, statuses, phase);
  const conditions = withTransitions([
    { type: 'PodReadyToStartContainers', status: input.sandboxReady ? 'True' : 'False' },
    initialized(pod, initStatuses, statuses, phase),
    podReady(pod, cr, existing),
    cr,
    { type: 'PodScheduled', status: 'True' },
  ], old.conditions ?? [], now);

  const status: PodStatus = {
    phase,
    conditions: [...existing, ...conditions],
    hostIP: input.hostIPs[0],
    hostIPs: input.hostIPs.map((ip) => ({ ip })),
    startTime: rfc3339(input.startTime),
    containerStatuses: statuses,
    qosClass: qosClass(pod),
  };
  const podIPs = pod.spec.hostNetwork ? input.hostIPs : input.podIPs;
  if (podIPs.length > 0) {
    status.podIP = podIPs[0];
    status.podIPs = podIPs.map((ip) => ({ ip }));
  }
  if (hasInit) status.initContainerStatuses = initStatuses;
  return status;
}
