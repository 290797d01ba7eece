import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../kube/types.js';
import { createError, createObject, updateError, updateObject } from '../testing.js';
import { configMapResource } from './configmap.js';
import { endpointsResource } from './endpoints.js';
import { eventResource } from './event.js';
import { namespaceResource } from './namespace.js';
import { nodeResource } from './node.js';
import { secretResource } from './secret.js';

const obj = (kind: string, name: string, rest: Record<string, unknown>, namespace: string | null = 'default'): KubeObject =>
  ({ apiVersion: 'v1', kind, metadata: namespace ? { name, namespace } : { name }, ...rest });
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('Namespace', () => {
  const def = namespaceResource();
  it('starts Active with the kubernetes finalizer and its name label', async () => {
    const ns = await createObject(def, obj('Namespace', 'team-a', {}, null));
    assert.deepEqual(ns.status, { phase: 'Active' });
    assert.deepEqual(ns.spec, { finalizers: ['kubernetes'] });
    assert.equal(ns.metadata.labels!['kubernetes.io/metadata.name'], 'team-a');
  });
  it('names are DNS-1123 labels; the namespace field is forbidden', async () => {
    assert.match((await createError(def, obj('Namespace', 'team.a', {}, null)))!, /^Namespace "team\.a" is invalid: metadata\.name: Invalid value: "team\.a": must not contain dots$/);
    assert.equal(await createError(def, obj('Namespace', 'x', {}, 'default')), 'Namespace "x" is invalid: metadata.namespace: Forbidden: not allowed on this type');
  });
  it('finalizers of the spec are checked', async () => {
    assert.equal(await createError(def, obj('Namespace', 'x', { spec: { finalizers: ['cleanup'] } }, null)),
      'Namespace "x" is invalid: spec.finalizers: Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified');
  });
  it('an update keeps finalizers and status; the status phase follows deletion', async () => {
    const ns = await createObject(def, obj('Namespace', 'x', {}, null));
    const up = await updateObject(def, ns, { ...ns, spec: { finalizers: [] }, status: { phase: 'Terminating' } });
    assert.deepEqual(up.spec, { finalizers: ['kubernetes'] });
    assert.deepEqual(up.status, { phase: 'Active' });
    assert.equal(await updateError(def, ns, { ...ns, status: { phase: 'Terminating' } }, 'status'),
      "Namespace \"x\" is invalid: status.Phase: Invalid value: \"Terminating\": may only be 'Active' if `deletionTimestamp` is empty");
    assert.equal(def.fieldSelectors!['status.phase'](ns), 'Active');
  });
});

describe('Node', () => {
  const def = nodeResource();
  it('keeps the status the node registers with', async () => {
    const n = await createObject(def, obj('Node', 'node-1', { spec: { podCIDR: '10.244.1.0/24' }, status: { capacity: { cpu: '2' } } }, null));
    assert.deepEqual(n.status, { capacity: { cpu: '2' }, allocatable: { cpu: '2' } });
    assert.deepEqual(n.spec.podCIDRs, ['10.244.1.0/24']);
  });
  it('validates taints and pod CIDRs', async () => {
    assert.equal(await createError(def, obj('Node', 'n', { spec: { taints: [{ key: 'k', effect: 'Sometimes' }] } }, null)),
      'Node "n" is invalid: metadata.taints[0].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"');
    assert.equal(await createError(def, obj('Node', 'n', { spec: { podCIDRs: ['10.244.1.0'] } }, null)),
      'Node "n" is invalid: spec.podCIDRs[0]: Invalid value: "10.244.1.0": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)');
  });
  it('a pod CIDR is set once', async () => {
    const n = await createObject(def, obj('Node', 'n', { spec: {} }, null));
    const set = await updateObject(def, n, { ...n, spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] } });
    assert.equal(await updateError(def, set, { ...set, spec: { podCIDR: '10.244.2.0/24', podCIDRs: ['10.244.2.0/24'] } }),
      'Node "n" is invalid: spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid');
  });
  it('field selector spec.unschedulable', async () => {
    const n = await createObject(def, obj('Node', 'n', { spec: { unschedulable: true } }, null));
    assert.equal(def.fieldSelectors!['spec.unschedulable'](n), 'true');
    assert.equal(def.fieldSelectors!['spec.unschedulable']({ metadata: {}, spec: {} }), 'false');
  });
});

describe('Endpoints', () => {
  const def = endpointsResource();
  it('defaults port protocols and accepts a normal object', async () => {
    const ep = await createObject(def, obj('Endpoints', 'web', { subsets: [{ addresses: [{ ip: '10.244.1.5' }], ports: [{ port: 80 }] }] }));
    assert.equal(ep.subsets[0].ports[0].protocol, 'TCP');
  });
  const cases: Array<[string, unknown, string]> = [
    ['addresses required', [{ ports: [{ port: 80 }] }], 'subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`'],
    ['valid IPs', [{ addresses: [{ ip: '10.244.1.500' }] }],
      '[subsets[0].addresses[0].ip: Invalid value: "10.244.1.500": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff), subsets[0].addresses[0].ip: Invalid value: "10.244.1.500": must be a valid IP address]'],
    ['no loopback', [{ addresses: [{ ip: '127.0.0.1' }] }], 'subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)'],
    ['port names with several ports', [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }, { name: 'b', port: 81 }] }], 'subsets[0].ports[0].name: Required value'],
  ];
  for (const [name, subsets, want] of cases) {
    it(name, async () => assert.equal(await createError(def, obj('Endpoints', 'web', { subsets })), `Endpoints "web" is invalid: ${want}`));
  }
});

describe('Secret', () => {
  const def = secretResource();
  it('defaults the type and writes stringData into data', async () => {
    const s = await createObject(def, obj('Secret', 's', { data: { a: b64('old') }, stringData: { a: 'new', b: 'x' } }));
    assert.equal(s.type, 'Opaque');
    assert.deepEqual(s.data, { a: b64('new'), b: b64('x') });
    assert.equal(s.stringData, undefined);
    assert.equal(def.fieldSelectors!.type(s), 'Opaque');
  });
  it('kubernetes.io/tls needs tls.crt and tls.key', async () => {
    assert.equal(await createError(def, obj('Secret', 's', { type: 'kubernetes.io/tls', data: { 'tls.crt': b64('c') } })),
      'Secret "s" is invalid: data[tls.key]: Required value');
    assert.equal(await createError(def, obj('Secret', 's', { type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'c', 'tls.key': 'k' } })), undefined);
  });
  it('keys are config keys; 1 MiB at most', async () => {
    assert.equal(await createError(def, obj('Secret', 's', { data: { 'a b': b64('x') } })),
      "Secret \"s\" is invalid: data[a b]: Invalid value: \"a b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')");
    assert.equal(await createError(def, obj('Secret', 's', { stringData: { big: 'x'.repeat(1024 * 1024 + 1) } })), 'Secret "s" is invalid: data: Too long: may not be more than 1048576 bytes');
  });
  it('type and immutable data may not change', async () => {
    const s = await createObject(def, obj('Secret', 's', { data: { a: b64('1') }, immutable: true }));
    assert.equal(await updateError(def, s, { ...s, type: 'kubernetes.io/basic-auth', data: { username: b64('u') }, immutable: true }),
      'Secret "s" is invalid: [type: Invalid value: "kubernetes.io/basic-auth": field is immutable, data: Forbidden: field is immutable when `immutable` is set]');
  });
});

describe('ConfigMap', () => {
  const def = configMapResource();
  it('checks keys and duplicates across data and binaryData', async () => {
    assert.equal(await createError(def, obj('ConfigMap', 'c', { data: { k: 'v' }, binaryData: { k: b64('v') } })),
      'ConfigMap "c" is invalid: data[k]: Invalid value: "k": duplicate of key present in binaryData');
  });
  it('immutable ConfigMaps keep their data', async () => {
    const c = await createObject(def, obj('ConfigMap', 'c', { data: { k: 'v' }, immutable: true }));
    assert.equal(await updateError(def, c, { ...c, data: { k: 'w' } }), 'ConfigMap "c" is invalid: data: Forbidden: field is immutable when `immutable` is set');
  });
});

describe('Event', () => {
  const def = eventResource();
  const ev = { involvedObject: { kind: 'Pod', namespace: 'default', name: 'web-1', uid: 'u', apiVersion: 'v1', fieldPath: 'spec.containers{web}' },
    reason: 'Pulled', source: { component: 'kubelet' }, type: 'Normal', reportingComponent: 'kubelet' };
  it('the involved object lives in the event namespace', async () => {
    assert.equal(await createError(def, obj('Event', 'web-1.1', ev, 'other')),
      'Event "web-1.1" is invalid: involvedObject.namespace: Invalid value: "default": does not match event.namespace');
  });
  it('exposes upstream field selectors', async () => {
    const e = await createObject(def, obj('Event', 'web-1.1', ev));
    const f = def.fieldSelectors!;
    assert.deepEqual(
      ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type'].map((k) => f[k](e)),
      ['Pod', 'default', 'web-1', 'u', 'v1', 'spec.containers{web}', 'Pulled', 'kubelet', 'kubelet', 'Normal']);
  });
});
