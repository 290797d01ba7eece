import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, PodStatus } from '../../kube/types.js';
import { generatePodStatus } from './status.js';
import type { ContainerRecord, ContainerRun } from './types.js';

const NOW = '2024-05-01T10:00:00.250Z';
/** What the API shows of NOW: whole seconds. */
const NOW_API = '2024-05-01T10:00:00Z';
const pod = (spec: Partial<Pod['spec']> = {}): Pod => ({ metadata: { name: 'p', namespace: 'default', uid: 'u' }, spec: { containers: [{ name: 'app', image: 'nginx' }], ...spec } });
const running = (id = 'a'.repeat(64), attempt = 0): ContainerRun => ({ id, attempt, state: 'running', startedAt: NOW });
const exited = (exitCode: number, id = 'b'.repeat(64), attempt = 0): ContainerRun => ({ id, attempt, state: 'exited', startedAt: NOW, finishedAt: NOW, exitCode, reason: exitCode === 0 ? 'Completed' : 'Error' });
const rec = (name: string, r: Partial<ContainerRecord>, init = false): [string, ContainerRecord] => [name, { name, init, restartCount: 0, started: true, ready: true, image: 'docker.io/library/nginx:latest', imageID: 'x', ...r }];
const status = (p: Pod, records: [string, ContainerRecord][], extra: { terminal?: boolean; sandboxReady?: boolean } = {}): PodStatus =>
  generatePodStatus(p, { records: new Map(records), podIPs: ['10.244.1.5'], hostIPs: ['192.168.1.10'], startTime: NOW, sandboxReady: extra.sandboxReady ?? true, terminal: extra.terminal, now: NOW });
const cond = (s: PodStatus) => Object.fromEntries((s.conditions ?? []).map((c) => [c.type, c.status + (c.reason ? `/${c.reason}` : '')]));

test('a new pod is Pending with ContainerCreating and unready conditions in kubelet order', () => {
  const s = status(pod(), [], { sandboxReady: false });
  assert.equal(s.phase, 'Pending');
  assert.deepEqual(s.containerStatuses?.[0].state, { waiting: { reason: 'ContainerCreating' } });
  assert.equal(s.containerStatuses?.[0].image, 'nginx');
  assert.deepEqual(s.conditions?.map((c) => c.type), ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);
  assert.deepEqual(cond(s), { PodReadyToStartContainers: 'False', Initialized: 'True', Ready: 'False/ContainersNotReady', ContainersReady: 'False/ContainersNotReady', PodScheduled: 'True' });
  assert.equal(s.conditions?.find((c) => c.type === 'Ready')?.message, 'containers with unready status: [app]');
});

test('a running ready container makes the pod Running and Ready', () => {
  const s = status(pod(), [rec('app', { current: running() })]);
  assert.equal(s.phase, 'Running');
  const cs = s.containerStatuses![0];
  assert.deepEqual(cs.state, { running: { startedAt: NOW_API } });
  assert.equal(cs.ready, true);
  assert.equal(s.startTime, NOW_API);
  assert.equal(cs.started, true);
  assert.equal(cs.containerID, `knit://${'a'.repeat(64)}`);
  assert.equal(cond(s).Ready, 'True');
  assert.equal(s.podIP, '10.244.1.5');
  assert.equal(s.qosClass, 'BestEffort');
});

test('not started (startup probe) or not ready (readiness) is running but unready', () => {
  const s = status(pod({ containers: [{ name: 'a' }, { name: 'b' }] }), [rec('a', { current: running(), started: false, ready: true }), rec('b', { current: running(), ready: false })]);
  assert.equal(s.phase, 'Running');
  assert.deepEqual(s.containerStatuses!.map((c) => [c.started, c.ready]), [[false, false], [true, false]]);
  assert.equal(s.conditions?.find((c) => c.type === 'ContainersReady')?.message, 'containers with unready status: [a b]');
});

test('CrashLoopBackOff: waiting with the last run as lastState; the pod stays Running under Always', () => {
  const message = 'back-off 10s restarting failed container=app pod=p_default(u)';
  const s = status(pod(), [rec('app', { current: exited(1), restartCount: 1, waiting: { reason: 'CrashLoopBackOff', message } })]);
  const cs = s.containerStatuses![0];
  assert.deepEqual(cs.state, { waiting: { reason: 'CrashLoopBackOff', message } });
  assert.equal(cs.lastState?.terminated?.exitCode, 1);
  assert.equal(cs.lastState?.terminated?.reason, 'Error');
  assert.equal(cs.restartCount, 1);
  assert.equal(s.phase, 'Running');
});

test('restartPolicy decides the phase once containers stopped', () => {
  const done = (policy: 'Never' | 'OnFailure' | 'Always', code: number) => status(pod({ restartPolicy: policy }), [rec('app', { current: exited(code) })]).phase;
  assert.equal(done('Never', 0), 'Succeeded');
  assert.equal(done('Never', 2), 'Failed');
  assert.equal(done('OnFailure', 0), 'Succeeded');
  assert.equal(done('OnFailure', 2), 'Running');
  assert.equal(done('Always', 0), 'Running');
  const s = status(pod({ restartPolicy: 'Never' }), [rec('app', { current: exited(0) })]);
  assert.deepEqual(cond(s), { PodReadyToStartContainers: 'True', Initialized: 'True/PodCompleted', Ready: 'False/PodCompleted', ContainersReady: 'False/PodCompleted', PodScheduled: 'True' });
  assert.equal(s.containerStatuses![0].state?.terminated?.reason, 'Completed');
});

test('a terminated pod is Succeeded or Failed whatever its restartPolicy', () => {
  assert.equal(status(pod(), [rec('app', { current: exited(0) })], { terminal: true }).phase, 'Succeeded');
  assert.equal(status(pod(), [rec('app', { current: exited(137) })], { terminal: true }).phase, 'Failed');
});

test('init containers: PodInitializing until they complete; a failed one fails a Never pod', () => {
  const spec = { initContainers: [{ name: 'init', image: 'busybox' }] };
  const pending = status(pod(spec), [rec('init', { current: running() }, true)]);
  assert.equal(pending.phase, 'Pending');
  assert.deepEqual(pending.containerStatuses![0].state, { waiting: { reason: 'PodInitializing' } });
  assert.equal(pending.conditions?.find((c) => c.type === 'Initialized')?.message, 'containers with incomplete status: [init]');
  const done = status(pod(spec), [rec('init', { current: exited(0) }, true), rec('app', { current: running() })]);
  assert.equal(done.phase, 'Running');
  assert.equal(done.initContainerStatuses![0].ready, true);
  assert.equal(cond(done).Initialized, 'True');
  assert.equal(status(pod({ ...spec, restartPolicy: 'Never' }), [rec('init', { current: exited(1) }, true)]).phase, 'Failed');
  assert.equal(status(pod(spec), [rec('init', { current: exited(1) }, true)]).phase, 'Pending');
});

test('lastTransitionTime stays while a condition keeps its status', () => {
  const first = status(pod(), [rec('app', { current: running() })]);
  const later = generatePodStatus({ ...pod(), status: first }, { records: new Map([rec('app', { current: running(), ready: false })]), podIPs: [], hostIPs: [], sandboxReady: true, now: '2024-05-01T11:00:00.000Z' });
  const t = (s: PodStatus, type: string) => s.conditions?.find((c) => c.type === type)?.lastTransitionTime;
  assert.equal(t(later, 'PodScheduled'), NOW_API);
  assert.equal(t(later, 'Ready'), '2024-05-01T11:00:00Z');
});
