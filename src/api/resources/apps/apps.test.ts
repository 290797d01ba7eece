import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../kube/types.js';
import { createError, createObject, updateError, updateObject } from '../testing.js';
import { controllerRevisionResource } from './controllerrevision.js';
import { daemonSetResource } from './daemonset.js';
import { deploymentResource, replicaSetResource } from './deployment.js';
import { statefulSetResource } from './statefulset.js';

const template = (labels: Record<string, string> = { app: 'web' }, spec: Record<string, unknown> = {}) =>
  ({ metadata: { labels }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }], ...spec } });
const workload = (kind: string, spec: Record<string, unknown>, name = 'web'): KubeObject =>
  ({ apiVersion: 'apps/v1', kind, metadata: { name, namespace: 'default' }, spec });
const selector = { matchLabels: { app: 'web' } };

describe('Deployment', () => {
  const def = deploymentResource();
  it('gets upstream defaults', async () => {
    const d = await createObject(def, workload('Deployment', { selector, template: template() }));
    assert.equal(d.spec.replicas, 1);
    assert.deepEqual(d.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
    assert.equal(d.spec.revisionHistoryLimit, 10);
    assert.equal(d.spec.progressDeadlineSeconds, 600);
    assert.equal(d.spec.template.spec.restartPolicy, 'Always');
    assert.equal(d.spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');
    assert.equal(d.spec.template.spec.serviceAccountName, undefined, 'admission defaults are for Pods only');
    assert.deepEqual(d.status, {});
  });
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['selector required', { template: template() }, 'spec.selector: Required value'],
    ['selector not empty', { selector: {}, template: template() }, 'spec.selector: Invalid value: {}: empty selector is invalid for deployment'],
    ['selector matches template', { selector: { matchLabels: { app: 'api' } }, template: template() },
      'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`'],
    ['pods restart Always', { selector, template: template(undefined, { restartPolicy: 'Never' }) },
      'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'],
    ['the template is a valid pod', { selector, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web' }] } } },
      'spec.template.spec.containers[0].image: Required value'],
    ['replicas not negative', { selector, template: template(), replicas: -1 }, 'spec.replicas: Invalid value: -1: must be greater than or equal to 0'],
    ['surge and unavailable not both 0', { selector, template: template(), strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } } },
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0'],
    ['percentages', { selector, template: template(), strategy: { rollingUpdate: { maxSurge: '10', maxUnavailable: '110%' } } },
      "[spec.strategy.rollingUpdate.maxSurge: Invalid value: \"10\": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%'), spec.strategy.rollingUpdate.maxUnavailable: Invalid value: \"110%\": must not be greater than 100%]"],
    ['Recreate takes no rollingUpdate', { selector, template: template(), strategy: { type: 'Recreate', rollingUpdate: {} } },
      "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"],
    ['progress deadline above minReadySeconds', { selector, template: template(), minReadySeconds: 700 },
      'spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds'],
  ];
  for (const [name, spec, want] of cases) {
    it(name, async () => assert.equal(await createError(def, workload('Deployment', spec)), `Deployment.apps "web" is invalid: ${want}`));
  }
  it('the selector is immutable', async () => {
    const d = await createObject(def, workload('Deployment', { selector, template: template() }));
    assert.equal(await updateError(def, d, { ...d, spec: { ...d.spec, selector: { matchLabels: { app: 'web', tier: 'fe' } }, template: template({ app: 'web', tier: 'fe' }) } }),
      'Deployment.apps "web" is invalid: spec.selector: Invalid value: {"matchLabels":{"app":"web","tier":"fe"}}: field is immutable');
  });
  it('status and spec are written separately', async () => {
    const d = await createObject(def, workload('Deployment', { selector, template: template() }));
    const scaled = await updateObject(def, d, { ...d, spec: { ...d.spec, replicas: 3 }, status: { replicas: 9 } });
    assert.equal(scaled.spec.replicas, 3);
    assert.deepEqual(scaled.status, {});
    const st = await updateObject(def, scaled, { ...scaled, spec: { ...scaled.spec, replicas: 5 }, status: { replicas: 3, readyReplicas: 3, availableReplicas: 3 } }, { subresource: 'status' });
    assert.equal(st.spec.replicas, 3);
    assert.equal(st.status!.readyReplicas, 3);
    assert.equal(await updateError(def, scaled, { ...scaled, status: { replicas: 1, readyReplicas: 2 } }, 'status'),
      'Deployment.apps "web" is invalid: status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas');
  });
});

describe('ReplicaSet', () => {
  const def = replicaSetResource();
  it('defaults replicas and exposes status.replicas', async () => {
    const rs = await createObject(def, workload('ReplicaSet', { selector, template: template() }));
    assert.equal(rs.spec.replicas, 1);
    assert.deepEqual(rs.status, { replicas: 0 });
    assert.equal(def.fieldSelectors!['status.replicas'](rs), '0');
  });
  it('names activeDeadlineSeconds as upstream', async () => {
    assert.equal(await createError(def, workload('ReplicaSet', { selector, template: template(undefined, { activeDeadlineSeconds: 5 }) })),
      'ReplicaSet.apps "web" is invalid: spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported');
  });
});

describe('StatefulSet', () => {
  const def = statefulSetResource();
  it('gets upstream defaults', async () => {
    const s = await createObject(def, workload('StatefulSet', { selector, template: template(), serviceName: 'web' }));
    assert.equal(s.spec.podManagementPolicy, 'OrderedReady');
    assert.deepEqual(s.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    assert.deepEqual(s.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
    assert.equal(s.spec.replicas, 1);
    assert.equal(s.spec.revisionHistoryLimit, 10);
  });
  it('validates as upstream', async () => {
    assert.equal(await createError(def, workload('StatefulSet', { selector, template: template(), podManagementPolicy: 'Random' })),
      "StatefulSet.apps \"web\" is invalid: spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'");
    assert.equal(await createError(def, workload('StatefulSet', { selector: {}, template: template() })),
      'StatefulSet.apps "web" is invalid: spec.selector: Invalid value: {}: empty selector is invalid for statefulset');
  });
  it('only some spec fields may change', async () => {
    const s = await createObject(def, workload('StatefulSet', { selector, template: template(), serviceName: 'web' }));
    assert.equal(await updateError(def, s, { ...s, spec: { ...s.spec, serviceName: 'other' } }),
      "StatefulSet.apps \"web\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden");
    assert.equal((await updateObject(def, s, { ...s, spec: { ...s.spec, replicas: 3 } })).spec.replicas, 3);
  });
});

describe('DaemonSet', () => {
  const def = daemonSetResource();
  it('gets upstream defaults', async () => {
    const d = await createObject(def, workload('DaemonSet', { selector, template: template() }));
    assert.deepEqual(d.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    assert.equal(d.spec.revisionHistoryLimit, 10);
    assert.deepEqual(d.status, { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 });
  });
  it('surge and unavailable exclude each other', async () => {
    assert.equal(await createError(def, workload('DaemonSet', { selector, template: template(), updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } } })),
      'DaemonSet.apps "web" is invalid: spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero');
  });
  it('has no scale subresource', () => assert.deepEqual(def.subresources, ['status']));
});

describe('ControllerRevision', () => {
  const def = controllerRevisionResource();
  it('data is mandatory and immutable', async () => {
    const base = { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'web-1', namespace: 'default' } };
    assert.equal(await createError(def, { ...base, revision: 1 }), 'ControllerRevision.apps "web-1" is invalid: data: Required value: data is mandatory');
    const r = await createObject(def, { ...base, revision: 1, data: { spec: {} } });
    assert.equal(await updateError(def, r, { ...r, data: { spec: { x: 1 } } }), 'ControllerRevision.apps "web-1" is invalid: data: Invalid value: {"spec":{"x":1}}: field is immutable');
  });
});
