// routeHost, exercised in a stand-in host namespace (knt-*) so the real host is never touched:
// the host gets a veth into the underlay and routes to pods, Services and LB IPs; a clash with
// a host route is refused; destroy leaves the host exactly as it was.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ip, ipBatch, netnsDelete } from '../../platform/index.js';
import { askFrom, startAnswerServer, uniqueName, type TestServer } from '../../platform/testing/index.js';
import { hostLink, routeLoadBalancerIP, type Topology } from './index.js';
import { startPodNetworks } from './testdata/pod-networks.js';
import { createStandInHost, networkSnapshot, topologyOp } from './testdata/stand-in-host.js';

const host = uniqueName();
const clashHost = uniqueName();
const cluster = uniqueName();
const clashCluster = uniqueName();
const dataDir = mkdtempSync(join(tmpdir(), 'knt-routehost-'));
const servers: TestServer[] = [];

before(async () => {
  // This "host" routes the seeds' 192.168.1.0/24 already (a home LAN, say).
  await createStandInHost(host, ['route add 192.168.1.0/24 via 198.51.100.1 dev uplink0 onlink']);
  await createStandInHost(clashHost, ['route add 10.244.0.0/16 via 198.51.100.1 dev uplink0 onlink']);
});

after(async () => {
  for (const s of servers) await s.stop();
  await topologyOp(host, { op: 'destroy', cluster }).catch(() => {});
  await topologyOp(clashHost, { op: 'destroy', cluster: clashCluster }).catch(() => {});
  await netnsDelete(host);
  await netnsDelete(clashHost);
  rmSync(dataDir, { recursive: true, force: true });
});

test('routeHost: the host reaches nodes, pods and LoadBalancer IPs, and destroy restores it exactly', async () => {
  const before = await networkSnapshot(host);
  const topo = await topologyOp<Topology>(host, { op: 'create', config: { clusterName: cluster, nodes: ['n1', 'n2'], routeHost: true } });
  // The host's own 192.168.1.0/24 is left alone: the next free /24 is used.
  assert.equal(topo.nodeNetwork, '192.168.101.0/24');
  const link = hostLink(cluster);
  assert.deepEqual(topo.host, { link, ip: '192.168.101.254' });
  const routes = await ip(['route', 'show'], host);
  for (const dst of ['10.96.0.0/12', '10.244.0.0/16', '172.18.255.200/29', '172.18.255.250']) {
    assert.match(routes, new RegExp(`^${dst.replace(/\./g, '\\.')} via 192\\.168\\.101\\.1 dev ${link} $`, 'm'));
  }

  const [n1, n2] = topo.nodes;
  servers.push(await startAnswerServer(n1.netns, '0.0.0.0', 9090, 'n1'));
  assert.equal(await askFrom(host, n1.ip, 9090), 'n1 192.168.101.254');

  const pod = (await startPodNetworks(topo, dataDir))[1];
  assert.equal(pod.node, n2.name);
  servers.push(await startAnswerServer(pod.podNetns, '0.0.0.0', 8080, pod.name));
  assert.equal(await askFrom(host, pod.ip, 8080), `${pod.name} 192.168.101.254`);

  await ipBatch(['addr add 172.18.255.201/32 dev lo'], n1.netns);
  await routeLoadBalancerIP(cluster, '172.18.255.201', [n1.ip]);
  assert.equal(await askFrom(host, '172.18.255.201', 9090), 'n1 192.168.101.254');

  const removed = await topologyOp(host, { op: 'destroy', cluster });
  assert.deepEqual(removed.hostLinks, [link]);
  assert.deepEqual(await networkSnapshot(host), before);
  assert.deepEqual(await topologyOp(host, { op: 'leftovers', cluster }), { namespaces: [], hostLinks: [], files: [] });
});

test('routeHost is refused when a host route clashes, and nothing is left behind', async () => {
  const before = await networkSnapshot(clashHost);
  await assert.rejects(
    topologyOp(clashHost, { op: 'create', config: { clusterName: clashCluster, nodes: ['n1'], routeHost: true } }),
    /routeHost: the host already routes 10\.244\.0\.0\/16 dev uplink0, which overlaps the cluster CIDR 10\.244\.0\.0\/16/,
  );
  assert.deepEqual(await topologyOp(clashHost, { op: 'leftovers', cluster: clashCluster }), { namespaces: [], hostLinks: [], files: [] });
  assert.deepEqual(await networkSnapshot(clashHost), before);
});
