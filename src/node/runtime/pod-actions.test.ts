// computePodActions: what a pod worker does next, from the spec, the runs and the back-off.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod, PodStatus } from '../../kube/types.js';
import { Backoff } from './backoff.js';
import { containerHash } from './container-spec.js';
import { computePodActions, type ContainerAction, type PodActionsInput } from './pod-actions.js';
import type { ContainerRecord, ContainerRun } from './types.js';

const T0 = Date.parse('2025-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

const app: Container = { name: 'app', image: 'busybox', command: ['sleep', '3600'] };
const sidecar: Container = { name: 'sidecar', image: 'busybox', command: ['sleep', '3600'] };
const init1: Container = { name: 'init-1', image: 'busybox', command: ['true'] };
const init2: Container = { name: 'init-2', image: 'busybox', command: ['true'] };

function pod(spec: Partial<Pod['spec']>): Pod {
  return { metadata: { name: 'web', namespace: 'default', uid: 'u-1' }, spec: { containers: [app], ...spec } };
}

let runs = 0;
function running(attempt = 0, startedMs = 0): ContainerRun {
  return { id: `run-${++runs}`, attempt, state: 'running', startedAt: at(startedMs) };
}
function exited(exitCode: number, attempt = 0, finishedMs = 1000): ContainerRun {
  return { id: `run-${++runs}`, attempt, state: 'exited', startedAt: at(0), finishedAt: at(finishedMs), exitCode };
}

function record(c: Container, current: ContainerRun | undefined, more: Partial<ContainerRecord> = {}): [string, ContainerRecord] {
  return [c.name, { name: c.name, init: false, restartCount: current?.attempt ?? 0, started: true, ready: true, current, ...more }];
}

interface Case {
  pod: Pod;
  records?: [string, ContainerRecord][];
  phase?: PodStatus['phase'];
  backoff?: Backoff;
  reported?: [string, number][];
  now?: number;
  /** Containers whose current run was made from their present spec. */
  unchanged?: Container[];
}

function decide(c: Case) {
  const input: PodActionsInput = {
    pod: c.pod,
    phase: c.phase ?? 'Running',
    records: new Map(c.records ?? []),
    runInfo: new Map((c.unchanged ?? []).map((x) => [x.name, { hash: containerHash(x) }])),
    backoff: c.backoff ?? new Backoff(),
    backoffReported: new Map(c.reported ?? []),
    now: c.now ?? T0 + 2000,
  };
  return computePodActions(input);
}

/** The actions in short: "start app #0 (back-off from 1000)", "kill app: ...", "back off app 9s". */
function brief(actions: ContainerAction[]): string[] {
  return actions.map((a) => {
    if (a.type === 'start') return `start ${a.container.name}${a.init ? ' (init)' : ''} #${a.attempt}${a.backoffFrom !== undefined ? ` (back-off from ${a.backoffFrom - T0})` : ''}`;
    if (a.type === 'kill') return `kill ${a.container.name}: ${a.message}`;
    return `back off ${a.container.name} ${a.retryInMs / 1000}s`;
  });
}

function actions(c: Case): string[] {
  const next = decide(c);
  assert.equal(next.type, 'sync');
  return next.type === 'sync' ? brief(next.actions) : [];
}

test('a new pod starts its first init container only', () => {
  assert.deepEqual(actions({ pod: pod({ initContainers: [init1, init2], containers: [app, sidecar] }) }), ['start init-1 (init) #0']);
});

test('init containers run one at a time: the next starts once the one before exited 0', () => {
  const p = pod({ initContainers: [init1, init2] });
  assert.deepEqual(actions({ pod: p, records: [record(init1, running())] }), []);
  assert.deepEqual(actions({ pod: p, records: [record(init1, exited(0))] }), ['start init-2 (init) #0']);
  assert.deepEqual(actions({ pod: p, records: [record(init1, exited(0)), record(init2, exited(0))] }), ['start app #0']);
});

test('a failed init container runs again (restart policy Always) before anything else', () => {
  const p = pod({ initContainers: [init1, init2] });
  assert.deepEqual(actions({ pod: p, records: [record(init1, exited(1))] }), ['start init-1 (init) #1 (back-off from 1000)']);
});

test('app containers start together once the init containers are done', () => {
  assert.deepEqual(actions({ pod: pod({ containers: [app, sidecar] }) }), ['start app #0', 'start sidecar #0']);
});

test('a running container is left alone while its spec is unchanged, and killed when it changed', () => {
  const p = pod({ containers: [app, sidecar] });
  const records = [record(app, running()), record(sidecar, running())];
  assert.deepEqual(actions({ pod: p, records, unchanged: [app, sidecar] }), []);
  assert.deepEqual(actions({ pod: p, records, unchanged: [app] }), ['kill sidecar: Container sidecar definition changed, will be restarted']);
});

test('the restart policy decides whether an exited container runs again', () => {
  const cases: [Pod['spec']['restartPolicy'], number, string[]][] = [
    ['Always', 0, ['start app #1 (back-off from 1000)']],
    ['Always', 2, ['start app #1 (back-off from 1000)']],
    ['OnFailure', 0, []],
    ['OnFailure', 2, ['start app #1 (back-off from 1000)']],
    ['Never', 2, []],
  ];
  for (const [restartPolicy, code, want] of cases) {
    assert.deepEqual(actions({ pod: pod({ restartPolicy }), records: [record(app, exited(code))] }), want, `${restartPolicy}, exit ${code}`);
  }
});

test('within the back-off window the container waits, with the kubelet message and one BackOff event per run', () => {
  const backoff = new Backoff();
  // The first crash (finished at 1s) restarted at once at 1s: the window is now 10s.
  backoff.next('app', T0 + 1000, T0 + 1000);
  const records = [record(app, exited(2, 1, 3000), { previous: exited(2, 0, 1000) })];
  const next = decide({ pod: pod({}), records, backoff, now: T0 + 4000 });
  assert.deepEqual(next, {
    type: 'sync',
    actions: [{
      type: 'backOff',
      container: app,
      waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=app pod=web_default(u-1)' },
      retryInMs: 9000,
      finishedAt: T0 + 3000,
      event: 'Back-off restarting failed container app in pod web_default(u-1)',
    }],
  });
  const again = decide({ pod: pod({}), records, backoff, now: T0 + 8000, reported: [['app', T0 + 3000]] });
  assert.ok(again.type === 'sync' && again.actions[0].type === 'backOff');
  assert.equal(again.actions[0].event, undefined);
  assert.equal(again.actions[0].retryInMs, 5000);
  // Once the window has passed, the restart moves the back-off on.
  assert.deepEqual(actions({ pod: pod({}), records, backoff, now: T0 + 13_000 }), ['start app #2 (back-off from 3000)']);
});

test('a container that ran for more than 10 minutes restarts without waiting', () => {
  const backoff = new Backoff();
  backoff.next('app', T0, T0);
  const finished = 11 * 60_000;
  assert.deepEqual(actions({ pod: pod({}), records: [record(app, exited(1, 1, finished))], backoff, now: T0 + finished + 1 }), [`start app #2 (back-off from ${finished})`]);
});

test('a run lost with its sandbox counts as a restart, without back-off', () => {
  const records = [record(app, undefined, { restartCount: 0, previous: exited(137, 0) })];
  assert.deepEqual(actions({ pod: pod({}), records }), ['start app #1']);
});

test('a pod that reached Succeeded or Failed is finished', () => {
  for (const phase of ['Succeeded', 'Failed'] as const) {
    assert.deepEqual(decide({ pod: pod({ restartPolicy: 'Never' }), records: [record(app, exited(0))], phase }), { type: 'finish' });
  }
});
