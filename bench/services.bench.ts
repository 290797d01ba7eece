// How fast a real knit cluster (3 nodes, knit up) reacts, in both kube-proxy modes:
//   - Service created -> first successful connection to its ClusterIP (from node-1's namespace,
//     which starts a fresh connect every millisecond until one succeeds);
//   - pod deleted -> its endpoint gone from every node's rules: the commit that deletes the DNAT
//     to it, as `nft monitor rules` reports it in each node's namespace (iptables-nft rules are
//     nftables rules too).
// p50 and p99 are printed beside the seeds' figures for upstream (about 40 ms and 350 ms) and
// knit's goals (under 10 ms and under 50 ms), and as a ratio to a reference measured in the same
// run: an API write seen by a watch (ConfigMap created -> ADDED event), the floor of both paths.
// Run (root): node --import tsx bench/services.bench.ts [iterations]   (default 30)

import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { KubeObject } from '../src/kube/types.js';
import { ApiClient } from '../src/client/client.js';
import { loadKubeconfig } from '../src/client/config.js';
import { R } from '../src/client/resources.js';
import { iptablesSave, nft } from '../src/platform/index.js';
import { startCluster, type Cluster } from '../test/e2e/lib/cluster.js';
import { mentions, readyPods, rollout, sha256Base32 } from '../test/e2e/lib/services.js';
import { sleep, waitFor } from '../test/e2e/lib/wait.js';
import { NftMonitors, now } from './lib/nft-monitor.js';

type Mode = 'iptables' | 'nftables';
const NODES = ['node-1', 'node-2', 'node-3'];
const progress = (line: string) => process.stderr.write(`${line}\n`);
// Interrupted: exit normally so that the harness ends the cluster (by pid) and removes its files.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

// Inside node-1's namespace: on {host, port}, starts a connect every millisecond (each given up
// after 50 ms) and answers with the wall-clock time of the first that succeeds.
const CONNECT_AGENT = `
const net = require('net');
const now = () => performance.timeOrigin + performance.now();
require('readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const { host, port } = JSON.parse(line);
  let done = false;
  const sockets = new Set();
  const attempt = () => {
    if (done) return;
    const s = net.connect({ host, port });
    sockets.add(s);
    const t = setTimeout(() => s.destroy(), 50);
    s.on('connect', () => {
      if (!done) { done = true; console.log(JSON.stringify({ at: now() })); clearInterval(timer); for (const o of sockets) o.destroy(); }
    });
    s.on('error', () => {});
    s.on('close', () => { clearTimeout(t); sockets.delete(s); });
  };
  const timer = setInterval(attempt, 1);
  attempt();
});
console.log('ready');`;

class ConnectAgent {
  private readonly child: ChildProcessByStdio<Writable, Readable, null>;
  private readonly lines: AsyncIterator<string>;

  constructor(netns: string) {
    this.child = spawn('ip', ['netns', 'exec', netns, process.execPath, '-e', CONNECT_AGENT], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.lines = createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
  }

  async ready(): Promise<void> {
    if ((await this.lines.next()).value !== 'ready') throw new Error('the connect agent did not start');
  }

  /** Wall-clock time of the first successful connection to host:port. */
  async firstConnect(host: string, port: number, started: (agentAsked: number) => Promise<void>): Promise<number> {
    this.child.stdin.write(JSON.stringify({ host, port }) + '\n');
    await started(now());
    const line = await this.lines.next();
    if (line.done) throw new Error('the connect agent exited');
    return (JSON.parse(line.value) as { at: number }).at;
  }

  stop(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

async function rulesOf(netns: string, mode: Mode): Promise<string> {
  return mode === 'iptables' ? iptablesSave(netns, 'nat') : nft('list table ip kube-proxy', netns).catch(() => '');
}

/** A rule sends traffic to the pod: a DNAT to ip (flushed nftables chains named after it may linger a second). */
const dnatTo = (rules: string, ip: string): boolean => rules.includes(`--to-destination ${ip}:`) || rules.includes(`dnat to ${ip}:`);

/** Polls every node's rules without pause; resolves with the wall-clock time each first satisfied until. */
async function watchRules(c: Cluster, mode: Mode, what: string, until: (rules: string) => boolean): Promise<number[]> {
  const deadline = now() + 60_000;
  return Promise.all(NODES.map(async (node) => {
    for (;;) {
      const rules = await rulesOf(`knit-${c.name}-${node}`, mode);
      const at = now();
      if (until(rules)) return at;
      if (at > deadline) throw new Error(`${node}: no ${what} after 60 s`);
    }
  }));
}

/** API create -> watch ADDED, the floor of every path measured here. */
async function apiReference(api: ApiClient, iterations: number): Promise<number[]> {
  const seen = new Map<string, number>();
  const watch = api.watch(R.configmaps, 'default', {}, (type, obj) => {
    if (type === 'ADDED') seen.set(obj.metadata.name!, now());
  });
  const out: number[] = [];
  try {
    await sleep(300);
    for (let i = 0; i < iterations; i++) {
      const name = `bench-ref-${i}`;
      const t0 = now();
      await api.create(R.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } } as KubeObject);
      await waitFor(`the watch to see ${name}`, () => seen.get(name), (t) => t !== undefined, { intervalMs: 1 });
      out.push(seen.get(name)! - t0);
      await api.delete(R.configmaps, 'default', name);
    }
  } finally {
    watch.stop();
  }
  return out;
}

async function serviceToConnection(c: Cluster, api: ApiClient, agent: ConnectAgent, mode: Mode, iterations: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const clusterIP = `10.100.200.${10 + i}`;
    let t0 = 0;
    const at = await agent.firstConnect(clusterIP, 80, async () => {
      t0 = now();
      await api.create(R.services, 'default', {
        apiVersion: 'v1', kind: 'Service', metadata: { name: `bench-${i}` },
        spec: { clusterIP, selector: { app: 'bench' }, ports: [{ port: 80, targetPort: 8080 }] },
      } as KubeObject);
    });
    out.push(at - t0);
    await api.delete(R.services, 'default', `bench-${i}`);
    await watchRules(c, mode, `removal of ${clusterIP}`, (rules) => !mentions(rules, clusterIP));
    await sleep(500);
  }
  return out;
}

/** The chain holding the DNAT to one endpoint of default/bench (port 8080), as both modes name it. */
const endpointChain = (mode: Mode, ip: string): string =>
  mode === 'iptables' ? `KUBE-SEP-${sha256Base32(`default/benchtcp${ip}:8080`).slice(0, 16)} ` : `__${ip}/8080 `;

async function podToGone(c: Cluster, api: ApiClient, monitors: NftMonitors, mode: Mode, iterations: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const pods = await readyPods(c, 'app=bench', 3);
    await watchRules(c, mode, 'rules for every bench pod', (rules) => pods.every((p) => dnatTo(rules, p.ip)));
    await sleep(500);
    const victim = pods[i % pods.length];
    // The transaction that deletes the DNAT rule to the victim also drops it from the Service's balancing.
    const chain = endpointChain(mode, victim.ip);
    const gone = monitors.firstOnEveryNode((_node, line) => line.includes('delete rule ') && line.includes(chain));
    const t0 = now();
    await api.delete(R.pods, 'default', victim.name);
    out.push(Math.max(...(await gone)) - t0);
  }
  return out;
}

const BACKEND = {
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'bench' },
  spec: {
    replicas: 3, selector: { matchLabels: { app: 'bench' } },
    template: {
      metadata: { labels: { app: 'bench' } },
      spec: { containers: [{ name: 'netexec', image: 'registry.k8s.io/e2e-test-images/agnhost:2.47', args: ['netexec', '--http-port=8080'] }] },
    },
  },
};

interface Row { mode: Mode; what: string; values: number[]; seeds: string; goal: string }

async function measure(mode: Mode, iterations: number): Promise<{ rows: Row[]; reference: number[] }> {
  const c = await startCluster({ nodes: 3, prefix: 't12-bench-', extraArgs: mode === 'nftables' ? ['--proxy-mode', 'nftables'] : [] });
  const api = new ApiClient(loadKubeconfig(c.kubeconfig));
  const agent = new ConnectAgent(`knit-${c.name}-node-1`);
  try {
    await agent.ready();
    await api.create(R.deployments, 'default', BACKEND as KubeObject);
    await rollout(c, 'deployment/bench');
    const reference = await apiReference(api, iterations);
    progress(`${mode}: API reference done`);
    const created = await serviceToConnection(c, api, agent, mode, iterations);
    progress(`${mode}: Service creation done`);
    await api.create(R.services, 'default', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'bench' }, spec: { selector: { app: 'bench' }, ports: [{ port: 80, targetPort: 8080 }] },
    } as KubeObject);
    const monitors = new NftMonitors(c, NODES, 'rules');
    let deleted: number[];
    try {
      await sleep(500);
      deleted = await podToGone(c, api, monitors, mode, iterations);
    } finally {
      monitors.stop();
    }
    return {
      reference,
      rows: [
        { mode, what: 'Service created -> first connection', values: created, seeds: '~40 ms', goal: '< 10 ms' },
        { mode, what: 'pod deleted -> gone from every node', values: deleted, seeds: '~350 ms', goal: '< 50 ms' },
      ],
    };
  } finally {
    agent.stop();
    api.close();
    await c.down();
  }
}

async function main(): Promise<void> {
  const iterations = Number(process.argv[2] ?? 30);
  const ms = (v: number) => `${v.toFixed(1)} ms`.padStart(9);
  console.log(`${iterations} iterations per figure; reference = API create -> watch event in the same cluster\n`);
  console.log('mode      what                                        p50       p99   p50/ref   seeds (upstream)   goal');
  for (const mode of ['iptables', 'nftables'] as const) {
    const { rows, reference } = await measure(mode, iterations);
    const ref = percentile(reference, 50);
    console.log(`${mode.padEnd(9)} ${'reference: API create -> watch event'.padEnd(40)} ${ms(ref)} ${ms(percentile(reference, 99))}`);
    for (const r of rows) {
      console.log(`${r.mode.padEnd(9)} ${r.what.padEnd(40)} ${ms(percentile(r.values, 50))} ${ms(percentile(r.values, 99))} ${(percentile(r.values, 50) / ref).toFixed(1).padStart(8)}   ${r.seeds.padEnd(18)} ${r.goal}`);
    }
  }
}

await main();
