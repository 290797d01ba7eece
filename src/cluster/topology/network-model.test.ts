// The seeds' network model on a real 3-node topology with pods on every node, in both modes:
// pods reach pods on any node without NAT, nodes reach pods, a server sees the client pod's own
// IP; and the underlay: the external client reaches node IPs and routed LoadBalancer IPs.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ip, ipBatch, startNetnsBroker, type NetnsBroker } from '../../platform/index.js';
import { askFrom, startAnswerServer, uniqueName, type TestServer } from '../../platform/testing/index.js';
import {
  createTopology, destroyTopology, findLeftovers, routeLoadBalancerIP, unrouteLoadBalancerIP,
  loadBalancerRoutes, type Topology,
} from './index.js';
import { startPodNetworks, type TestPod } from './testdata/pod-networks.js';

/** A cluster of three nodes, each with one pod running an answer server on 8080 (TCP and UDP). */
async function buildCluster(mode: 'vxlan' | 'routes') {
  const cluster = uniqueName();
  const dataDir = mkdtempSync(join(tmpdir(), 'knt-model-'));
  const servers: TestServer[] = [];
  let pods: TestPod[] = [];
  const topo: Topology = await createTopology({ clusterName: cluster, nodes: ['node-1', 'node-2', 'node-3'], mode });
  const cleanup = async () => {
    for (const s of servers) await s.stop();
    await destroyTopology(cluster);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    pods = await startPodNetworks(topo, dataDir);
    for (const pod of pods) {
      servers.push(await startAnswerServer(pod.podNetns, '0.0.0.0', 8080, pod.name));
      servers.push(await startAnswerServer(pod.podNetns, '0.0.0.0', 8080, pod.name, 'udp'));
    }
  } catch (e) {
    await cleanup();
    throw e;
  }
  return { cluster, topo, pods, servers, cleanup };
}

for (const mode of ['vxlan', 'routes'] as const) {
  describe(`${mode} mode: the Kubernetes network model`, () => {
    let c: Awaited<ReturnType<typeof buildCluster>>;
    before(async () => { c = await buildCluster(mode); });
    after(async () => { await c?.cleanup(); });

    test('pods pick addresses from their node\'s range: 10.244.1.x, 10.244.2.x, 10.244.3.x', () => {
      assert.deepEqual(c.pods.map((p) => p.ip), ['10.244.1.2', '10.244.2.2', '10.244.3.2']);
    });

    test('every pod reaches every pod, on its own node and on the others', async () => {
      for (const from of c.pods) {
        for (const to of c.pods) {
          const answer = await askFrom(from.podNetns, to.ip, 8080);
          assert.equal(answer.split(' ')[0], to.name, `${from.name} -> ${to.name}`);
        }
      }
    });

    test('a server in one pod sees the other pod\'s own IP as the client address (no NAT)', async () => {
      for (const from of c.pods) {
        for (const to of c.pods.filter((p) => p.node !== from.node)) {
          assert.equal(await askFrom(from.podNetns, to.ip, 8080), `${to.name} ${from.ip}`, `TCP ${from.name} -> ${to.name}`);
          assert.equal(await askFrom(from.podNetns, to.ip, 8080, 'udp'), `${to.name} ${from.ip}`, `UDP ${from.name} -> ${to.name}`);
        }
      }
    });

    test('every node reaches every pod', async () => {
      for (const node of c.topo.nodes) {
        for (const to of c.pods) {
          const answer = await askFrom(node.netns, to.ip, 8080);
          assert.equal(answer.split(' ')[0], to.name, `${node.name} -> ${to.name}`);
        }
      }
    });

    test('node routes to the other nodes\' pod ranges are the seeds\' (routes) or flannel\'s (vxlan)', async () => {
      const routes = await ip(['route', 'show'], c.topo.nodes[0].netns);
      if (mode === 'routes') {
        assert.match(routes, /^10\.244\.2\.0\/24 via 192\.168\.1\.11 dev eth0 $/m);
        assert.match(routes, /^10\.244\.3\.0\/24 via 192\.168\.1\.12 dev eth0 $/m);
      } else {
        assert.match(routes, /^10\.244\.2\.0\/24 via 10\.244\.2\.0 dev flannel\.1 onlink $/m);
        assert.match(routes, /^10\.244\.3\.0\/24 via 10\.244\.3\.0 dev flannel\.1 onlink $/m);
      }
      assert.match(routes, /^10\.244\.1\.0\/24 dev cni0 proto kernel scope link src 10\.244\.1\.1 $/m);
    });
  });
}

describe('the underlay', () => {
  let c: Awaited<ReturnType<typeof buildCluster>>;
  let broker: NetnsBroker | undefined;
  const lbIP = '172.18.255.200';
  before(async () => {
    c = await buildCluster('vxlan');
    for (const n of c.topo.nodes) c.servers.push(await startAnswerServer(n.netns, '0.0.0.0', 9090, n.name));
  });
  after(async () => {
    await broker?.stop();
    await c?.cleanup();
    // Everything is gone afterwards.
    if (c) assert.deepEqual(await findLeftovers(c.cluster), { namespaces: [], hostLinks: [], files: [] });
  });

  test('the external client reaches every node IP', async () => {
    for (const n of c.topo.nodes) {
      assert.equal(await askFrom(c.topo.externalClient.netns, n.ip, 9090), `${n.name} 192.168.1.200`);
    }
  });

  test('a LoadBalancer IP routed to the nodes is reachable from the external client, over all of them', async () => {
    // What kube-proxy would do for the LB IP on each node: accept it locally.
    await Promise.all(c.topo.nodes.map((n) => ipBatch([`addr add ${lbIP}/32 dev lo`], n.netns)));
    await routeLoadBalancerIP(c.cluster, lbIP, c.topo.nodes.map((n) => n.ip));
    assert.deepEqual((await loadBalancerRoutes(c.cluster)).get(lbIP), ['192.168.1.10', '192.168.1.11', '192.168.1.12']);
    const seen = new Set<string>();
    for (let i = 0; i < 30 && seen.size < 2; i++) {
      const [node, client] = (await askFrom(c.topo.externalClient.netns, lbIP, 9090)).split(' ');
      assert.equal(client, '192.168.1.200');
      seen.add(node);
    }
    // ECMP hashes by ports too: connections spread over more than one node.
    assert.ok(seen.size >= 2, `only ${[...seen].join(', ')} answered`);
  });

  test('a LoadBalancer IP moved to one node, then unrouted, goes there, then nowhere at once', async () => {
    await routeLoadBalancerIP(c.cluster, lbIP, [c.topo.nodes[2].ip]);
    for (let i = 0; i < 5; i++) assert.equal(await askFrom(c.topo.externalClient.netns, lbIP, 9090), 'node-3 192.168.1.200');
    await unrouteLoadBalancerIP(c.cluster, lbIP);
    assert.equal((await loadBalancerRoutes(c.cluster)).has(lbIP), false);
    await assert.rejects(askFrom(c.topo.externalClient.netns, lbIP, 9090), /EHOSTUNREACH|ENETUNREACH/);
    await unrouteLoadBalancerIP(c.cluster, lbIP);
  });

  test('pod traffic leaving the cluster CIDR is masqueraded to its node\'s IP', async () => {
    c.servers.push(await startAnswerServer(c.topo.underlayNetns, c.topo.gatewayIP, 7070, 'gateway'));
    for (const [i, pod] of c.pods.entries()) {
      assert.equal(await askFrom(pod.podNetns, c.topo.gatewayIP, 7070), `gateway ${c.topo.nodes[i].ip}`);
    }
  });

  test('pod IPs are reachable from the gateway\'s own sockets (the control plane\'s broker), not from the external client', async () => {
    broker = await startNetnsBroker(c.topo.underlayNetns);
    const pod = c.pods[1];
    const sock = await broker.connectTcp(pod.ip, 8080);
    const answer = await new Promise<string>((resolve, reject) => {
      let d = '';
      sock.on('data', (b) => { d += b; }).on('end', () => resolve(d.trim())).on('error', reject);
    });
    assert.equal(answer.split(' ')[0], pod.name);
    await assert.rejects(askFrom(c.topo.externalClient.netns, pod.ip, 8080), /EHOSTUNREACH|ENETUNREACH/);
  });
});
