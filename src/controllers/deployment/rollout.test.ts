// Scaling a Deployment (kubectl scale) in upstream's arithmetic: the cases of upstream's TestScale.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from '../../kube/types.js';
import { isScalingEvent, scaleEventSizes } from './rollout.js';

/** maxSurge 0, maxUnavailable 1, as upstream's test deployments: max-replicas = replicas. */
const deployment = (replicas: number): Deployment => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'foo', namespace: 'default' },
  spec: { replicas, selector: { matchLabels: { app: 'foo' } }, template: {}, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } } },
} as unknown as Deployment);

/** A ReplicaSet last sized for a deployment of `before` replicas. */
const rs = (name: string, replicas: number, created: string, before: number, available = 0): ReplicaSet => ({
  apiVersion: 'apps/v1', kind: 'ReplicaSet',
  metadata: { name, creationTimestamp: created, annotations: { 'deployment.kubernetes.io/desired-replicas': String(before), 'deployment.kubernetes.io/max-replicas': String(before) } },
  spec: { replicas, selector: { matchLabels: { app: 'foo' } }, template: {} },
  status: { replicas, availableReplicas: available },
} as unknown as ReplicaSet);

const OLD = '2016-05-20T00:00:00Z';
const NEW = '2016-05-21T00:00:00Z';
const sizes = (d: Deployment, newRS: ReplicaSet | undefined, old: ReplicaSet[]) =>
  Object.fromEntries(scaleEventSizes(d, newRS, old).map((s) => [s.rs.metadata.name, s.to]));

test('a changed replica count is a scaling event; a rollout alone is not', () => {
  assert.equal(isScalingEvent(deployment(12), [rs('foo-v1', 10, NEW, 10)]), true);
  assert.equal(isScalingEvent(deployment(10), [rs('foo-v1', 10, NEW, 10)]), false);
  assert.equal(isScalingEvent(deployment(10), [rs('foo-v1', 0, OLD, 5), rs('foo-v2', 10, NEW, 10)]), false, 'idle sets do not count');
});

test('a lone ReplicaSet takes the whole count (10 -> 12, 10 -> 5)', () => {
  assert.deepEqual(sizes(deployment(12), rs('foo-v1', 10, NEW, 10), []), { 'foo-v1': 12 });
  assert.deepEqual(sizes(deployment(5), rs('foo-v1', 10, NEW, 10), []), { 'foo-v1': 5 });
  assert.deepEqual(sizes(deployment(4), rs('foo-v2', 0, NEW, 2), [rs('foo-v1', 2, OLD, 2)]), { 'foo-v1': 4 });
});

test('during a rollout the sets scale in proportion (5 -> 10, 5 -> 3, 9 -> 4)', () => {
  assert.deepEqual(sizes(deployment(10), rs('foo-v2', 2, NEW, 5), [rs('foo-v1', 3, OLD, 5)]), { 'foo-v2': 4, 'foo-v1': 6 });
  assert.deepEqual(sizes(deployment(3), rs('foo-v2', 2, NEW, 5), [rs('foo-v1', 3, OLD, 5)]), { 'foo-v2': 1, 'foo-v1': 2 });
  assert.deepEqual(sizes(deployment(4), rs('foo-v2', 8, NEW, 9), [rs('foo-v1', 1, OLD, 9)]), { 'foo-v2': 4, 'foo-v1': 0 });
});

test('a saturated new ReplicaSet leaves the old ones at zero', () => {
  assert.deepEqual(sizes(deployment(3), { ...rs('foo-v2', 3, NEW, 3, 3) }, [rs('foo-v1', 1, OLD, 5)]), { 'foo-v1': 0 });
});
