// kube-proxy at scale, both modes: for 100, 1,000 and 10,000 Services (one endpoint each) in a
// network namespace this benchmark builds and removes, it measures
//   - a full sync (every rule written, by a fresh kube-proxy on a namespace without its rules),
//   - a sync after one Service's endpoints change (both the median of SYNC_SAMPLES runs),
//   - the first-packet latency (TCP connect) to the last Service, as a ratio to the latency of a
//     connect straight to the pod IP measured in the same run before any rule is installed;
//   - the same ratio for a connect straight to the pod IP with the rules installed (in iptables
//     mode every new connection through the node walks KUBE-SERVICES, Service or not).
// Run: node --import tsx bench/proxy.bench.ts [counts...]   (root; default counts 100 1000 10000)

import { type Proxier, cleanupProxyRules, createProxier } from '../src/proxy/index.js';
import { createKernel } from '../src/proxy/kernel.js';
import type { ProxyMode } from '../src/proxy/types.js';
import { ep, makeService, makeSlice } from '../src/proxy/testing/fixtures.js';
import { NODE_IP, type Probe, TCP_PORT, type Topology, buildTopology } from '../src/platform/testing/topology.js';

const NODE = 'kpt-bench-node';
const CONNECTS = 300;
/** Runs per sync figure; the median is printed. */
const SYNC_SAMPLES = 5;

const clusterIP = (i: number): string => `10.${96 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
const name = (i: number): string => `svc-${String(i).padStart(5, '0')}`;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function connectMedian(probe: Probe, host: string, port: number): Promise<number> {
  const r = await probe.connectTimes(host, port, CONNECTS);
  if (!r.ok) throw new Error(`connect to ${host}:${port} failed: ${r.code}`);
  return median(r.times!);
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

interface Row {
  mode: ProxyMode;
  services: number;
  fullSyncMs: number;
  oneChangeMs: number;
  /** Reference: connect to the pod IP with no kube-proxy rule installed. */
  baselineUs: number;
  serviceConnectUs: number;
  podConnectUs: number;
}

interface SyncTimes {
  fullSyncMs: number;
  oneChangeMs: number;
  /** Connect medians with the rules installed; measured when asked. */
  serviceConnectUs?: number;
  podConnectUs?: number;
}

/** A fresh kube-proxy with count Services: its first (full) sync, then a sync after one Service's endpoints change. */
async function syncOnce(topo: Topology, mode: ProxyMode, count: number, connects: boolean): Promise<SyncTimes> {
  const podIP = topo.pods[0].ip;
  let proxier: Proxier | undefined;
  try {
    proxier = await createProxier({
      mode, nodeName: NODE, nodeIPs: [NODE_IP], clusterCIDR: '10.244.0.0/16', serviceCIDRs: ['10.96.0.0/12'], netns: topo.nodeNs,
      minSyncPeriodMs: 0, healthzBindAddress: '', healthCheckBindAddress: '', log: () => {},
    });
    for (let i = 1; i <= count; i++) {
      proxier.onServiceAdd(makeService('bench', name(i), { clusterIP: clusterIP(i), ports: [{ port: 80 }] }));
      proxier.onEndpointSliceAdd(makeSlice('bench', name(i), 'a', [ep(podIP, NODE)], [{ port: TCP_PORT }]));
    }
    proxier.setInitialized();
    const p = proxier;
    const fullSyncMs = await timed(() => p.sync());

    const changed = Math.ceil(count / 2);
    p.onEndpointSliceUpdate(makeSlice('bench', name(changed), 'a', [ep(podIP, NODE), ep('10.244.1.250', 'elsewhere')], [{ port: TCP_PORT }]));
    const oneChangeMs = await timed(() => p.sync());
    if (!connects) return { fullSyncMs, oneChangeMs };

    const serviceConnectUs = await connectMedian(topo.client, clusterIP(count), 80);
    const podConnectUs = await connectMedian(topo.client, podIP, TCP_PORT);
    return { fullSyncMs, oneChangeMs, serviceConnectUs, podConnectUs };
  } finally {
    await proxier?.stop();
    await cleanupProxyRules(mode, createKernel(topo.nodeNs));
  }
}

async function measure(topo: Topology, mode: ProxyMode, count: number): Promise<Row> {
  const baselineUs = await connectMedian(topo.client, topo.pods[0].ip, TCP_PORT);
  const runs: SyncTimes[] = [];
  // The connects once, in the last run: each is already the median of CONNECTS connections.
  for (let i = 0; i < SYNC_SAMPLES; i++) runs.push(await syncOnce(topo, mode, count, i === SYNC_SAMPLES - 1));
  const last = runs[runs.length - 1];
  return {
    mode, services: count, baselineUs,
    fullSyncMs: median(runs.map((r) => r.fullSyncMs)),
    oneChangeMs: median(runs.map((r) => r.oneChangeMs)),
    serviceConnectUs: last.serviceConnectUs!,
    podConnectUs: last.podConnectUs!,
  };
}

async function main(): Promise<void> {
  const counts = process.argv.slice(2).map(Number).filter((n) => n > 0);
  const topo = await buildTopology('kpt-bench', 1);
  try {
    console.log(`sync times: median of ${SYNC_SAMPLES} runs each; connects: median of ${CONNECTS} each`);
    console.log('mode      services  full sync  one-Service sync  reference connect  last Service / reference  pod IP with rules / reference');
    for (const count of counts.length ? counts : [100, 1000, 10000]) {
      for (const mode of ['iptables', 'nftables'] as const) {
        const r = await measure(topo, mode, count);
        console.log([
          r.mode.padEnd(8),
          String(r.services).padStart(9),
          `${r.fullSyncMs.toFixed(0)} ms`.padStart(10),
          `${r.oneChangeMs.toFixed(0)} ms`.padStart(17),
          `${r.baselineUs.toFixed(0)} µs`.padStart(18),
          (r.serviceConnectUs / r.baselineUs).toFixed(2).padStart(25),
          (r.podConnectUs / r.baselineUs).toFixed(2).padStart(30),
        ].join(' '));
      }
    }
  } finally {
    await topo.destroy();
  }
}

await main();
