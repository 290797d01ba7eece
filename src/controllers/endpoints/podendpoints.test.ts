import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Service } from '../../kube/types.js';
import { podEndpoints, resolveTargetPort, TriggerTimes } from './podendpoints.js';

const service = (spec: Partial<Service['spec']> = {}): Service => ({
  apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'ns', name: 'web' },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'web' }], ...spec },
});

const pod = (name: string, o: { ip?: string; ready?: boolean; port?: number; deleting?: boolean; phase?: string } = {}): Pod => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { namespace: 'ns', name, labels: { app: 'web' }, ...(o.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}) },
  spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'x', ports: [{ name: 'web', containerPort: o.port ?? 8080 }] }] },
  status: { phase: o.phase ?? 'Running', podIP: o.ip ?? '10.244.1.2', conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
} as Pod);

describe('pod endpoints of a Service', () => {
  it('resolves a named targetPort on each pod, and skips a Service port the pod does not name', () => {
    const svc = service();
    assert.equal(resolveTargetPort(svc.spec.ports![0], pod('a', { port: 8080 })), 8080);
    assert.equal(resolveTargetPort(svc.spec.ports![0], pod('b', { port: 9090 })), 9090);
    assert.equal(resolveTargetPort({ port: 80, targetPort: 'web', protocol: 'UDP' }, pod('c')), undefined, 'the name must match the protocol too');
    assert.equal(resolveTargetPort({ port: 80 }, pod('d')), 80, 'no targetPort: the port itself');
  });

  it('ready pods are ready and serving; unready ones neither; terminating ones serving but not ready', () => {
    const eps = podEndpoints(service(), [pod('a'), pod('b', { ip: '10.244.1.3', ready: false }), pod('c', { ip: '10.244.1.4', deleting: true })], true);
    assert.deepEqual(eps.map((e) => [e.pod.metadata.name, e.ready, e.serving, e.terminating]), [['a', true, true, false], ['b', false, false, false], ['c', false, true, true]]);
    assert.deepEqual(podEndpoints(service(), [pod('c', { deleting: true })], false), [], 'Endpoints leave terminating pods out');
  });

  it('leaves out pods without an IP and finished pods; publishNotReadyAddresses makes every pod ready', () => {
    assert.deepEqual(podEndpoints(service(), [pod('a', { ip: '' }), pod('b', { phase: 'Succeeded' }), pod('c', { phase: 'Failed' })], true), []);
    const published = podEndpoints(service({ publishNotReadyAddresses: true }), [pod('a', { ready: false })], false);
    assert.deepEqual(published.map((e) => [e.ready, e.serving]), [[true, true]]);
  });

  it('reports the earliest change not yet written as the last-change-trigger-time, in RFC 3339', () => {
    const t = new TriggerTimes();
    t.changed('ns/web', Date.parse('2024-05-01T10:00:02.500Z'));
    t.changed('ns/web', Date.parse('2024-05-01T10:00:01.250Z'));
    assert.equal(t.take('ns/web'), '2024-05-01T10:00:01Z');
    assert.match(t.take('ns/web'), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });
});
