// Expected cells are upstream's (printers_test.go: TestPrintService, TestPrintServiceLoadBalancer,
// TestPrintEndpointSlice, TestPrintIngress, TestPrintIngressClass), with load-balancer addresses
// unclipped because the API server prints wide.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Endpoints, EndpointSlice, Ingress, KubeObject, NetworkPolicy, Service } from '../../kube/types.js';
import { endpointSliceTable, endpointsTable, ingressClassTable, ingressTable, networkPolicyTable, serviceTable } from './network.js';

const now = new Date('2025-06-01T12:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();
const svc = (name: string, spec: Service['spec'], status?: Service['status']): Service => ({ metadata: { name }, spec, status });

describe('service printer', () => {
  it('prints TYPE, CLUSTER-IP, EXTERNAL-IP and PORT(S) as upstream TestPrintService', () => {
    const cases: [Service, string[]][] = [
      [svc('test1', { type: 'ClusterIP', ports: [{ protocol: 'tcp' as 'TCP', port: 2233 }], clusterIPs: ['10.9.8.7'] }), ['test1', 'ClusterIP', '10.9.8.7', '<none>', '2233/tcp']],
      [svc('test2', { type: 'NodePort', ports: [{ protocol: 'tcp' as 'TCP', port: 8888, nodePort: 9999 }], clusterIPs: ['10.9.8.7'] }), ['test2', 'NodePort', '10.9.8.7', '<none>', '8888:9999/tcp']],
      [svc('test3', { type: 'LoadBalancer', ports: [{ protocol: 'tcp' as 'TCP', port: 8888 }], clusterIPs: ['10.9.8.7'] }), ['test3', 'LoadBalancer', '10.9.8.7', '<pending>', '8888/tcp']],
      [svc('test4', { type: 'LoadBalancer', ports: [{ protocol: 'tcp' as 'TCP', port: 8888 }], clusterIPs: ['10.9.8.7'], externalIPs: ['80.11.12.10'] }), ['test4', 'LoadBalancer', '10.9.8.7', '80.11.12.10', '8888/tcp']],
      [svc('test5', { type: 'LoadBalancer', ports: [{ protocol: 'tcp' as 'TCP', port: 8888 }], clusterIPs: ['10.9.8.7'], externalIPs: ['80.11.12.10'] }, { loadBalancer: { ingress: [{ ip: '3.4.5.6', hostname: 'test.cluster.com' }] } }),
        ['test5', 'LoadBalancer', '10.9.8.7', '3.4.5.6,80.11.12.10', '8888/tcp']],
      [svc('test6', { type: 'LoadBalancer', ports: [{ protocol: 'tcp' as 'TCP', port: 8888 }], clusterIPs: ['10.9.8.7'], externalIPs: ['80.11.12.10', '80.11.12.11'] }, { loadBalancer: { ingress: [{ ip: '2.3.4.5', hostname: 'test.cluster.local' }, { ip: '3.4.5.6', hostname: 'test.cluster.com' }] } }),
        ['test6', 'LoadBalancer', '10.9.8.7', '2.3.4.5,3.4.5.6,80.11.12.10,80.11.12.11', '8888/tcp']],
      [svc('test7', { type: 'ExternalName', externalName: 'my.database.example.com' }), ['test7', 'ExternalName', '<none>', 'my.database.example.com', '<none>']],
    ];
    for (const [s, want] of cases) assert.deepEqual(serviceTable.cells(s, now).slice(0, 5), want, s.metadata.name);
  });

  it('prints load-balancer services as upstream TestPrintServiceLoadBalancer (wide)', () => {
    const ports = [{ port: 80, protocol: 'TCP' as const }, { port: 8090, protocol: 'UDP' as const }, { port: 8000, protocol: 'TCP' as const }];
    assert.deepEqual(serviceTable.cells(svc('service1', { clusterIPs: ['1.2.3.4'], type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }] }, { loadBalancer: { ingress: [{ ip: '2.3.4.5' }, { ip: '3.4.5.6' }] } }), now),
      ['service1', 'LoadBalancer', '1.2.3.4', '2.3.4.5,3.4.5.6', '80/TCP', '<unknown>', '<none>']);
    assert.deepEqual(serviceTable.cells(svc('service2', { clusterIPs: ['1.3.4.5'], type: 'LoadBalancer', ports: [...ports, { port: 7777, protocol: 'SCTP' }] }), now).slice(0, 5),
      ['service2', 'LoadBalancer', '1.3.4.5', '<pending>', '80/TCP,8090/UDP,8000/TCP,7777/SCTP']);
    assert.deepEqual(serviceTable.cells(svc('service4', { clusterIPs: ['1.5.6.7'], type: 'LoadBalancer', ports, selector: { foo: 'bar' } }, { loadBalancer: { ingress: [{ ip: '2.3.4.5' }, { ip: '3.4.5.6' }, { ip: '5.6.7.8', hostname: 'host5678' }] } }), now),
      ['service4', 'LoadBalancer', '1.5.6.7', '2.3.4.5,3.4.5.6,5.6.7.8', '80/TCP,8090/UDP,8000/TCP', '<unknown>', 'foo=bar']);
  });

  it('prints a headless service and its age', () => {
    const s = svc('db', { type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], ports: [{ port: 5432, protocol: 'TCP' }], selector: { app: 'db' } });
    s.metadata.creationTimestamp = ago(3 * 3_600_000 + 5 * 60_000);
    assert.deepEqual(serviceTable.cells(s, now), ['db', 'ClusterIP', 'None', '<none>', '5432/TCP', '3h5m', 'app=db']);
  });
});

describe('endpoints printer', () => {
  const ep = (subsets: Endpoints['subsets']): Endpoints => ({ metadata: { name: 'web' }, subsets });
  it('lists at most three ip:port, then + N more...', () => {
    const addrs = (...ips: string[]) => ips.map((ip) => ({ ip }));
    assert.equal(endpointsTable.cells(ep([]), now)[1], '<none>');
    assert.equal(endpointsTable.cells(ep(undefined), now)[1], '<none>');
    assert.equal(endpointsTable.cells(ep([{ addresses: addrs('10.244.1.5', '10.244.2.3'), ports: [{ port: 80 }] }]), now)[1], '10.244.1.5:80,10.244.2.3:80');
    assert.equal(endpointsTable.cells(ep([{ addresses: addrs('10.244.1.5', '10.244.2.3', '10.244.3.4', '10.244.1.6'), ports: [{ port: 80 }] }]), now)[1],
      '10.244.1.5:80,10.244.2.3:80,10.244.3.4:80 + 1 more...');
    // Every port counts every address; headless subsets without ports list bare IPs.
    assert.equal(endpointsTable.cells(ep([{ addresses: addrs('10.0.0.1', '10.0.0.2'), ports: [{ port: 80 }, { port: 443 }] }]), now)[1],
      '10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...');
    assert.equal(endpointsTable.cells(ep([{ addresses: addrs('10.0.0.1') }]), now)[1], '10.0.0.1');
    assert.equal(endpointsTable.cells(ep([{ addresses: addrs('fd00::1'), ports: [{ port: 80 }] }]), now)[1], '[fd00::1]:80');
    assert.equal(endpointsTable.cells(ep([{ notReadyAddresses: addrs('10.0.0.9'), ports: [{ port: 80 }] }]), now)[1], '');
  });
});

describe('endpointslice printer', () => {
  const slice = (name: string, ports: EndpointSlice['ports'], endpoints: EndpointSlice['endpoints'], created: string): EndpointSlice =>
    ({ metadata: { name, creationTimestamp: created }, addressType: 'IPv4', ports, endpoints });
  it('prints as upstream TestPrintEndpointSlice', () => {
    const e1 = { addresses: ['10.1.2.3', '2001:db8::1234:5678'] };
    const e2 = { addresses: ['10.2.3.4', '2001:db8::2345:6789'] };
    assert.deepEqual(endpointSliceTable.cells(slice('abcslice.123', [{ name: 'http', port: 80, protocol: 'TCP' }], [e1], ago(-1900)), now),
      ['abcslice.123', 'IPv4', '80', '10.1.2.3,2001:db8::1234:5678', '0s']);
    assert.deepEqual(endpointSliceTable.cells(slice('longerslicename.123', [{ name: 'http', port: 80 }, { name: 'https', port: 443 }], [e1, e2], ago(300_000)), now),
      ['longerslicename.123', 'IPv4', '80,443', '10.1.2.3,2001:db8::1234:5678,10.2.3.4 + 1 more...', '5m']);
    assert.deepEqual(endpointSliceTable.cells(slice('multiportslice.123', [{ name: 'http', port: 80 }, { name: 'https', port: 443 }, { name: 'extra1', port: 3000 }, { name: 'extra2', port: 3001 }], [e1, e2], ago(300_000)), now),
      ['multiportslice.123', 'IPv4', '80,443,3000 + 1 more...', '10.1.2.3,2001:db8::1234:5678,10.2.3.4 + 1 more...', '5m']);
  });
  it('prints <unset> for no ports or endpoints, the port name or * without a number', () => {
    assert.deepEqual(endpointSliceTable.cells(slice('s', [], [], ago(0)), now).slice(2, 4), ['<unset>', '<unset>']);
    assert.equal(endpointSliceTable.cells(slice('s', [{ name: 'http' }, {}], [], ago(0)), now)[2], 'http,*');
  });
});

describe('ingress printers', () => {
  it('prints an ingress as upstream TestPrintIngress', () => {
    const ing: Ingress = {
      metadata: { name: 'test1', creationTimestamp: ago(10 * 365 * 86_400_000) },
      spec: { ingressClassName: 'foo', defaultBackend: { service: { name: 'default-backend', port: { name: 'default-backend', number: 80 } } } },
      status: { loadBalancer: { ingress: [{ ip: '2.3.4.5', hostname: 'localhost.localdomain' }] } },
    };
    assert.deepEqual(ingressTable.cells(ing, now), ['test1', 'foo', '*', '2.3.4.5', '80', '10y']);
  });
  it('lists up to three hosts and 80, 443 with TLS', () => {
    const rules = ['a.example.com', 'b.example.com', 'c.example.com', 'd.example.com'].map((host) => ({ host }));
    const ing: Ingress = { metadata: { name: 'web' }, spec: { rules, tls: [{ hosts: ['a.example.com'], secretName: 'tls' }] } };
    assert.deepEqual(ingressTable.cells(ing, now).slice(1, 5), ['<none>', 'a.example.com,b.example.com,c.example.com + 1 more...', '', '80, 443']);
  });
  it('prints ingress classes as upstream TestPrintIngressClass', () => {
    const ic = (name: string, spec: object, years: number): KubeObject => ({ metadata: { name, creationTimestamp: ago(years * 365 * 86_400_000) }, spec });
    assert.deepEqual(ingressClassTable.cells(ic('test1', { controller: 'example.com/controller', parameters: { kind: 'customgroup', name: 'example' } }, 10), now),
      ['test1', 'example.com/controller', 'customgroup/example', '10y']);
    assert.deepEqual(ingressClassTable.cells(ic('test1', { controller: 'example.com/controller', parameters: { apiGroup: 'example.com', kind: 'customgroup', name: 'example' } }, 10), now),
      ['test1', 'example.com/controller', 'customgroup.example.com/example', '10y']);
    assert.deepEqual(ingressClassTable.cells(ic('test2', { controller: 'example.com/controller2' }, 11), now), ['test2', 'example.com/controller2', '<none>', '11y']);
  });
});

describe('networkpolicy printer', () => {
  it('prints the pod selector, <none> for all pods', () => {
    const np = (podSelector: NetworkPolicy['spec']['podSelector']): NetworkPolicy => ({ metadata: { name: 'deny' }, spec: { podSelector } });
    assert.equal(networkPolicyTable.cells(np({}), now)[1], '<none>');
    assert.equal(networkPolicyTable.cells(np({ matchLabels: { app: 'db' } }), now)[1], 'app=db');
    assert.equal(networkPolicyTable.cells(np({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'api'] }] }), now)[1], 'tier in (api,web)');
  });
});
