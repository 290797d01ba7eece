// Expected cells are upstream's (printers_test.go: TestPrintDeployment, TestPrintReplicaSet,
// TestPrintStatefulSet, TestPrintDaemonSet, TestPrintDaemonSetList, TestPrintControllerRevision),
// wide variants, as the API server prints.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DaemonSet, Deployment, KubeObject, ReplicaSet, StatefulSet } from '../../kube/types.js';
import { controllerRevisionTable, daemonSetTable, deploymentTable, replicaSetTable, statefulSetTable } from './workloads.js';

const now = new Date('2025-06-01T12:00:00Z');
const justCreated = new Date(now.getTime() + 1900).toISOString(); // upstream's time.Now().Add(1.9e9)
const template = { spec: { containers: [{ name: 'fake-container1', image: 'fake-image1' }, { name: 'fake-container2', image: 'fake-image2' }] } };
const selector = { matchLabels: { foo: 'bar' } };

describe('workload printers', () => {
  it('prints deployments as upstream TestPrintDeployment', () => {
    const d: Deployment = {
      metadata: { name: 'test1', creationTimestamp: justCreated },
      spec: { replicas: 5, template, selector },
      status: { replicas: 10, updatedReplicas: 2, availableReplicas: 1, unavailableReplicas: 4 },
    };
    assert.deepEqual(deploymentTable.cells(d, now), ['test1', '0/5', 2, 1, '0s', 'fake-container1,fake-container2', 'fake-image1,fake-image2', 'foo=bar']);
  });

  it('prints replica sets as upstream TestPrintReplicaSet', () => {
    const rs: ReplicaSet = { metadata: { name: 'test1', creationTimestamp: justCreated }, spec: { replicas: 5, template, selector }, status: { replicas: 5, readyReplicas: 2 } };
    assert.deepEqual(replicaSetTable.cells(rs, now), ['test1', 5, 5, 2, '0s', 'fake-container1,fake-container2', 'fake-image1,fake-image2', 'foo=bar']);
    const bare: ReplicaSet = { metadata: { name: 'replicaset2', creationTimestamp: justCreated }, spec: { replicas: 4, template: { spec: { containers: [] } }, selector }, status: { replicas: 3, readyReplicas: 1 } };
    assert.deepEqual(replicaSetTable.cells(bare, now).slice(0, 5), ['replicaset2', 4, 3, 1, '0s']);
  });

  it('prints stateful sets as upstream TestPrintStatefulSet', () => {
    const ss: StatefulSet = { metadata: { name: 'test1', creationTimestamp: justCreated }, spec: { replicas: 5, template, selector }, status: { replicas: 5, readyReplicas: 2 } };
    assert.deepEqual(statefulSetTable.cells(ss, now), ['test1', '2/5', '0s', 'fake-container1,fake-container2', 'fake-image1,fake-image2']);
  });

  it('prints daemon sets as upstream TestPrintDaemonSet and TestPrintDaemonSetList', () => {
    const ds: DaemonSet = {
      metadata: { name: 'test1', creationTimestamp: justCreated },
      spec: { template, selector },
      status: { currentNumberScheduled: 2, desiredNumberScheduled: 3, numberReady: 1, updatedNumberScheduled: 2, numberAvailable: 0, numberMisscheduled: 0 },
    };
    assert.deepEqual(daemonSetTable.cells(ds, now), ['test1', 3, 2, 1, 2, 0, '<none>', '0s', 'fake-container1,fake-container2', 'fake-image1,fake-image2', 'foo=bar']);
    const ds2: DaemonSet = {
      metadata: { name: 'daemonset2', creationTimestamp: justCreated },
      spec: { template: { spec: { containers: [], nodeSelector: { 'kubernetes.io/os': 'linux' } } }, selector },
      status: { currentNumberScheduled: 4, desiredNumberScheduled: 2, numberReady: 9, updatedNumberScheduled: 3, numberAvailable: 3, numberMisscheduled: 0 },
    };
    assert.deepEqual(daemonSetTable.cells(ds2, now).slice(0, 8), ['daemonset2', 2, 4, 9, 3, 3, 'kubernetes.io/os=linux', '0s']);
  });

  it('prints controller revisions as upstream TestPrintControllerRevision', () => {
    const cr = (name: string, revision: number, ownerReferences?: KubeObject['metadata']['ownerReferences']): KubeObject =>
      ({ metadata: { name, creationTimestamp: justCreated, ownerReferences }, revision });
    assert.deepEqual(controllerRevisionTable.cells(cr('test1', 1, [{ controller: true, apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'foo', uid: 'u' }]), now),
      ['test1', 'daemonset.apps/foo', 1, '0s']);
    assert.deepEqual(controllerRevisionTable.cells(cr('test2', 2, [{ controller: false, apiVersion: '', kind: 'ABC', name: 'foo', uid: 'u' }]), now), ['test2', '<none>', 2, '0s']);
    assert.deepEqual(controllerRevisionTable.cells(cr('test3', 3, []), now), ['test3', '<none>', 3, '0s']);
    assert.deepEqual(controllerRevisionTable.cells(cr('test4', 4), now), ['test4', '<none>', 4, '0s']);
    assert.deepEqual(controllerRevisionTable.cells(cr('test5', 5, [{ controller: true, apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'u' }]), now), ['test5', 'pod/p', 5, '0s']);
  });

  it('defaults replicas to 1 and prints <invalid> for a broken deployment selector', () => {
    const d: Deployment = { metadata: { name: 'd' }, spec: { template, selector: { matchExpressions: [{ key: 'a', operator: 'In', values: [] }] } } };
    const cells = deploymentTable.cells(d, now);
    assert.equal(cells[1], '0/1');
    assert.equal(cells[7], '<invalid>');
  });
});
