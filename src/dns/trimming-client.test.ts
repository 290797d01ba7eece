// What the DNS informers keep of each object is enough for every answer: a model fed trimmed
// objects holds exactly what a model fed whole objects (as the API server sends them) holds.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice, Pod, Service } from '../kube/types.js';
import { ClusterModel } from './cluster-model.js';
import { trimForDns } from './trimming-client.js';

const metadata = (name: string, extra: Record<string, unknown> = {}) => ({
  name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '42', creationTimestamp: '2026-01-01T00:00:00Z',
  annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"a":"long value"}' }, ...extra,
});

const services: Service[] = [
  { metadata: metadata('web'), spec: { type: 'ClusterIP', clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], selector: { app: 'web' }, sessionAffinity: 'None', ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }] } },
  { metadata: metadata('db'), spec: { clusterIP: 'None', clusterIPs: ['None'], ports: [{ name: 'pg', protocol: 'TCP', port: 5432 }] } },
  { metadata: metadata('ext'), spec: { type: 'ExternalName', externalName: 'db.example.com' } },
];

const slice: EndpointSlice = {
  metadata: metadata('db-x7k2p', { generateName: 'db-', labels: { 'kubernetes.io/service-name': 'db', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } }),
  addressType: 'IPv4',
  ports: [{ name: 'pg', protocol: 'TCP', port: 5432 }],
  endpoints: [
    { addresses: ['10.244.1.5'], conditions: { ready: true, serving: true, terminating: false }, hostname: 'db-0', nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'default', name: 'db-0', uid: 'u0' } },
    { addresses: ['10.244.2.6'], conditions: { ready: false, serving: false, terminating: false }, nodeName: 'node-2', targetRef: { kind: 'Pod', namespace: 'default', name: 'db-1', uid: 'u1' } },
    { addresses: ['10.244.3.7'], nodeName: 'node-3', targetRef: { kind: 'Pod', namespace: 'default', name: 'db-2', uid: 'u2' } },
  ],
};

const pods: Pod[] = [
  { metadata: metadata('db-0', { labels: { app: 'db' } }), spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox' }] }, status: { phase: 'Running', podIP: '10.244.1.5', podIPs: [{ ip: '10.244.1.5' }] } },
  { metadata: metadata('db-1', { deletionTimestamp: '2026-01-01T00:01:00Z' }), spec: { containers: [{ name: 'c', image: 'busybox' }] }, status: { podIP: '10.244.2.6' } },
];

function fill(model: ClusterModel, trim: boolean): ClusterModel {
  const t = <T extends { metadata: object }>(kind: string, o: T): T => (trim ? trimForDns(kind, o as any) : o);
  model.upsertNamespace(t('Namespace', { metadata: metadata('default') }));
  for (const s of services) model.upsertService(t('Service', s));
  model.upsertEndpointSlice(t('EndpointSlice', slice));
  for (const p of pods) model.upsertPod(t('Pod', p));
  return model;
}

describe('trimForDns', () => {
  it('keeps everything the cluster model reads', () => {
    const whole = fill(new ClusterModel(), false);
    const trimmed = fill(new ClusterModel(), true);
    for (const name of ['web', 'db', 'ext']) assert.deepEqual(trimmed.service(name, 'default'), whole.service(name, 'default'), name);
    assert.deepEqual(trimmed.slicesOf('db', 'default'), whole.slicesOf('db', 'default'));
    assert.deepEqual(trimmed.slicesOf('db', 'default')[0].ips, ['10.244.1.5', '10.244.3.7']);
    assert.equal(trimmed.hasNamespace('default'), true);
    for (const ip of ['10.244.1.5', '10.244.2.6']) assert.equal(trimmed.hasPod(ip, 'default'), whole.hasPod(ip, 'default'), ip);
  });

  it('keeps what informers key and diff on, and drops the rest', () => {
    const t = trimForDns('Pod', pods[0]);
    assert.deepEqual(t.metadata, { name: 'db-0', namespace: 'default', resourceVersion: '42', deletionTimestamp: undefined });
    assert.ok(JSON.stringify(t).length < JSON.stringify(pods[0]).length / 2);
    const node = trimForDns('Node', { metadata: metadata('node-1'), spec: { podCIDR: '10.244.1.0/24' }, status: { addresses: [{ type: 'InternalIP', address: '192.168.1.10' }], capacity: { cpu: '2' } } });
    assert.deepEqual(node.status, { addresses: [{ type: 'InternalIP', address: '192.168.1.10' }] });
    const cm = { metadata: metadata('coredns'), data: { Corefile: '.:53 {}' } };
    assert.equal(trimForDns('ConfigMap', cm), cm, 'other kinds are kept whole');
  });
});
