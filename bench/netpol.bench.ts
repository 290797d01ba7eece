// NetworkPolicy's costs, in two parts.
//
// 1. A node built of network namespaces (root; built and removed here), two pods on its bridge as
//    on a knit node, 1,000 more pods elsewhere in the cluster model, and N in {0, 100, 1000}
//    policies that all select both pods (ingress on the server, egress on the client, each from or
//    to pods of its own label, one of them the other pod). Per N, as ratios to the same node with
//    no policy table at all, measured in the same run:
//      - the median TCP connect time from one pod to the other (the first packet of a connection
//        is the one the policy judges);
//      - requests per second, one connection per request, 8 at a time.
//    Then the policy component's sync loop at 1,000 policies and 1,000 pods: a policy added, a
//    pod's label changed, each until the kernel holds it (p50 and p99).
// 2. A real 3-node cluster (knit up): a policy created with kubectl's API -> every node's kernel
//    holds it (`nft monitor` in each node's namespace reports the commit), p50 and p99, beside
//    the floor of any such path measured in the same cluster: an API create seen by a watch.
//
// Run (root): node --import tsx bench/netpol.bench.ts [iterations]   (default 30)

import { ApiClient } from '../src/client/client.js';
import { loadKubeconfig } from '../src/client/config.js';
import { R } from '../src/client/resources.js';
import { createLogger } from '../src/common/klog.js';
import type { KubeObject, NetworkPolicy, Pod } from '../src/kube/types.js';
import { PolicyEnforcer } from '../src/netpol/enforcer.js';
import { createPolicyKernel } from '../src/netpol/kernel.js';
import { computeNodePolicy, type PolicyInputs } from '../src/netpol/model.js';
import { CLEANUP, renderFull } from '../src/netpol/nft.js';
import { renderObjects } from '../src/netpol/render.js';
import { namespace, pod, policy } from '../src/netpol/testing.js';
import { nft } from '../src/platform/index.js';
import { buildTopology, Probe, TCP_PORT, type Topology } from '../src/platform/testing/topology.js';
import { startCluster } from '../test/e2e/lib/cluster.js';
import { NftMonitors, now } from './lib/nft-monitor.js';
import { applyAll } from '../test/e2e/lib/netpol.js';
import { readyPods } from '../test/e2e/lib/cluster-node.js';
import { sleep, waitFor } from '../test/e2e/lib/wait.js';

const CONNECTS = 300;
const LOAD_MS = 1000;
/** Rounds of (with the policies, without) per row. */
const ROUNDS = 5;
const LOAD_CONCURRENCY = 8;
const PEERS = 1000;
const progress = (line: string) => process.stderr.write(`${line}\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

/** The cluster as the policy component would see it: the two pods of the node, and PEERS elsewhere. */
function inputs(topo: Topology, policies: number): PolicyInputs {
  const pods: Pod[] = [
    pod('bench/client', { ip: topo.pods[0].ip, labels: { role: 'client', peer: 'p0' } }),
    pod('bench/server', { ip: topo.pods[1].ip, labels: { role: 'server', peer: 'p0' }, ports: [{ name: 'http', port: TCP_PORT }] }),
  ];
  for (let i = 0; i < PEERS; i++) {
    pods.push(pod(`bench/peer-${i}`, { node: `node-${2 + (i % 3)}`, ip: `10.244.${2 + (i >> 8)}.${i & 255}`, labels: { peer: `p${i}` } }));
  }
  const list: NetworkPolicy[] = [];
  for (let i = 0; i < policies; i++) {
    list.push(policy(`bench/policy-${i}`, {
      podSelector: { matchExpressions: [{ key: 'role', operator: 'Exists' }] },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { peer: `p${i}` } } }], ports: [{ protocol: 'TCP', port: TCP_PORT }] }],
      egress: [{ to: [{ podSelector: { matchLabels: { peer: `p${i}` } } }], ports: [{ protocol: 'TCP', port: 'http' }] }],
    }));
  }
  return { nodeName: 'node-1', pods, namespaces: [namespace('bench')], policies: list };
}

interface Traffic { connectUs: number; rps: number }

async function traffic(topo: Topology, client: Probe): Promise<Traffic> {
  const server = topo.pods[1].ip;
  const times = await client.connectTimes(server, TCP_PORT, CONNECTS);
  if (!times.ok) throw new Error(`connects failed: ${times.code}`);
  const load = await client.load(server, TCP_PORT, LOAD_MS, LOAD_CONCURRENCY);
  if (!load.ok) throw new Error(`requests failed: ${load.code}`);
  return { connectUs: percentile(times.times!, 50), rps: (load.count! * 1000) / LOAD_MS };
}

async function perPacket(): Promise<void> {
  const topo = await buildTopology('knp-bench', 2, { bridgeNetfilter: true });
  const kernel = createPolicyKernel(topo.nodeNs);
  const client = await Probe.start('knp-bench-pod1');
  try {
    console.log(`part 1: two pods on one node; connects: median of ${CONNECTS}; requests: one connection each, ${LOAD_CONCURRENCY} at a time for ${LOAD_MS / 1000} s`);
    console.log(`each row against the same node without a policy table, alternating ${ROUNDS} times; medians`);
    // A knit node tracks connections anyway (kube-proxy's NAT); so does the reference here, so
    // that the ratio is what the policy rules add, not the cost of turning conntrack on.
    await nft('table inet knp-bench-conntrack {\n chain prerouting {\n type filter hook prerouting priority 0;\n ct state new counter\n }\n}\n', topo.nodeNs);
    console.log('policies selecting both pods   connect  reference  ratio   requests/s  reference  ratio');
    await traffic(topo, client); // warm-up: ARP, caches, the probe's code
    for (const n of [0, 100, 1000]) {
      const table = renderFull(renderObjects(computeNodePolicy(inputs(topo, n))));
      const rounds: { t: Traffic; ref: Traffic }[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        await kernel.apply(table);
        const t = await traffic(topo, client);
        await kernel.apply(CLEANUP);
        rounds.push({ t, ref: await traffic(topo, client) });
      }
      const med = (f: (x: { t: Traffic; ref: Traffic }) => number) => percentile(rounds.map(f), 50);
      const us = (v: number) => `${v.toFixed(0)} µs`.padStart(8);
      console.log(`${String(n).padEnd(30)} ${us(med((x) => x.t.connectUs))} ${us(med((x) => x.ref.connectUs)).padStart(10)} ${med((x) => x.t.connectUs / x.ref.connectUs).toFixed(2).padStart(6)} ${med((x) => x.t.rps).toFixed(0).padStart(12)} ${med((x) => x.ref.rps).toFixed(0).padStart(10)} ${med((x) => x.t.rps / x.ref.rps).toFixed(2).padStart(6)}`);
    }

    // The sync loop at 1,000 policies and 1,000 pods: each change until the kernel holds it.
    const state = inputs(topo, 1000);
    const enforcer = new PolicyEnforcer({ kernel, log: createLogger('bench', () => undefined), inputs: () => state });
    enforcer.start();
    enforcer.setInitialized();
    await enforcer.syncNow();
    const added: number[] = [];
    const relabelled: number[] = [];
    for (let i = 0; i < 30; i++) {
      state.policies = [...state.policies, policy(`bench/extra-${i}`, { podSelector: { matchLabels: { role: 'server' } }, ingress: [{ from: [{ podSelector: { matchLabels: { peer: `p${i}` } } }] }] })];
      let t0 = performance.now();
      await enforcer.syncNow();
      added.push(performance.now() - t0);
      const peer = state.pods[2 + i];
      state.pods = state.pods.map((p) => (p === peer ? { ...p, metadata: { ...p.metadata, labels: { peer: `p${(i + 1) % PEERS}` } } } : p));
      t0 = performance.now();
      await enforcer.syncNow();
      relabelled.push(performance.now() - t0);
    }
    await enforcer.stop();
    if (enforcer.status.failures) throw new Error(`${enforcer.status.failures} syncs failed`);
    const ms = (v: number) => `${v.toFixed(1)} ms`.padStart(9);
    console.log('\none change at 1,000 policies and 1,000 pods, until the kernel holds it (30 each)   p50       p99');
    console.log(`  a policy added                                                              ${ms(percentile(added, 50))} ${ms(percentile(added, 99))}`);
    console.log(`  a peer pod's label changed                                                  ${ms(percentile(relabelled, 50))} ${ms(percentile(relabelled, 99))}`);
  } finally {
    client.stop();
    await kernel.apply(CLEANUP).catch(() => undefined);
    await topo.destroy();
  }
}

async function inCluster(iterations: number): Promise<void> {
  const c = await startCluster({ nodes: 3, prefix: 't20-bench-' });
  const api = new ApiClient(loadKubeconfig(c.kubeconfig));
  const nodes = ['node-1', 'node-2', 'node-3'];
  let monitors: NftMonitors | undefined;
  try {
    await applyAll(c, [namespace('bench'), ...nodes.map((node, i) => ({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${i}`, namespace: 'bench', labels: { app: 'bench' } },
      spec: { nodeName: node, containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.9' }] },
    }))]);
    const ips = new Map((await readyPods(c, 'app=bench', 3, 'bench')).map((p) => [p.spec.nodeName!, p.status.podIP!]));

    // Reference: an API create seen by a watch.
    const seen = new Map<string, number>();
    const watch = api.watch(R.configmaps, 'bench', {}, (type, obj) => { if (type === 'ADDED') seen.set(obj.metadata.name!, now()); });
    const reference: number[] = [];
    try {
      await sleep(300);
      for (let i = 0; i < iterations; i++) {
        const t0 = now();
        await api.create(R.configmaps, 'bench', { metadata: { name: `ref-${i}` } } as KubeObject);
        await waitFor('the watch event', () => seen.get(`ref-${i}`), (t) => t !== undefined, { intervalMs: 1 });
        reference.push(seen.get(`ref-${i}`)! - t0);
      }
    } finally {
      watch.stop();
    }
    progress('part 2: API reference done');

    monitors = new NftMonitors(c, nodes, 'elements');
    await sleep(300);
    const enforced: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const isolated = monitors.firstOnEveryNode((node, line) => line.startsWith('add element inet knit-netpol ingress-pods') && line.includes(`${ips.get(node)} : goto`));
      const t0 = now();
      await api.create(R.networkpolicies, 'bench', { metadata: { name: 'deny-all' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } } as KubeObject);
      enforced.push(Math.max(...(await isolated)) - t0);
      const released = monitors.firstOnEveryNode((node, line) => line.startsWith('delete element inet knit-netpol ingress-pods') && line.includes(ips.get(node)!));
      await api.delete(R.networkpolicies, 'bench', 'deny-all');
      await released;
      await sleep(100);
    }
    const ms = (v: number) => `${v.toFixed(1)} ms`.padStart(9);
    const ref = percentile(reference, 50);
    console.log(`\npart 2: a 3-node cluster, ${iterations} iterations        p50       p99   p50/ref`);
    console.log(`  reference: API create -> watch event       ${ms(ref)} ${ms(percentile(reference, 99))}`);
    console.log(`  policy created -> enforced on every node   ${ms(percentile(enforced, 50))} ${ms(percentile(enforced, 99))} ${(percentile(enforced, 50) / ref).toFixed(1).padStart(8)}   (goal: p99 < 50 ms)`);
  } finally {
    monitors?.stop();
    api.close();
    await c.down();
  }
}

const iterations = Number(process.argv[2] ?? 30);
await perPacket();
await inCluster(iterations);
