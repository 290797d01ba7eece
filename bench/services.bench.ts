// How fast a real knit cluster (3 nodes, knit up) reacts, in both kube-proxy modes:
//   - Service created -> first successful connection to its ClusterIP (from node-1's namespace,
//     which starts a fresh connect every millisecond until one succeeds);
//   - pod deleted -> its endpoint gone from every node's rules (iptables-save / the nftables
//     table of each node, polled without pause).
// p50 and p99 are printed beside the seeds' figures for upstream (about 40 ms and 350 ms) and
// knit's goals (under 10 ms and under 50 ms), and as a ratio to a reference measured in the same
// run: an API write seen by a watch (ConfigMap created -> ADDED event), the floor of both paths.
// Run (root): node --import tsx bench/services.bench.ts [iterations]   (default 30)

import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { KubeObject } from '../src/api/types.js';
import { ApiClient } from '../src/client/client.js';
import { loadKubeconfig } from '../src/client/config.js';
import { R } from '../src/client/resources.js';
import { iptablesSave, nft } from '../src/platform/index.js';
import { startCluster, type Cluster } from '../test/e2e/lib/cluster.js';
import { readyPods, rollout } from '../test/e2e/lib/services.js';
import { sleep, waitFor } from '../test/e2e/lib/wait.js';

type Mode = 'iptables' | 'nftables';
const NODES = ['node-1', 'node-2', 'node-3'];
/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes. */
const now = (): number => performance.timeOrigin + performance.now();

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

const mentions = (rules: string, ip: string): boolean => new RegExp(`(^|[^\\d.])${ip.replace(/\./g, '\\.')}([^\\d]|$)`, 'm').test(rules);

/** Polls every node's rules without pause; resolves with the wall-clock time each first satisfied until. */
async function watchRules(c: Cluster, mode: Mode, until: (rules: string) => boolean): Promise<number[]> {
  return Promise.all(NODES.map(async (node) => {
    for (;;) {
      const rules = await rulesOf(`knit-${c.name}-${node}`, mode);
      const at = now();
      if (until(rules)) return at;
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
    await watchRules(c, mode, (rules) => !mentions(rules, clusterIP));
    await sleep(500);
  }
  return out;
}

async function podToGone(c: Cluster, api: ApiClient, mode: Mode, iterations: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const pods = await readyPods(c, 'app=bench', 3);
    await watchRules(c, mode, (rules) => pods.every((p) => mentions(rules, p.ip)));
    await sleep(500);
    const victim = pods[i % pods.length];
    const gone = watchRules(c, mode, (rules) => !mentions(rules, victim.ip));
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
    const created = await serviceToConnection(c, api, agent, mode, iterations);
    const deleted = await podToGone(c, api, mode, iterations);
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
