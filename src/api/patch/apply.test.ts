import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../../kube/errors.js';
import type { KubeObject } from '../../kube/types.js';
import { type ApplyOptions, serverSideApply } from './apply.js';
import { updateManagedFields } from './managedfields.js';

const gvk = { group: 'apps', version: 'v1', kind: 'Deployment' };
const T1 = '2024-05-01T10:00:00Z';
const T2 = '2024-05-01T11:00:00Z';

function config(replicas: number, image: string, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image, ports: [{ containerPort: 80 }] }] } },
      ...extra,
    },
  };
}

const apply = (live: KubeObject | undefined, body: unknown, opts: Partial<ApplyOptions> = {}) =>
  serverSideApply(live, Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
    { gvk, manager: 'kubectl', time: T1, fieldValidation: 'Strict', ...opts });

function refused(live: KubeObject | undefined, body: unknown, opts: Partial<ApplyOptions> = {}): ApiError {
  try {
    apply(live, body, opts);
  } catch (e) {
    assert.ok(e instanceof ApiError, String(e));
    return e;
  }
  assert.fail('the apply succeeded');
}

/** As the registry stores it: with a uid. */
const stored = (obj: KubeObject): KubeObject => ({ ...obj, metadata: { ...obj.metadata, uid: 'u1' } });

describe('serverSideApply', () => {
  it('creates the object when absent, owning exactly the applied fields in FieldsV1', () => {
    const { object, created, warnings } = apply(undefined, config(2, 'nginx:1.24'));
    assert.equal(created, true);
    assert.deepEqual(warnings, []);
    const { managedFields, ...metadata } = object.metadata;
    assert.deepEqual({ ...object, metadata }, config(2, 'nginx:1.24'));
    assert.deepEqual(managedFields, [{
      manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1', time: T1, fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:labels': { 'f:app': {} } },
        'f:spec': {
          'f:replicas': {},
          'f:selector': {},
          'f:template': {
            'f:metadata': { 'f:labels': { 'f:app': {} } },
            'f:spec': {
              'f:containers': {
                'k:{"name":"nginx"}': {
                  '.': {}, 'f:image': {}, 'f:name': {},
                  'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
                },
              },
            },
          },
        },
      },
    }]);
  });

  it('merges a new configuration into the live object, keeping fields others set', () => {
    const live = stored(apply(undefined, config(2, 'nginx:1.24')).object);
    live.spec.template.spec.containers[0].imagePullPolicy = 'IfNotPresent';
    live.spec.revisionHistoryLimit = 10;
    const { object, created } = apply(live, config(2, 'nginx:1.25'), { time: T2 });
    assert.equal(created, false);
    assert.deepEqual(object.spec.template.spec.containers, [{ name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80 }], imagePullPolicy: 'IfNotPresent' }]);
    assert.equal(object.spec.revisionHistoryLimit, 10);
    assert.equal(object.metadata.managedFields![0].time, T2);
  });

  it('removes fields its manager applied before and no longer applies', () => {
    const live = stored(apply(undefined, { ...config(2, 'nginx:1.24'), metadata: { name: 'web', labels: { app: 'web', tier: 'fe' } } }).object);
    const { object } = apply(live, config(2, 'nginx:1.24'));
    assert.deepEqual(object.metadata.labels, { app: 'web' });
    const withoutContainerPorts = config(2, 'nginx:1.24');
    delete (withoutContainerPorts.spec.template.spec.containers[0] as { ports?: unknown }).ports;
    assert.equal(apply(stored(object), withoutContainerPorts).object.spec.template.spec.containers[0].ports, undefined);
  });

  it('reports a conflict with another manager\'s field as upstream does, and takes it over with force', () => {
    const created = stored(apply(undefined, config(2, 'nginx:1.24')).object);
    // kubectl scale (an Update by another manager) changes replicas.
    const scaled = updateManagedFields(created, { ...created, spec: { ...created.spec, replicas: 5 } }, { manager: 'kubectl-scale', time: T2 });
    assert.deepEqual(scaled.metadata.managedFields!.map((m) => [m.manager, m.operation]), [['kubectl', 'Apply'], ['kubectl-scale', 'Update']]);

    const e = refused(scaled, config(3, 'nginx:1.24'));
    assert.equal(e.code, 409);
    assert.equal(e.reason, 'Conflict');
    assert.equal(e.message, 'Apply failed with 1 conflict: conflict with "kubectl-scale" using apps/v1: .spec.replicas');
    assert.deepEqual(e.status.details?.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-scale" using apps/v1', field: '.spec.replicas' }]);

    const forced = apply(scaled, config(3, 'nginx:1.24'), { force: true }).object;
    assert.equal(forced.spec.replicas, 3);
    assert.deepEqual(forced.metadata.managedFields!.map((m) => m.manager), ['kubectl'], 'the scaler lost its only field');
  });

  it('shares a field applied with the same value, without conflict', () => {
    const created = stored(apply(undefined, config(2, 'nginx:1.24')).object);
    const { object } = apply(created, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 2 } }, { manager: 'helm' });
    assert.deepEqual(object.metadata.managedFields!.map((m) => m.manager), ['helm', 'kubectl']);
    const e = refused(stored(object), config(4, 'nginx:1.24'));
    assert.equal(e.message, 'Apply failed with 1 conflict: conflict with "helm": .spec.replicas');
  });

  it('lists several conflicts by manager', () => {
    const created = stored(apply(undefined, config(2, 'nginx:1.24')).object);
    const e = refused(created, config(3, 'nginx:1.25'), { manager: 'other' });
    assert.equal(e.message, 'Apply failed with 2 conflicts: conflicts with "kubectl":\n- .spec.replicas\n- .spec.template.spec.containers[name="nginx"].image');
  });

  it('gives the fields of an object nobody tracked to "before-first-apply"', () => {
    const untracked = stored({ ...config(2, 'nginx:1.24') });
    const e = refused(untracked, config(3, 'nginx:1.24'));
    assert.equal(e.message, 'Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas');
  });

  it('merges keyed lists in structured-merge-diff\'s order', () => {
    const live = stored(apply(undefined, config(1, 'a')).object);
    live.spec.template.spec.containers.push({ name: 'b', image: 'b' });
    const cfg = config(1, 'a');
    cfg.spec.template.spec.containers = [{ name: 'b', image: 'b2', ports: [] }, { name: 'c', image: 'c', ports: [] }];
    const { object } = apply(live, cfg, { manager: 'other', force: true });
    assert.deepEqual(object.spec.template.spec.containers.map((c: { name: string }) => c.name), ['nginx', 'b', 'c']);
  });

  it('refuses bodies upstream refuses', () => {
    assert.equal(refused(undefined, { ...config(1, 'a'), apiVersion: 'apps/v1beta1' }).message, 'invalid object type: apps/v1beta1, Kind=Deployment');
    assert.equal(refused(undefined, { ...config(1, 'a'), kind: 'ReplicaSet' }).message, 'invalid object type: apps/v1, Kind=ReplicaSet');
    assert.equal(refused(undefined, { ...config(1, 'a'), metadata: { name: 'web', managedFields: [] } }).message, 'metadata.managedFields must be nil');
    const typed = refused(undefined, config(1, 'a', { foo: 1, replicas: 'two' }));
    assert.equal(typed.code, 500);
    assert.equal(typed.message, 'failed to create typed patch object (default/web; apps/v1, Kind=Deployment): errors:\n'
      + '  .spec.replicas: expected numeric (int or float), got string\n  .spec.foo: field not declared in schema');
    assert.equal(refused(undefined, '- a\n').message,
      'error decoding YAML: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}');
  });

  it('refuses duplicate keys under Strict after applying, warns under Warn', () => {
    const yaml = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  replicas: 2\n';
    assert.equal(refused(undefined, yaml).message,
      'error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n  line 7: key "replicas" already set in map');
    const { object, warnings } = apply(undefined, yaml, { fieldValidation: 'Warn' });
    assert.deepEqual(warnings, ['line 7: key "replicas" already set in map']);
    assert.equal(object.spec.replicas, 2);
  });

  it('keeps kubectl\'s client-side apply annotation in step', () => {
    const live = stored(apply(undefined, config(1, 'a')).object);
    live.metadata.annotations = { 'kubectl.kubernetes.io/last-applied-configuration': '{}' };
    const cfg = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 1 } };
    const { object } = apply(live, cfg);
    assert.equal(object.metadata.annotations!['kubectl.kubernetes.io/last-applied-configuration'],
      '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":1}}\n');
  });
});

describe('updateManagedFields', () => {
  const svc = (): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', labels: { app: 's' } }, spec: { ports: [{ port: 80, protocol: 'TCP' }], selector: { app: 's' } } });
  /** Created by `manager` and stored. */
  const created = (manager: string) => stored(updateManagedFields(undefined, svc(), { manager, time: T1 }));

  it('gives the creator every field it set, in upstream\'s FieldsV1 form', () => {
    const out = updateManagedFields(undefined, svc(), { manager: 'kubectl-create', time: T1 });
    assert.deepEqual(out.metadata.managedFields, [{
      manager: 'kubectl-create', operation: 'Update', apiVersion: 'v1', time: T1, fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
        'f:spec': { 'f:ports': { '.': {}, 'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:port': {}, 'f:protocol': {} } }, 'f:selector': {} },
      },
    }]);
  });

  it('moves a changed field to the updating manager', () => {
    const live = created('a');
    const next = structuredClone(live);
    next.spec.selector = { app: 't' };
    const out = updateManagedFields(live, next, { manager: 'b', time: T2 });
    assert.deepEqual(out.metadata.managedFields!.map((m) => [m.manager, Object.keys((m.fieldsV1 as Record<string, Record<string, unknown>>)['f:spec'] ?? {})]),
      [['a', ['f:ports']], ['b', ['f:selector']]]);
  });

  it('leaves an existing untracked object untracked, and [{}] clears the entries', () => {
    const existing = stored(svc());
    assert.equal(updateManagedFields(existing, existing, { manager: 'x', time: T1 }).metadata.managedFields, undefined);
    const tracked = created('a');
    const reset = updateManagedFields(tracked, { ...tracked, metadata: { ...tracked.metadata, managedFields: [{}] } }, { manager: 'a', time: T2 });
    assert.equal(reset.metadata.managedFields, undefined);
  });

  it('records a status update under its subresource and ignores what the endpoint does not manage', () => {
    const live = created('a');
    const next: KubeObject = { ...structuredClone(live), status: { loadBalancer: { ingress: [{ ip: '172.18.255.200' }] } } };
    next.spec.selector = { changed: 'ignored' };
    const out = updateManagedFields(live, next, { manager: 'servicelb', time: T2, subresource: 'status', ignoredFields: ['spec'] });
    const entry = out.metadata.managedFields!.find((m) => m.manager === 'servicelb')!;
    assert.equal(entry.subresource, 'status');
    assert.deepEqual(entry.fieldsV1, { 'f:status': { 'f:loadBalancer': { 'f:ingress': {} } } });
  });
});
