import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyState } from './changes.js';
import { conntrackCleanupCommands } from './conntrack.js';
import { ep, makeService, makeSlice } from './testing/fixtures.js';

const dns = makeService('kube-system', 'kube-dns', {
  type: 'NodePort', clusterIP: '10.96.0.10', externalIPs: ['203.0.113.10'],
  ports: [{ name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 }, { name: 'dns-tcp', port: 53, protocol: 'TCP', nodePort: 30054 }],
});
const ports = [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }];

describe('conntrack cleanup', () => {
  it('clears entries to a UDP Service that gets its first endpoint (made while it rejected)', () => {
    const state = new ProxyState('n');
    state.updateService(dns);
    state.checkout();
    state.updateEndpointSlice(makeSlice('kube-system', 'kube-dns', 'a', [ep('10.244.1.5')], ports));
    assert.deepEqual(conntrackCleanupCommands(state.checkout(), state), [
      ['-D', '--orig-dst', '10.96.0.10', '-p', 'udp'],
      ['-D', '--orig-dst', '203.0.113.10', '-p', 'udp'],
      ['-D', '-p', 'udp', '--dport', '30053'],
    ]);
  });

  it('clears entries NATed to a removed UDP endpoint through every address of the Service (not TCP)', () => {
    const state = new ProxyState('n');
    state.updateService(dns);
    state.updateEndpointSlice(makeSlice('kube-system', 'kube-dns', 'a', [ep('10.244.1.5'), ep('10.244.1.6')], ports));
    state.checkout();
    state.updateEndpointSlice(makeSlice('kube-system', 'kube-dns', 'a', [ep('10.244.1.6')], ports));
    assert.deepEqual(conntrackCleanupCommands(state.checkout(), state), [
      ['-D', '-p', 'udp', '--dport', '30053', '--dst-nat', '10.244.1.5'],
      ['-D', '--orig-dst', '10.96.0.10', '--dst-nat', '10.244.1.5', '-p', 'udp'],
      ['-D', '--orig-dst', '203.0.113.10', '--dst-nat', '10.244.1.5', '-p', 'udp'],
    ]);
  });

  it('clears entries to the cluster IP of a deleted UDP Service', () => {
    const state = new ProxyState('n');
    state.updateService(dns);
    state.checkout();
    state.updateService(dns, true);
    assert.deepEqual(conntrackCleanupCommands(state.checkout(), state), [['-D', '--orig-dst', '10.96.0.10', '-p', 'udp']]);
  });
});
