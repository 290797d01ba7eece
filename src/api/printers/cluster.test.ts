// Expected cells are upstream's (printers_test.go: TestPrintNodeStatus, TestPrintNodeRole,
// TestPrintNodeOSImage, TestPrintNodeExternalIP, TestPrintNodeInternalIP, TestPrintEvent,
// TestPrintNamespace, TestPrintSecret, TestPrintServiceAccount).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Event, KubeObject, Node } from '../../kube/types.js';
import { configMapTable, eventTable, leaseTable, namespaceTable, nodeTable, secretTable, serviceAccountTable } from './cluster.js';

const now = new Date('2025-06-01T12:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();
const DAY = 86_400_000;
const justCreated = ago(-1900);

describe('node printer', () => {
  const node = (name: string, extra: Partial<Node> = {}): Node => ({ metadata: { name }, spec: {}, ...extra });
  const short = (n: Node) => nodeTable.cells(n, now).slice(0, 5);

  it('prints STATUS as upstream TestPrintNodeStatus', () => {
    const cases: [Node, string][] = [
      [node('foo1', { status: { conditions: [{ type: 'Ready', status: 'True' }] } }), 'Ready'],
      [node('foo2', { spec: { unschedulable: true }, status: { conditions: [{ type: 'Ready', status: 'True' }] } }), 'Ready,SchedulingDisabled'],
      [node('foo3', { status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'Ready', status: 'True' }] } }), 'Ready'],
      [node('foo4', { status: { conditions: [{ type: 'Ready', status: 'False' }] } }), 'NotReady'],
      [node('foo5', { spec: { unschedulable: true }, status: { conditions: [{ type: 'Ready', status: 'False' }] } }), 'NotReady,SchedulingDisabled'],
      [node('foo6', { status: { conditions: [{ type: 'InvalidValue', status: 'True' }] } }), 'Unknown'],
      [node('foo7', { status: { conditions: [{ type: '', status: '' as 'Unknown' }] } }), 'Unknown'],
      [node('foo8', { spec: { unschedulable: true }, status: { conditions: [{ type: 'InvalidValue', status: 'True' }] } }), 'Unknown,SchedulingDisabled'],
    ];
    for (const [n, status] of cases) assert.deepEqual(short(n), [n.metadata.name, status, '<none>', '<unknown>', ''], n.metadata.name);
  });

  it('prints ROLES as upstream TestPrintNodeRole', () => {
    assert.equal(short(node('foo9'))[2], '<none>');
    const labels = { 'node-role.kubernetes.io/master': '', 'node-role.kubernetes.io/control-plane': '', 'node-role.kubernetes.io/proxy': '', 'kubernetes.io/role': 'node' };
    assert.equal(short({ metadata: { name: 'foo10', labels }, spec: {} })[2], 'control-plane,master,node,proxy');
    assert.equal(short({ metadata: { name: 'foo11', labels: { 'kubernetes.io/role': 'node' } }, spec: {} })[2], 'node');
  });

  it('prints the wide columns as upstream TestPrintNodeOSImage, ExternalIP and InternalIP', () => {
    const ext = [{ type: 'ExternalIP', address: '1.1.1.1' }];
    assert.deepEqual(nodeTable.cells(node('foo1', { status: { nodeInfo: { osImage: 'fake-os-image' }, addresses: ext } }), now),
      ['foo1', 'Unknown', '<none>', '<unknown>', '', '<none>', '1.1.1.1', 'fake-os-image', '<unknown>', '<unknown>']);
    assert.deepEqual(nodeTable.cells(node('foo1', { status: { nodeInfo: { containerRuntimeVersion: 'foo://1.2.3' }, addresses: ext } }), now),
      ['foo1', 'Unknown', '<none>', '<unknown>', '', '<none>', '1.1.1.1', '<unknown>', '<unknown>', 'foo://1.2.3']);
    const mixed = [{ type: 'ExternalIP', address: '2.2.2.2' }, { type: 'InternalIP', address: '3.3.3.3' }, { type: 'ExternalIP', address: '4.4.4.4' }];
    assert.deepEqual(nodeTable.cells(node('foo3', { status: { addresses: mixed } }), now).slice(5, 7), ['3.3.3.3', '2.2.2.2']);
  });

  it('prints a knit node as kubectl shows it', () => {
    const n: Node = {
      metadata: { name: 'knit-worker', creationTimestamp: ago(10 * 60_000) },
      spec: {},
      status: {
        conditions: [{ type: 'Ready', status: 'True' }],
        addresses: [{ type: 'InternalIP', address: '192.168.1.11' }],
        nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0-18-amd64', containerRuntimeVersion: 'knit://0.1.0' },
      },
    };
    assert.deepEqual(nodeTable.cells(n, now), ['knit-worker', 'Ready', '<none>', '10m', 'v1.32.0', '192.168.1.11', '<none>', 'Debian GNU/Linux 12 (bookworm)', '6.1.0-18-amd64', 'knit://0.1.0']);
  });
});

describe('event printer', () => {
  const base = (extra: Partial<Event>): Event => ({
    metadata: { name: 'event2' },
    involvedObject: { kind: 'Deployment', name: 'Deployment Name', fieldPath: 'spec.containers{foo}' },
    source: { component: 'kubelet', host: 'Node1' },
    reason: 'Event Reason',
    message: 'Message Data',
    type: 'Warning',
    ...extra,
  });

  it('prints as upstream TestPrintEvent (wide)', () => {
    const rest = ['Warning', 'Event Reason', 'deployment/Deployment Name', 'spec.containers{foo}', 'kubelet, Node1', 'Message Data'];
    assert.deepEqual(eventTable.cells(base({ firstTimestamp: ago(3 * DAY), lastTimestamp: ago(2 * DAY), count: 6 }), now), ['2d', ...rest, '3d', 6, 'event2']);
    assert.deepEqual(eventTable.cells(base({ metadata: { name: 'event3' }, eventTime: ago(3 * DAY), lastTimestamp: ago(3 * DAY), count: 1 }), now), ['3d', ...rest, '3d', 1, 'event3']);
    assert.deepEqual(eventTable.cells(base({ metadata: { name: 'event4' }, eventTime: ago(3 * DAY), firstTimestamp: ago(3 * DAY), count: 1 }), now), ['3d', ...rest, '3d', 1, 'event4']);
    assert.deepEqual(eventTable.cells(base({ metadata: { name: 'event5' }, eventTime: ago(3 * DAY), count: 1 }), now), ['3d', ...rest, '3d', 1, 'event5']);
    assert.deepEqual(eventTable.cells(base({ metadata: { name: 'event6' }, eventTime: ago(3 * DAY), series: { count: 2, lastObservedTime: ago(2 * DAY) } }), now), ['2d', ...rest, '3d', 2, 'event6']);
    assert.deepEqual(eventTable.cells(base({ metadata: { name: 'event7' }, eventTime: ago(3 * DAY) }), now), ['3d', ...rest, '3d', 1, 'event7']);
    const reporting = base({ source: {}, reportingComponent: 'kubelet', reportingInstance: 'test', firstTimestamp: ago(3 * DAY), lastTimestamp: ago(2 * DAY), count: 6 });
    assert.equal(eventTable.cells(reporting, now)[5], 'kubelet, test');
  });

  it('prints the non-wide columns of upstream TestPrintEvent in column order', () => {
    const ev = base({ metadata: { name: 'event1' }, involvedObject: { kind: 'Pod', name: 'Pod Name', fieldPath: 'spec.containers{foo}' }, source: { component: 'kubelet' }, type: 'Normal', firstTimestamp: ago(3 * DAY), lastTimestamp: ago(2 * DAY), count: 6 });
    const cells = eventTable.cells(ev, now);
    const shown = eventTable.columns.map((c, i) => (c.priority === 0 ? cells[i] : undefined)).filter((c) => c !== undefined);
    assert.deepEqual(shown, ['2d', 'Normal', 'Event Reason', 'pod/Pod Name', 'Message Data']);
  });
});

describe('namespace, secret, configmap, serviceaccount and lease printers', () => {
  it('prints as upstream TestPrintNamespace, TestPrintSecret and TestPrintServiceAccount', () => {
    assert.deepEqual(namespaceTable.cells({ metadata: { name: 'namespace1', creationTimestamp: justCreated }, status: { phase: 'FooStatus' } }, now), ['namespace1', 'FooStatus', '0s']);
    assert.deepEqual(namespaceTable.cells({ metadata: { name: 'namespace2' } }, now), ['namespace2', '', '<unknown>']);
    const secret = (data?: Record<string, string>): KubeObject => ({ metadata: { name: 'secret1', creationTimestamp: justCreated }, type: 'kubernetes.io/service-account-token', data });
    assert.deepEqual(secretTable.cells(secret({ token: 'c2VjcmV0IGRhdGE=' }), now), ['secret1', 'kubernetes.io/service-account-token', 1, '0s']);
    assert.deepEqual(secretTable.cells(secret(), now), ['secret1', 'kubernetes.io/service-account-token', 0, '0s']);
    assert.deepEqual(serviceAccountTable.cells({ metadata: { name: 'sa1', creationTimestamp: justCreated }, secrets: [] }, now), ['sa1', 0, '0s']);
    assert.deepEqual(serviceAccountTable.cells({ metadata: { name: 'sa1', creationTimestamp: justCreated }, secrets: [{ name: 'Secret1' }, { name: 'Secret2' }] }, now), ['sa1', 2, '0s']);
  });

  it('counts data and binaryData of config maps, prints lease holders', () => {
    assert.deepEqual(configMapTable.cells({ metadata: { name: 'kube-root-ca.crt', creationTimestamp: ago(2 * DAY) }, data: { 'ca.crt': 'x' }, binaryData: { b: 'eA==' } }, now), ['kube-root-ca.crt', 2, '2d']);
    assert.deepEqual(leaseTable.cells({ metadata: { name: 'knit-worker', creationTimestamp: ago(90_000) }, spec: { holderIdentity: 'knit-worker' } }, now), ['knit-worker', 'knit-worker', '90s']);
    assert.deepEqual(leaseTable.cells({ metadata: { name: 'l' }, spec: {} }, now), ['l', '', '<unknown>']);
  });
});
