import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyState } from './changes.js';
import { servicePortsOf } from './serviceport.js';
import { ep, makeService, makeSlice } from './testing/fixtures.js';

const NODE = 'node-a';

describe('service ports from a Service', () => {
  it('makes one service port per port, with upstream defaults', () => {
    const ports = servicePortsOf(makeService('ns', 'web', {
      type: 'LoadBalancer', clusterIP: '10.96.0.5', externalTrafficPolicy: 'Local', healthCheckNodePort: 31000,
      loadBalancerSourceRanges: [' 10.1.2.3/16', 'bogus'], sessionAffinity: 'ClientIP',
      ports: [{ name: 'http', port: 80, nodePort: 30080 }, { name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 }],
    }, ['172.18.255.200']));
    assert.deepEqual([...ports.keys()], ['ns/web:http/TCP', 'ns/web:dns/UDP']);
    const http = ports.get('ns/web:http/TCP')!;
    assert.equal(http.nameString, 'ns/web:http');
    assert.equal(http.nodePort, 30080);
    assert.deepEqual(http.loadBalancerVIPs, ['172.18.255.200']);
    assert.deepEqual(http.loadBalancerSourceRanges, ['10.1.0.0/16']);
    assert.equal(http.stickyMaxAgeSeconds, 10800);
    assert.equal(http.externalPolicyLocal, true);
    assert.equal(http.healthCheckNodePort, 31000);
  });

  it('skips headless and ExternalName Services, and IPv6 cluster IPs', () => {
    assert.equal(servicePortsOf(makeService('ns', 'h', { clusterIP: 'None', ports: [{ port: 80 }] })).size, 0);
    assert.equal(servicePortsOf(makeService('ns', 'x', { type: 'ExternalName', externalName: 'example.com', ports: [{ port: 80 }] })).size, 0);
    assert.equal(servicePortsOf(makeService('ns', 'v6', { clusterIP: 'fd00::5', ports: [{ port: 80 }] })).size, 0);
  });

  it('gives a health check node port only to LoadBalancer Services with Local policy', () => {
    const nodePort = servicePortsOf(makeService('ns', 'np', { type: 'NodePort', clusterIP: '10.96.0.6', externalTrafficPolicy: 'Local', healthCheckNodePort: 31001, ports: [{ port: 80, nodePort: 30081 }] }));
    assert.equal([...nodePort.values()][0].healthCheckNodePort, 0);
    assert.equal([...nodePort.values()][0].externalPolicyLocal, true);
    const clusterIP = servicePortsOf(makeService('ns', 'c', { clusterIP: '10.96.0.7', externalTrafficPolicy: 'Local', ports: [{ port: 80 }] }));
    assert.equal([...clusterIP.values()][0].externalPolicyLocal, false, 'not externally reachable');
  });

  it('ignores load-balancer IPs in Proxy ipMode', () => {
    const svc = makeService('ns', 'lb', { type: 'LoadBalancer', clusterIP: '10.96.0.8', ports: [{ port: 80 }] });
    svc.status!.loadBalancer!.ingress = [{ ip: '1.2.3.4', ipMode: 'Proxy' }, { ip: '5.6.7.8', ipMode: 'VIP' }];
    assert.deepEqual([...servicePortsOf(svc).values()][0].loadBalancerVIPs, ['5.6.7.8']);
  });
});

describe('ProxyState change tracking', () => {
  const svc = makeService('ns', 'web', { clusterIP: '10.96.0.5', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] });

  it('drops updates that change nothing kube-proxy uses', () => {
    const state = new ProxyState(NODE);
    assert.equal(state.updateService(svc), true);
    state.checkout();
    const touched = { ...svc, metadata: { ...svc.metadata, resourceVersion: '99', labels: { a: 'b' } } };
    assert.equal(state.updateService(touched), false);
    assert.equal(state.hasPendingChanges(), false);
    state.updateEndpointSlice(makeSlice('ns', 'web', 'a', [ep('10.244.1.2')], [{ name: 'dns', port: 53, protocol: 'UDP' }]));
    state.checkout();
    assert.equal(state.updateEndpointSlice(makeSlice('ns', 'web', 'a', [ep('10.244.1.2')], [{ name: 'dns', port: 53, protocol: 'UDP' }])), false);
  });

  it('drops a change that is undone before the next sync', () => {
    const state = new ProxyState(NODE);
    state.updateService(svc);
    state.checkout();
    state.updateService({ ...svc, spec: { ...svc.spec, clusterIP: '10.96.0.6' } });
    assert.equal(state.updateService(svc), false);
    assert.deepEqual(state.checkout().updatedServices, new Set());
  });

  it('reports what changed: updated Services, deleted UDP cluster IPs, stale and newly active UDP endpoints', () => {
    const state = new ProxyState(NODE);
    state.updateService(svc);
    state.updateEndpointSlice(makeSlice('ns', 'web', 'a', [ep('10.244.1.2'), ep('10.244.1.3')], [{ name: 'dns', port: 53, protocol: 'UDP' }]));
    const first = state.checkout();
    assert.deepEqual(first.updatedServices, new Set(['ns/web']));
    assert.deepEqual(first.newlyActiveUDPServices, ['ns/web:dns/UDP']);

    state.updateEndpointSlice(makeSlice('ns', 'web', 'a', [ep('10.244.1.3')], [{ name: 'dns', port: 53, protocol: 'UDP' }]));
    const second = state.checkout();
    assert.deepEqual(second.staleUDPEndpoints.map((s) => [s.servicePort, s.endpoint.address]), [['ns/web:dns/UDP', '10.244.1.2:53']]);
    assert.deepEqual(second.newlyActiveUDPServices, []);

    state.updateService(svc, true);
    assert.deepEqual(state.checkout().deletedUDPClusterIPs, new Set(['10.96.0.5']));
  });

  it('merges slices, sorts endpoints by address and keeps the local copy of a duplicate', () => {
    const state = new ProxyState(NODE);
    const web = makeService('ns', 'web', { clusterIP: '10.96.0.5', ports: [{ port: 80 }] });
    state.updateService(web);
    state.updateEndpointSlice(makeSlice('ns', 'web', 'a', [ep('10.244.1.10'), ep('10.244.1.2')], [{ port: 8080 }]));
    state.updateEndpointSlice(makeSlice('ns', 'web', 'b', [ep('10.244.1.2', NODE)], [{ port: 8080 }]));
    const eps = state.endpointsOf('ns/web/TCP');
    assert.deepEqual(eps.map((e) => [e.address, e.isLocal]), [['10.244.1.10:8080', false], ['10.244.1.2:8080', true]]);
    state.updateEndpointSlice(makeSlice('ns', 'web', 'b', [], [{ port: 8080 }]), true);
    assert.equal(state.endpointsOf('ns/web/TCP').length, 2);
  });

  it('ignores slices without a service label and non-IPv4 slices', () => {
    const state = new ProxyState(NODE);
    const orphan = makeSlice('ns', 'web', 'a', [ep('10.244.1.2')], [{ port: 80 }]);
    orphan.metadata.labels = {};
    assert.equal(state.updateEndpointSlice(orphan), false);
    const v6 = { ...makeSlice('ns', 'web', 'b', [ep('fd00::2')], [{ port: 80 }]), addressType: 'IPv6' as const };
    assert.equal(state.updateEndpointSlice(v6), false);
  });

  it('counts local ready endpoints for health checks', () => {
    const state = new ProxyState(NODE);
    state.updateEndpointSlice(makeSlice('ns', 'web', 'a', [ep('10.244.1.2', NODE), ep('10.244.1.3', NODE, { ready: false }), ep('10.244.2.2', 'node-b')], [{ name: 'a', port: 80 }, { name: 'b', port: 81 }]));
    assert.deepEqual(state.localReadyEndpoints(), new Map([['ns/web', 1]]));
  });
});
