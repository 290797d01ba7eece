// Nodes on a real 3-node cluster: `kubectl get nodes -o wide` as on a real cluster, the Node
// objects (addresses, podCIDR, capacity, conditions, nodeInfo), heartbeats through Leases in
// kube-node-lease, a node whose agent stops going NotReady and coming back, `knit node exec`.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { startCluster, type Cluster } from './lib/cluster.js';
import { agentPid, nodeExec, PREFIX } from './lib/cluster-node.js';
import { parseTable } from './lib/table.js';
import { waitFor } from './lib/wait.js';

const NODES = ['node-1', 'node-2', 'node-3'];
const GRACE_SECONDS = 4;

interface NodeJson {
  metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string>; uid: string };
  spec: { podCIDR?: string; podCIDRs?: string[]; taints?: { key: string; effect: string }[] };
  status: {
    addresses: { type: string; address: string }[];
    capacity: Record<string, string>;
    allocatable: Record<string, string>;
    conditions: { type: string; status: string; reason: string; message: string; lastHeartbeatTime: string }[];
    nodeInfo: Record<string, string>;
    daemonEndpoints: { kubeletEndpoint: { Port: number } };
  };
}

interface LeaseJson {
  metadata: { name: string; ownerReferences?: { kind: string; name: string; uid: string }[] };
  spec: { holderIdentity: string; leaseDurationSeconds: number; renewTime: string };
}

const osImage = (): string => /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'Linux';
const ready = (n: NodeJson) => n.status.conditions.find((c) => c.type === 'Ready');

let c: Cluster;
before(async () => {
  c = await startCluster({ nodes: 3, prefix: PREFIX, extraArgs: ['--node-monitor-grace-period', String(GRACE_SECONDS)] });
});
after(async () => {
  await c?.down();
});

test('kubectl get nodes -o wide shows the nodes as a real cluster does', async () => {
  const table = parseTable(await c.kubectlOk(['get', 'nodes', '-o', 'wide']));
  assert.deepEqual(table.header, ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', 'INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME']);
  assert.deepEqual(table.rows.map((r) => [r.NAME, r.STATUS, r.ROLES, r.VERSION, r['INTERNAL-IP'], r['EXTERNAL-IP'], r['OS-IMAGE'], r['KERNEL-VERSION']]), [
    ['node-1', 'Ready', '<none>', 'v1.32.0', '192.168.1.10', '<none>', osImage(), release()],
    ['node-2', 'Ready', '<none>', 'v1.32.0', '192.168.1.11', '<none>', osImage(), release()],
    ['node-3', 'Ready', '<none>', 'v1.32.0', '192.168.1.12', '<none>', osImage(), release()],
  ]);
  for (const r of table.rows) {
    assert.match(r.AGE, /^\d+[smh]/);
    assert.match(r['CONTAINER-RUNTIME'], /^[a-z]+:\/\/\d+\.\d+\.\d+$/);
  }
});

test('Node objects have addresses, the seeds\' podCIDRs, capacity, conditions and nodeInfo', async () => {
  const { items } = await c.kubectlJson<{ items: NodeJson[] }>(['get', 'nodes']);
  assert.deepEqual(items.map((n) => n.metadata.name), NODES);
  items.forEach((n, i) => {
    const ip = `192.168.1.${10 + i}`;
    const cidr = `10.244.${i + 1}.0/24`;
    assert.deepEqual(n.status.addresses, [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: n.metadata.name }]);
    assert.equal(n.spec.podCIDR, cidr);
    assert.deepEqual(n.spec.podCIDRs, [cidr]);
    assert.equal(n.metadata.labels['kubernetes.io/hostname'], n.metadata.name);
    assert.equal(n.metadata.labels['kubernetes.io/os'], 'linux');
    assert.equal(n.status.capacity.cpu, String(cpus().length));
    assert.match(n.status.capacity.memory, /^\d+Ki$/);
    assert.equal(n.status.capacity.pods, '110');
    assert.deepEqual(n.status.allocatable, n.status.capacity);
    assert.deepEqual(n.status.conditions.map((x) => [x.type, x.status, x.reason]), [
      ['MemoryPressure', 'False', 'KubeletHasSufficientMemory'],
      ['DiskPressure', 'False', 'KubeletHasNoDiskPressure'],
      ['PIDPressure', 'False', 'KubeletHasSufficientPID'],
      ['Ready', 'True', 'KubeletReady'],
    ]);
    assert.equal(ready(n)?.message, 'kubelet is posting ready status');
    assert.equal(n.status.nodeInfo.kubeletVersion, 'v1.32.0');
    assert.equal(n.status.nodeInfo.kernelVersion, release());
    assert.equal(n.status.nodeInfo.operatingSystem, 'linux');
    assert.equal(n.status.daemonEndpoints.kubeletEndpoint.Port, 10250);
    assert.equal((n.spec.taints ?? []).length, 0);
  });
  // kubectl describe shows the same through its own printer.
  const described = await c.kubectlOk(['describe', 'node', 'node-2']);
  assert.match(described, /^PodCIDR:\s+10\.244\.2\.0\/24$/m);
  assert.match(described, /^\s+InternalIP:\s+192\.168\.1\.11$/m);
  assert.match(described, /^\s+HolderIdentity:\s+node-2$/m);
});

test('each node renews its Lease in kube-node-lease', async () => {
  const leases = (await c.kubectlJson<{ items: LeaseJson[] }>(['get', 'leases', '-n', 'kube-node-lease'])).items;
  assert.deepEqual(leases.map((l) => l.metadata.name), NODES);
  const nodes = (await c.kubectlJson<{ items: NodeJson[] }>(['get', 'nodes'])).items;
  for (const l of leases) {
    assert.equal(l.spec.holderIdentity, l.metadata.name);
    // kubelet's nodeLeaseDurationSeconds: knit makes it the grace period (40 s unless shortened).
    assert.equal(l.spec.leaseDurationSeconds, GRACE_SECONDS);
    // Owned by its Node, so deleting the Node deletes the Lease.
    assert.deepEqual(l.metadata.ownerReferences?.map((o) => [o.kind, o.name, o.uid]), [['Node', l.metadata.name, nodes.find((n) => n.metadata.name === l.metadata.name)!.metadata.uid]]);
  }
  const first = Object.fromEntries(leases.map((l) => [l.metadata.name, l.spec.renewTime]));
  // kubelet renews at a quarter of the lease duration: within a generous bound every renewTime moves on.
  await waitFor('every Lease renewed', async () => (await c.kubectlJson<{ items: LeaseJson[] }>(['get', 'leases', '-n', 'kube-node-lease'])).items,
    (now) => now.every((l) => Date.parse(l.spec.renewTime) > Date.parse(first[l.metadata.name])), { timeoutMs: 60_000, intervalMs: 1000 });
});

test('a node whose agent stops goes NotReady, and Ready again when the agent returns', async () => {
  const pid = agentPid(c, 'node-3');
  assert.ok(pid, 'the node agent of node-3 runs');
  // SIGSTOP: the agent is there but posts nothing, as a hung or cut-off kubelet.
  process.kill(pid, 'SIGSTOP');
  try {
    const gone = await waitFor('node-3 NotReady', () => c.kubectlJson<NodeJson>(['get', 'node', 'node-3']), (n) => ready(n)?.status === 'Unknown', { timeoutMs: 60_000, intervalMs: 500 });
    assert.deepEqual([ready(gone)?.reason, ready(gone)?.message], ['NodeStatusUnknown', 'Kubelet stopped posting node status.']);
    assert.deepEqual(gone.status.conditions.map((x) => x.status), ['Unknown', 'Unknown', 'Unknown', 'Unknown']);
    const row = parseTable(await c.kubectlOk(['get', 'nodes'])).rows.find((r) => r.NAME === 'node-3');
    assert.equal(row?.STATUS, 'NotReady');
    const tainted = await waitFor('node-3 tainted unreachable', () => c.kubectlJson<NodeJson>(['get', 'node', 'node-3']),
      (n) => (n.spec.taints ?? []).filter((t) => t.key === 'node.kubernetes.io/unreachable').length === 2);
    assert.deepEqual((tainted.spec.taints ?? []).map((t) => t.effect).sort(), ['NoExecute', 'NoSchedule']);
    // The other nodes stay Ready.
    for (const n of ['node-1', 'node-2']) assert.equal(ready(await c.kubectlJson<NodeJson>(['get', 'node', n]))?.status, 'True');
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  const back = await waitFor('node-3 Ready again', () => c.kubectlJson<NodeJson>(['get', 'node', 'node-3']),
    (n) => ready(n)?.status === 'True' && !(n.spec.taints ?? []).length, { timeoutMs: 60_000, intervalMs: 500 });
  assert.equal(ready(back)?.reason, 'KubeletReady');
  assert.equal(parseTable(await c.kubectlOk(['get', 'nodes'])).rows.find((r) => r.NAME === 'node-3')?.STATUS, 'Ready');
});

test('knit node exec runs in the node\'s namespace and names the nodes when asked for another', async () => {
  const out = await nodeExec(c, 'node-2', ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /inet 192\.168\.1\.11\/24 /);
  assert.equal((await nodeExec(c, 'node-2', ['sh', '-c', 'exit 7'])).code, 7);
  const bad = await nodeExec(c, 'node-9', ['true']);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr, `knit: no node "node-9" in cluster "${c.name}"; its nodes are node-1, node-2, node-3\n`);
});
