// Expected cells are upstream's (printers_test.go: TestPrintPod, TestPrintPodWithRestartableInitContainer,
// TestPrintPodwide, TestPrintNonTerminatedPod). Upstream's non-wide tests see the first five cells;
// the API server always prints wide, so the wide tests compare all nine.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContainerStatus, Pod } from '../../kube/types.js';
import { podTable } from './pods.js';

const now = new Date('2025-06-01T12:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();
const containers = (n: number) => Array.from({ length: n }, () => ({ name: '' }));
const cs = (s: Partial<ContainerStatus>): ContainerStatus => ({ name: '', ready: false, restartCount: 0, image: '', imageID: '', ...s });
const running = { running: {} };
const finishedAgo = (ms: number) => ({ terminated: { exitCode: 0, finishedAt: ago(ms) } });

function pod(name: string, spec: Partial<Pod['spec']>, status: Pod['status'], meta: Partial<Pod['metadata']> = {}): Pod {
  return { metadata: { name, ...meta }, spec: { containers: [], ...spec }, status };
}
const row = (p: Pod) => podTable.cells(p, now);
const short = (p: Pod) => row(p).slice(0, 5);

describe('pod printer', () => {
  it('prints READY, STATUS and RESTARTS as upstream TestPrintPod', () => {
    const deleted = { deletionTimestamp: ago(10_000) };
    const cases: [Pod, unknown[]][] = [
      [pod('test1', { containers: containers(2) }, { phase: 'podPhase' as 'Running', containerStatuses: [cs({ ready: true, restartCount: 3, state: running }), cs({ restartCount: 3 })] }),
        ['test1', '1/2', 'podPhase', '6', '<unknown>']],
      [pod('test2', { containers: containers(2) }, { phase: 'podPhase' as 'Running', containerStatuses: [cs({ ready: true, restartCount: 3, state: running }), cs({ restartCount: 3, state: { waiting: { reason: 'ContainerWaitingReason' } } })] }),
        ['test2', '1/2', 'ContainerWaitingReason', '6', '<unknown>']],
      [pod('test3', { containers: containers(2) }, { phase: 'podPhase' as 'Running', containerStatuses: [cs({ restartCount: 3, state: { waiting: { reason: 'ContainerWaitingReason' } } }), cs({ restartCount: 3, state: { terminated: { exitCode: 0, reason: 'ContainerTerminatedReason' } } })] }),
        ['test3', '0/2', 'ContainerWaitingReason', '6', '<unknown>']],
      [pod('test4', { containers: containers(2) }, { phase: 'podPhase' as 'Running', containerStatuses: [cs({ ready: true, restartCount: 3, state: running }), cs({ ready: true, restartCount: 3 })] }),
        ['test4', '1/2', 'podPhase', '6', '<unknown>']],
      [pod('test5', { containers: containers(2) }, { reason: 'podReason', phase: 'podPhase' as 'Running', containerStatuses: [cs({ ready: true, restartCount: 3, state: running }), cs({ ready: true, restartCount: 3 })] }),
        ['test5', '1/2', 'podReason', '6', '<unknown>']],
      [pod('test6', { containers: containers(2) }, { phase: 'Running', containerStatuses: [cs({ ready: true, restartCount: 3, state: { terminated: { reason: 'Completed', exitCode: 0 } } }), cs({ ready: true, restartCount: 3, state: running })] }),
        ['test6', '1/2', 'NotReady', '6', '<unknown>']],
      [pod('test6', { containers: containers(2) }, { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [cs({ ready: true, restartCount: 3, state: { terminated: { reason: 'Completed', exitCode: 0 } } }), cs({ ready: true, restartCount: 3, state: running })] }),
        ['test6', '1/2', 'Running', '6', '<unknown>']],
      [pod('test7', { initContainers: containers(1), containers: containers(1) }, { phase: 'podPhase' as 'Running', initContainerStatuses: [cs({ restartCount: 3, state: running, lastState: finishedAgo(10_000) })], containerStatuses: [cs({ state: { waiting: {} } })] }),
        ['test7', '0/1', 'Init:0/1', '3 (10s ago)', '<unknown>']],
      [pod('test8', { initContainers: containers(2), containers: containers(1) }, { phase: 'podPhase' as 'Running', initContainerStatuses: [cs({ restartCount: 3, state: running, lastState: finishedAgo(10_000) }), cs({ state: { waiting: {} } })], containerStatuses: [cs({ state: { waiting: {} } })] }),
        ['test8', '0/1', 'Init:0/2', '3 (10s ago)', '<unknown>']],
      [pod('test9', { initContainers: containers(2), containers: containers(1) }, { phase: 'podPhase' as 'Running', initContainerStatuses: [cs({ state: { terminated: { exitCode: 0 } } }), cs({ restartCount: 3, state: running, lastState: finishedAgo(10_000) })], containerStatuses: [cs({ state: { waiting: {} } })] }),
        ['test9', '0/1', 'Init:1/2', '3 (10s ago)', '<unknown>']],
      [pod('test10', { initContainers: containers(2), containers: containers(1) }, { phase: 'podPhase' as 'Running', initContainerStatuses: [cs({ restartCount: 2, state: { terminated: { exitCode: 0 } }, lastState: finishedAgo(120_000) }), cs({ restartCount: 3, state: running, lastState: finishedAgo(10_000) })], containerStatuses: [cs({ state: { waiting: {} } })] }),
        ['test10', '0/1', 'Init:1/2', '5 (10s ago)', '<unknown>']],
      [pod('test11', { initContainers: containers(1), containers: containers(1) }, { phase: 'Running', initContainerStatuses: [cs({ restartCount: 2, state: { terminated: { exitCode: 0 } }, lastState: finishedAgo(120_000) })], containerStatuses: [cs({ restartCount: 4, state: running, lastState: finishedAgo(20_000) })] }),
        ['test11', '0/1', 'Running', '4 (20s ago)', '<unknown>']],
      [pod('test12', { containers: containers(1) }, { phase: 'Running', containerStatuses: [cs({ ready: true, restartCount: 3, state: running, lastState: finishedAgo(5 * 86_400_000) })] }),
        ['test12', '1/1', 'Running', '3 (5d ago)', '<unknown>']],
      [pod('test13', { containers: containers(2) }, { phase: 'Running', containerStatuses: [cs({ ready: true, state: running }), cs({ ready: true, restartCount: 3, state: running, lastState: finishedAgo(10 * 86_400_000) })] }),
        ['test13', '2/2', 'Running', '3 (10d ago)', '<unknown>']],
      [pod('test14', { containers: containers(2) }, { phase: 'Running', containerStatuses: [cs({ ready: true, restartCount: 6, state: running, lastState: finishedAgo(5 * 86_400_000) }), cs({ ready: true, restartCount: 3, state: running, lastState: finishedAgo(20 * 86_400_000) })] }),
        ['test14', '2/2', 'Running', '9 (5d ago)', '<unknown>']],
      [pod('test15', { containers: containers(2) }, { phase: 'podPhase' as 'Running', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] }),
        ['test15', '0/2', 'SchedulingGated', '0', '<unknown>']],
      [pod('test16', { containers: containers(1) }, { phase: 'Succeeded', containerStatuses: [cs({ state: { terminated: { reason: 'Completed', exitCode: 0 } } })] }),
        ['test16', '0/1', 'Completed', '0', '<unknown>']],
      [pod('test17', { containers: containers(1) }, { phase: 'Failed', containerStatuses: [cs({ state: { terminated: { reason: 'Error', exitCode: 1 } } })] }),
        ['test17', '0/1', 'Error', '0', '<unknown>']],
      [pod('test18', { containers: containers(1) }, { phase: 'Succeeded', containerStatuses: [cs({ state: { terminated: { reason: 'Completed', exitCode: 0 } } })] }, deleted),
        ['test18', '0/1', 'Completed', '0', '<unknown>']],
      [pod('test19', { containers: containers(1) }, { phase: 'Running', containerStatuses: [cs({ state: running })] }, deleted),
        ['test19', '0/1', 'Terminating', '0', '<unknown>']],
      [pod('test20', { containers: containers(1) }, { phase: 'Pending' }, deleted),
        ['test20', '0/1', 'Terminating', '0', '<unknown>']],
    ];
    for (const [p, want] of cases) assert.deepEqual(short(p), want, p.metadata.name);
  });

  it('counts sidecars (restartable init containers) as upstream TestPrintPodWithRestartableInitContainer', () => {
    const sidecars = [{ name: 'restartable-init-1', restartPolicy: 'Always' }, { name: 'restartable-init-2', restartPolicy: 'Always' }];
    const cases: [Pod, unknown[]][] = [
      [pod('test1', { initContainers: sidecars, containers: containers(1) }, {
        phase: 'Pending', conditions: [{ type: 'Initialized', status: 'False' }],
        initContainerStatuses: [cs({ name: 'restartable-init-1', restartCount: 3, state: running, started: false, lastState: finishedAgo(10_000) }), cs({ name: 'restartable-init-2', state: { waiting: {} }, started: false })],
        containerStatuses: [cs({ state: { waiting: {} } })],
      }), ['test1', '0/3', 'Init:0/2', '3 (10s ago)', '<unknown>']],
      [pod('test1', { initContainers: sidecars, containers: containers(1) }, {
        phase: 'Pending', conditions: [{ type: 'Initialized', status: 'False' }],
        initContainerStatuses: [cs({ name: 'restartable-init-1', restartCount: 3, state: running, started: true, lastState: finishedAgo(10_000) }), cs({ name: 'restartable-init-2', state: running, started: false })],
        containerStatuses: [cs({ state: { waiting: {} } })],
      }), ['test1', '0/3', 'Init:1/2', '3 (10s ago)', '<unknown>']],
      [pod('test2', { initContainers: sidecars, containers: containers(1) }, {
        phase: 'Running', conditions: [{ type: 'Initialized', status: 'True' }],
        initContainerStatuses: [cs({ name: 'restartable-init-1', restartCount: 3, state: running, started: true, lastState: finishedAgo(10_000) }), cs({ name: 'restartable-init-2', state: running, started: true })],
        containerStatuses: [cs({ ready: true, restartCount: 4, state: running, lastState: finishedAgo(20_000) })],
      }), ['test2', '1/3', 'Running', '7 (10s ago)', '<unknown>']],
      [pod('test3', { initContainers: sidecars, containers: containers(1) }, {
        phase: 'Succeeded', conditions: [{ type: 'Initialized', status: 'True' }],
        initContainerStatuses: [cs({ name: 'restartable-init-1', restartCount: 3, state: { terminated: { reason: 'Error', exitCode: 137 } }, started: false, lastState: finishedAgo(10_000) }), cs({ name: 'restartable-init-2', state: { terminated: { reason: 'Error', exitCode: 137 } }, started: false })],
        containerStatuses: [cs({ restartCount: 4, state: { terminated: { reason: 'Completed', exitCode: 0 } }, lastState: finishedAgo(20_000) })],
      }), ['test3', '0/3', 'Completed', '7 (10s ago)', '<unknown>']],
      [pod('test4', { initContainers: [{ name: 'init1', image: 'initimage' }, { name: 'sidecar1', image: 'sidecarimage', restartPolicy: 'Always' }], containers: [{ name: 'container1', image: 'containerimage' }] }, {
        phase: 'Running',
        initContainerStatuses: [cs({ name: 'initinvalid' }), cs({ name: 'init1' }), cs({ name: 'sidecar1' })],
        containerStatuses: [cs({ name: 'containerinvalid' }), cs({ name: 'container1' })],
      }), ['test4', '0/2', 'Init:0/2', '0', '<unknown>']],
    ];
    for (const [p, want] of cases) assert.deepEqual(short(p), want, p.metadata.name);
  });

  it('prints the wide columns as upstream TestPrintPodwide', () => {
    const gates = { readinessGates: [{ conditionType: 'condition1' }, { conditionType: 'condition2' }, { conditionType: 'condition3' }] };
    const conditions: Pod['status'] = { conditions: [{ type: 'condition1', status: 'False' }, { type: 'condition2', status: 'True' }] };
    const statuses = [cs({ ready: true, restartCount: 3, state: running }), cs({ restartCount: 3 })];
    assert.deepEqual(
      row(pod('test1', { containers: containers(2), nodeName: 'test1', ...gates }, { ...conditions, phase: 'podPhase' as 'Running', podIPs: [{ ip: '1.1.1.1' }], containerStatuses: statuses, nominatedNodeName: 'node1' })),
      ['test1', '1/2', 'podPhase', '6', '<unknown>', '1.1.1.1', 'test1', 'node1', '1/3'],
    );
    assert.deepEqual(
      row(pod('test1', { containers: containers(2), nodeName: 'test1', ...gates }, { ...conditions, phase: 'podPhase' as 'Running', podIPs: [{ ip: '1.1.1.1' }, { ip: '2001:db8::' }], containerStatuses: statuses, nominatedNodeName: 'node1' })),
      ['test1', '1/2', 'podPhase', '6', '<unknown>', '1.1.1.1', 'test1', 'node1', '1/3'],
    );
    assert.deepEqual(
      row(pod('test2', { containers: containers(2) }, { phase: 'podPhase' as 'Running', containerStatuses: [cs({ ready: true, restartCount: 3, state: running }), cs({ restartCount: 3, state: { waiting: { reason: 'ContainerWaitingReason' } } })] })),
      ['test2', '1/2', 'ContainerWaitingReason', '6', '<unknown>', '<none>', '<none>', '<none>', '<none>'],
    );
  });

  it('prints the states kubectl users see day to day', () => {
    const created = { creationTimestamp: ago(5 * 60_000) };
    const c = [{ name: 'app' }];
    assert.deepEqual(short(pod('p', { containers: c }, { phase: 'Pending', containerStatuses: [cs({ state: { waiting: { reason: 'ContainerCreating' } } })] }, created)),
      ['p', '0/1', 'ContainerCreating', '0', '5m']);
    assert.deepEqual(short(pod('p', { containers: c }, { phase: 'Running', containerStatuses: [cs({ restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(30_000) } } })] }, created)),
      ['p', '0/1', 'CrashLoopBackOff', '2 (30s ago)', '5m']);
    assert.deepEqual(short(pod('p', { containers: c }, { phase: 'Failed', containerStatuses: [cs({ state: { terminated: { exitCode: 137 } } })] }, created)),
      ['p', '0/1', 'ExitCode:137', '0', '5m']);
    assert.deepEqual(short(pod('p', { containers: c }, { phase: 'Running', reason: 'NodeLost', containerStatuses: [cs({ ready: true, state: running })] }, { ...created, deletionTimestamp: ago(0) })),
      ['p', '1/1', 'Unknown', '0', '5m']);
  });

  it('marks finished pods with a Completed row condition', () => {
    assert.deepEqual(podTable.rowConditions!(pod('a', {}, { phase: 'Succeeded' })), [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
    assert.deepEqual(podTable.rowConditions!(pod('a', {}, { phase: 'Failed' })), [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }]);
    assert.equal(podTable.rowConditions!(pod('a', {}, { phase: 'Running' })), undefined);
  });

  it('has upstream columns', () => {
    assert.deepEqual(podTable.columns.map((c) => [c.name, c.type, c.format, c.priority]), [
      ['Name', 'string', 'name', 0], ['Ready', 'string', '', 0], ['Status', 'string', '', 0], ['Restarts', 'string', '', 0],
      ['Age', 'string', '', 0], ['IP', 'string', '', 1], ['Node', 'string', '', 1], ['Nominated Node', 'string', '', 1], ['Readiness Gates', 'string', '', 1],
    ]);
  });
});
