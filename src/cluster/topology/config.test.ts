// Topology defaults and validation (no kernel).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveTopology, type HostRoute } from './config.js';
import { hostLink, podNetns, underlayPortForNode } from './names.js';

const hostRoutes: HostRoute[] = [
  { dst: 'default', dev: 'eth0' },
  { dst: '192.0.2.0/24', dev: 'eth0' },
  { dst: '127.0.0.0/8', dev: 'lo', table: 'local', type: 'local' },
];

test('defaults are the seeds\' addresses', () => {
  const t = resolveTopology({ clusterName: 'demo', nodes: ['node-1', 'node-2', 'node-3'] }, hostRoutes);
  assert.equal(t.nodeNetwork, '192.168.1.0/24');
  assert.equal(t.gatewayIP, '192.168.1.1');
  assert.deepEqual(t.externalClient, { netns: 'knit-demo-ext', ip: '192.168.1.200' });
  assert.deepEqual(t.nodes.map((n) => [n.netns, n.ip, n.podCIDR]), [
    ['knit-demo-node-1', '192.168.1.10', '10.244.1.0/24'],
    ['knit-demo-node-2', '192.168.1.11', '10.244.2.0/24'],
    ['knit-demo-node-3', '192.168.1.12', '10.244.3.0/24'],
  ]);
  assert.equal(t.underlayNetns, 'knit-demo-lan');
  assert.equal(t.mode, 'vxlan');
  assert.equal(t.clusterCIDR, '10.244.0.0/16');
  assert.equal(t.serviceCIDR, '10.96.0.0/12');
  assert.deepEqual([t.loadBalancerPool.start, t.loadBalancerPool.end], ['172.18.255.200', '172.18.255.250']);
  assert.equal(t.host, undefined);
});

test('a host that routes 192.168.1.0/24 gets the next free private /24', () => {
  const t = resolveTopology({ clusterName: 'demo', nodes: ['a'] }, [...hostRoutes, { dst: '192.168.0.0/16', dev: 'wlan0' }]);
  assert.equal(t.nodeNetwork, '172.31.201.0/24');
  assert.equal(t.nodes[0].ip, '172.31.201.10');
  const all = ['192.168.0.0/16', '172.16.0.0/12', '10.0.0.0/8'].map((dst) => ({ dst, dev: 'vpn0' }));
  assert.throws(() => resolveTopology({ clusterName: 'demo', nodes: ['a'] }, all), /the host already routes every default node network.*set nodeNetwork/);
});

test('routeHost is refused when a host route clashes, naming the route', () => {
  const routes = [...hostRoutes, { dst: '10.244.0.0/16', dev: 'cni0' }];
  assert.throws(() => resolveTopology({ clusterName: 'demo', nodes: ['a'], routeHost: true }, routes),
    /routeHost: the host already routes 10\.244\.0\.0\/16 dev cni0, which overlaps the cluster CIDR 10\.244\.0\.0\/16; knit does not change the host's routes/);
  // Without routeHost the same host is fine: nothing of knit's is routed there.
  assert.doesNotThrow(() => resolveTopology({ clusterName: 'demo', nodes: ['a'] }, routes));
  const t = resolveTopology({ clusterName: 'demo', nodes: ['a'], routeHost: true }, hostRoutes);
  assert.deepEqual(t.host, { link: 'knit-demo', ip: '192.168.1.254' });
});

test('names and ranges are validated in Kubernetes\' words', () => {
  const bad = (config: object, re: RegExp) => assert.throws(() => resolveTopology({ clusterName: 'demo', nodes: ['a'], ...config }, hostRoutes), re);
  bad({ clusterName: 'Demo' }, /invalid cluster name "Demo": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'/);
  bad({ nodes: ['Node_1'] }, /invalid node name "Node_1": a lowercase RFC 1123 subdomain must consist of/);
  bad({ nodes: ['lan'] }, /reserved for knit's own namespaces/);
  bad({ nodes: ['pod-x'] }, /reserved for knit's own namespaces/);
  bad({ nodes: ['a', 'a'] }, /node "a" is listed twice/);
  bad({ nodes: [] }, /at least one node/);
  bad({ mode: 'ipip' }, /unsupported network mode "ipip": supported values: "vxlan", "routes"/);
  bad({ serviceCIDR: '10.244.0.0/12' }, /invalid CIDR address/);
  bad({ serviceCIDR: '10.240.0.0/12' }, /the cluster CIDR 10\.244\.0\.0\/16 overlaps the service CIDR 10\.240\.0\.0\/12/);
  bad({ nodes: [{ name: 'a', podCIDR: '10.99.1.0/24' }] }, /the podCIDR 10\.99\.1\.0\/24 of node a is not inside the cluster CIDR/);
  bad({ nodes: [{ name: 'a', podCIDR: '10.244.1.0/24' }, { name: 'b', podCIDR: '10.244.1.0/25' }] }, /overlaps that of another node/);
  bad({ nodes: [{ name: 'a', ip: '192.168.1.200' }] }, /address of node a 192\.168\.1\.200 is already the external client address/);
  bad({ nodes: [{ name: 'a', ip: '10.0.0.5' }] }, /is outside the node network 192\.168\.1\.0\/24/);
  bad({ nodeNetwork: '192.168.1.0/25' }, /too small/);
});

test('link and namespace names fit the kernel\'s limits', () => {
  assert.equal(underlayPortForNode('node-1'), 'v-node-1');
  assert.match(underlayPortForNode('a-very-long-node-name.example.com'), /^v-[0-9a-f]{8}$/);
  assert.equal(hostLink('demo'), 'knit-demo');
  assert.match(hostLink('a-long-cluster-name'), /^knit-[0-9a-f]{8}$/);
  assert.equal(podNetns('demo', '0b7c'), 'knit-demo-pod-0b7c');
});
