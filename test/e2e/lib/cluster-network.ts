// The seeds' pod network rules on a real 3-node cluster, for one inter-node mode (vxlan or
// routes): pods reach pods on every node without NAT, nodes reach pods, and the address a pod has
// is the one its peers see. Used by cluster-network-vxlan.test.ts and cluster-network-routes.test.ts.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from './cluster.js';
import { apply, netexecPod, nodeExecOk, PREFIX, podExecOk, readyPod, toolboxPod, type PodJson } from './cluster-node.js';
import { parseTable } from './table.js';

const NODES = ['node-1', 'node-2', 'node-3'];
const nodeIP = (i: number) => `192.168.1.${10 + i}`;
const podCIDR = (i: number) => `10.244.${i + 1}.0/24`;
const inPodCIDR = (ip: string, i: number) => ip.startsWith(`10.244.${i + 1}.`);

export function podNetworkSuite(mode: 'vxlan' | 'routes'): void {
  let c: Cluster;
  /** net-1..3: agnhost netexec on node-1..3; box-1: busybox on node-1. */
  const pods = new Map<string, PodJson>();
  const ip = (name: string) => pods.get(name)!.status.podIP!;

  before(async () => {
    c = await startCluster({ nodes: 3, prefix: PREFIX, extraArgs: mode === 'routes' ? ['--network', 'routes'] : [] });
    for (const [i, node] of NODES.entries()) await apply(c, netexecPod(`net-${i + 1}`, node));
    await apply(c, toolboxPod('box-1', 'node-1'));
    for (const name of ['net-1', 'net-2', 'net-3', 'box-1']) pods.set(name, await readyPod(c, name));
  });
  after(async () => {
    await c?.down();
  });

  test(`${mode}: each pod has an address of its node's podCIDR, shown by kubectl get pods -o wide`, async () => {
    const rows = parseTable(await c.kubectlOk(['get', 'pods', '-o', 'wide'])).rows;
    for (const [i, node] of NODES.entries()) {
      const p = pods.get(`net-${i + 1}`)!;
      assert.equal(p.spec.nodeName, node);
      assert.ok(inPodCIDR(ip(`net-${i + 1}`), i), `${ip(`net-${i + 1}`)} is in ${podCIDR(i)}`);
      assert.deepEqual(p.status.podIPs, [{ ip: ip(`net-${i + 1}`) }]);
      assert.equal(p.status.hostIP, nodeIP(i));
      const row = rows.find((r) => r.NAME === `net-${i + 1}`);
      assert.deepEqual([row?.IP, row?.NODE, row?.STATUS, row?.READY], [ip(`net-${i + 1}`), node, 'Running', '1/1']);
    }
  });

  test(`${mode}: the address a pod sees for itself is the one in its status`, async () => {
    for (const name of ['net-1', 'net-2', 'net-3', 'box-1']) {
      const addr = await podExecOk(c, name, ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
      assert.match(addr, new RegExp(`inet ${ip(name).replace(/\./g, '\\.')}/24 `), `${name}: ${addr}`);
      const route = await podExecOk(c, name, ['ip', 'route', 'show', 'default']);
      assert.match(route, /^default via 10\.244\.\d+\.1 dev eth0/);
    }
  });

  test(`${mode}: pods reach pods on every node without NAT (the server sees the client pod's own IP)`, async () => {
    for (const target of ['net-1', 'net-2', 'net-3']) {
      const seen = await podExecOk(c, 'box-1', ['wget', '-qO-', `http://${ip(target)}:8080/clientip`]);
      assert.equal(seen.split(':')[0], ip('box-1'), `net-${target} saw ${seen}`);
    }
    // Pod to pod between the two other nodes, TCP and UDP, through netexec's /dial.
    for (const protocol of ['http', 'udp']) {
      const port = protocol === 'http' ? 8080 : 8081;
      const url = `http://localhost:8080/dial?request=clientip&protocol=${protocol}&host=${ip('net-3')}&port=${port}&tries=1`;
      const answer = JSON.parse(await podExecOk(c, 'net-2', ['wget', '-qO-', url])) as { responses: string[] };
      assert.equal(answer.responses.length, 1, JSON.stringify(answer));
      assert.equal(answer.responses[0].split(':')[0], ip('net-2'), `${protocol}: ${JSON.stringify(answer)}`);
    }
  });

  test(`${mode}: every node reaches every pod`, async () => {
    for (const node of NODES) {
      for (const target of ['net-1', 'net-2', 'net-3']) {
        const name = await nodeExecOk(c, node, ['curl', '-sS', '-m', '10', `http://${ip(target)}:8080/hostname`]);
        assert.equal(name, target, `${node} -> ${target}`);
      }
    }
  });

  test(`${mode}: each node's routing table has the seeds' shape`, async () => {
    for (const [i, node] of NODES.entries()) {
      const routes = (await nodeExecOk(c, node, ['ip', 'route'])).split('\n').map((l) => l.trim()).filter(Boolean);
      const own = podCIDR(i);
      assert.ok(routes.some((r) => r.startsWith(`${own} dev cni0 proto kernel scope link src 10.244.${i + 1}.1`)), `${node}: ${routes.join(' | ')}`);
      for (const [j] of NODES.entries()) {
        if (j === i) continue;
        const want = mode === 'routes'
          ? `${podCIDR(j)} via ${nodeIP(j)} dev eth0`
          : `${podCIDR(j)} via 10.244.${j + 1}.0 dev flannel.1 onlink`;
        assert.ok(routes.includes(want), `${node} lacks "${want}": ${routes.join(' | ')}`);
      }
      const links = await nodeExecOk(c, node, ['ip', '-d', '-o', 'link', 'show']);
      if (mode === 'vxlan') assert.match(links, /flannel\.1: .* vxlan id 1 local 192\.168\.1\.\d+ dev eth0 .*dstport 8472/);
      else assert.doesNotMatch(links, /flannel\.1/);
    }
  });
}
