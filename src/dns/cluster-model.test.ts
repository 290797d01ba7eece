import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterModel } from './cluster-model.js';
import { clusterIPService, endpointSlice, headlessService } from './testing.js';

describe('ClusterModel', () => {
  it('indexes Services by name and ClusterIP, and forgets the old IP when it changes', () => {
    const m = new ClusterModel();
    m.upsertService(clusterIPService('Default', 'Web', '10.96.0.20'));
    assert.equal(m.service('web', 'default')?.clusterIPs[0], '10.96.0.20');
    assert.equal(m.serviceByClusterIP('10.96.0.20')?.name, 'web');
    m.upsertService(clusterIPService('default', 'web', '10.96.0.21'));
    assert.equal(m.serviceByClusterIP('10.96.0.20'), undefined);
    assert.equal(m.serviceByClusterIP('10.96.0.21')?.name, 'web');
    m.deleteService('default', 'web');
    assert.equal(m.serviceByClusterIP('10.96.0.21'), undefined);
    assert.equal(m.serviceCount, 0);
  });

  it('keeps ready endpoints only, canonical IPs, and leaves FQDN slices out', () => {
    const m = new ClusterModel();
    m.upsertService(headlessService('default', 'db'));
    m.upsertEndpointSlice(endpointSlice('default', 'db', [{ ip: '10.244.1.5' }, { ip: '10.244.1.6', ready: false }, { ip: '10.244.1.7', ready: true }]));
    assert.deepEqual(m.slicesOf('db', 'default')[0].ips, ['10.244.1.5', '10.244.1.7']);
    m.upsertEndpointSlice({ ...endpointSlice('default', 'db', [{ ip: 'fd00:0:0::0001' }], [{ port: 80 }], 'db-v6') });
    assert.equal(m.slicesWithEndpoint('fd00::1').length, 1);
    m.upsertEndpointSlice({ ...endpointSlice('default', 'db', [{ ip: 'example.com' }], [{ port: 80 }], 'db-fqdn'), addressType: 'FQDN' });
    assert.equal(m.slicesOf('db', 'default').length, 2);
  });

  it('moves an IP between slices and Services without stale reverse entries', () => {
    const m = new ClusterModel();
    m.upsertEndpointSlice(endpointSlice('default', 'a', [{ ip: '10.244.1.5' }], [{ port: 80 }], 'a-1'));
    m.upsertEndpointSlice(endpointSlice('default', 'b', [{ ip: '10.244.1.5' }], [{ port: 80 }], 'b-1'));
    assert.deepEqual(m.slicesWithEndpoint('10.244.1.5').map((s) => s.service).sort(), ['a', 'b']);
    m.deleteEndpointSlice('default', 'a-1');
    assert.deepEqual(m.slicesWithEndpoint('10.244.1.5').map((s) => s.service), ['b']);
    m.upsertEndpointSlice(endpointSlice('default', 'b', [{ ip: '10.244.1.6' }], [{ port: 80 }], 'b-1'));
    assert.deepEqual(m.slicesWithEndpoint('10.244.1.5'), []);
    assert.deepEqual(m.slicesOf('a', 'default'), []);
  });

  it('shares one port list between Services that have the same ports', () => {
    const m = new ClusterModel();
    m.upsertService(clusterIPService('default', 'a', '10.96.0.1', [{ name: 'http', port: 80 }]));
    m.upsertService(clusterIPService('default', 'b', '10.96.0.2', [{ name: 'http', port: 80 }]));
    assert.equal(m.service('a', 'default')?.ports, m.service('b', 'default')?.ports);
  });

  it('counts pods per IP and namespace; terminating pods and pods without IP do not count', () => {
    const m = new ClusterModel();
    const pod = (name: string, ip?: string, deleting = false) => ({
      metadata: { name, namespace: 'default', ...(deleting ? { deletionTimestamp: '2025-01-01T00:00:00Z' } : {}) },
      spec: { containers: [] }, status: ip ? { podIP: ip } : {},
    });
    m.upsertPod(pod('a', '10.244.1.5'));
    m.upsertPod(pod('b', '10.244.1.5'));
    m.upsertPod(pod('c'));
    assert.equal(m.hasPod('10.244.1.5', 'default'), true);
    m.deletePod('default', 'a');
    assert.equal(m.hasPod('10.244.1.5', 'default'), true);
    m.upsertPod(pod('b', '10.244.1.5', true));
    assert.equal(m.hasPod('10.244.1.5', 'default'), false);
  });

  it('says clearly what is wrong with an object it cannot use', () => {
    const m = new ClusterModel();
    assert.throws(() => m.upsertService({ metadata: { name: 'x' }, spec: {} }), /Service without metadata.name and metadata.namespace/);
    assert.throws(() => m.upsertNamespace({ metadata: {} }), /Namespace without metadata.name/);
  });

  it('starts unsynced and moves the SOA serial on change', () => {
    const m = new ClusterModel();
    assert.equal(m.synced, false);
    m.markSynced();
    assert.equal(m.synced, true);
    assert.ok(m.serial > 1_600_000_000);
  });
});
