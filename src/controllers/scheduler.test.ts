import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from '../kube/types.js';
import { toleratesTaint } from './common.js';
import { feasibleNodes } from './scheduler.js';

const node = (name: string, o: { ready?: boolean; labels?: Record<string, string>; taints?: Node['spec']['taints']; unschedulable?: boolean } = {}): Node => ({
  metadata: { name, labels: o.labels ?? {} },
  spec: { taints: o.taints, unschedulable: o.unschedulable },
  status: { conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
});
const pod = (spec: Partial<Pod['spec']> = {}): Pod => ({ metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c' }], ...spec } });
const names = (ns: Node[]) => ns.map((n) => n.metadata.name);

test('tolerations match taints as upstream: Exists any value (empty key: all), Equal the value, empty effect all effects', () => {
  const taint = { key: 'k', value: 'v', effect: 'NoSchedule' };
  assert.ok(toleratesTaint([{ key: 'k', operator: 'Exists' }], taint));
  assert.ok(toleratesTaint([{ operator: 'Exists' }], taint));
  assert.ok(toleratesTaint([{ key: 'k', value: 'v' }], taint));
  assert.ok(!toleratesTaint([{ key: 'k', value: 'w' }], taint));
  assert.ok(!toleratesTaint([{ key: 'k', operator: 'Exists', effect: 'NoExecute' }], taint));
  assert.ok(!toleratesTaint([], taint));
});

test('pods go only to ready, schedulable nodes that match their selector, affinity and taints', () => {
  const nodes = [
    node('a', { labels: { disk: 'ssd' } }),
    node('b', { ready: false }),
    node('c', { taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] }),
    node('d', { unschedulable: true }),
    node('e', { taints: [{ key: 'soft', effect: 'PreferNoSchedule' }] }),
  ];
  assert.deepEqual(names(feasibleNodes(pod(), nodes)), ['a', 'e']);
  assert.deepEqual(names(feasibleNodes(pod({ nodeSelector: { disk: 'ssd' } }), nodes)), ['a']);
  assert.deepEqual(names(feasibleNodes(pod({ tolerations: [{ key: 'dedicated', operator: 'Exists' }] }), nodes)), ['a', 'c', 'e']);
  // A DaemonSet pod: pinned by node affinity, tolerating a node that is not ready.
  const daemon = pod({
    tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }],
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['b'] }] }] } } },
  });
  assert.deepEqual(names(feasibleNodes(daemon, nodes)), ['b']);
});
