// Cluster benchmark: how fast a knit cluster comes up and runs pods, and what it holds in memory.
//
//   node --import tsx bench/cluster.bench.ts [--rounds 3] [--pods 100]   (as root, after a build)
//
// 1. `knit up -d` of a fresh 3-node cluster until it returns with every node Ready (it waits
//    for each node's agent to report Ready itself).
// 2. `kubectl apply` of a 3-replica Deployment until all its pods are Ready (seen by a watch).
// 3. 100 pods created at once: each pod's time from its creation to Ready.
// 4. The resident memory of an idle 3-node cluster (only its system pods: kube-proxy on each
//    node, two DNS replicas): the sum of RSS of every process of the cluster, grouped by role,
//    with PSS (shared pages divided among their users) beside it.
// References measured in this run: starting 5 bare Node.js processes at once (the floor under
// the five processes a cluster start waits for) and one bare Node.js process' RSS. The anchor is
// kind's published start-up time: a `kind create cluster` takes tens of seconds (20-60 s).

import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, freePort } from '../test/e2e/lib/cluster.js';
import { waitFor } from '../test/e2e/lib/wait.js';
import { ApiServerClient } from './lib/apiserver.js';
import { numberArg } from './lib/kvbench.js';

const ROUNDS = numberArg('rounds', 3);
const PODS = numberArg('pods', 100);
const KIND_SECONDS = '20-60';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];
const ms = (x: number) => `${Math.round(x)} ms`;
const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;

interface PodObject {
  metadata: { name: string; uid: string; creationTimestamp?: string; labels?: Record<string, string> };
  status?: { conditions?: { type: string; status: string }[] };
}
const isReady = (p: PodObject) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** The reference for start-up: 5 bare Node.js processes started at once, until all have exited. */
async function bareNodeStarts(n: number): Promise<number> {
  const t0 = performance.now();
  await Promise.all(Array.from({ length: n }, () => new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', () => resolve());
  })));
  return performance.now() - t0;
}

/** The reference for memory: one bare Node.js process' RSS (kB). */
async function bareNodeRss(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 5000)'], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 1000));
    return memoryOf(child.pid!).rss;
  } finally {
    child.kill('SIGKILL');
  }
}

async function newCluster(): Promise<Cluster> {
  const home = await mkdtemp(join(tmpdir(), 'bench-home-'));
  await mkdir(join(home, 'tmp'));
  return new Cluster(`bench-${randomBytes(4).toString('hex')}`, await freePort(), home, { nodes: 3, prefix: 'bench-' });
}

/** `knit up -d`: it returns once every node's agent has reported the node Ready. */
async function timeUp(c: Cluster): Promise<number> {
  const t0 = performance.now();
  const r = await c.knit(['up', '-d', '--nodes', '3', '--port', String(c.port)]);
  const elapsed = performance.now() - t0;
  if (r.code !== 0) throw new Error(`knit up failed: ${r.stdout}${r.stderr}`);
  const nodes = await c.kubectlJson<{ items: { status: { conditions: { type: string; status: string }[] } }[] }>(['get', 'nodes']);
  const ready = nodes.items.filter((n) => n.status.conditions.some((x) => x.type === 'Ready' && x.status === 'True')).length;
  if (ready !== 3) throw new Error(`knit up returned with ${ready} Ready nodes`);
  return elapsed;
}

/**
 * Creates objects and follows pods matching `selector` until `count` of them are Ready; returns
 * for each pod the time from the start to its Ready, as a watch saw it.
 */
async function timePodsReady(api: ApiServerClient, selector: string, count: number, create: () => Promise<void>): Promise<number[]> {
  const list = await api.call<{ metadata: { resourceVersion: string } }>('GET', `/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent(selector)}`);
  const readyAt = new Map<string, number>();
  let t0 = 0;
  let done: () => void = () => undefined;
  const all = new Promise<void>((resolve) => { done = resolve; });
  const watch = api.watch(`/api/v1/namespaces/default/pods?watch=true&labelSelector=${encodeURIComponent(selector)}&resourceVersion=${list.metadata.resourceVersion}`, (e) => {
    const pod = e.object as PodObject;
    if (e.type !== 'DELETED' && isReady(pod) && !readyAt.has(pod.metadata.uid)) {
      readyAt.set(pod.metadata.uid, performance.now() - t0);
      if (readyAt.size >= count) done();
    }
  });
  try {
    await watch.ready;
    t0 = performance.now();
    await create();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`only ${readyAt.size}/${count} pods Ready after 600 s`)), 600_000); })]);
    clearTimeout(timer);
    return [...readyAt.values()];
  } finally {
    watch.stop();
  }
}

function deployment(name: string): object {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
    spec: { replicas: 3, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } } },
  };
}

function sleeper(i: number): object {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: `many-${String(i).padStart(3, '0')}`, labels: { app: 'many' } },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'sleep', image: 'busybox', command: ['sleep', '3600'] }] },
  };
}

// ---- memory ----

function memoryOf(pid: number): { rss: number; pss: number } {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
    return { rss: field('Rss'), pss: field('Pss') };
  } catch {
    return { rss: 0, pss: 0 };
  }
}

/** Every process below `root`, the root included. */
function processTree(root: number): number[] {
  const out = [root];
  for (let i = 0; i < out.length; i++) {
    let tasks: string[] = [];
    try { tasks = readdirSync(`/proc/${out[i]}/task`); } catch { continue; }
    for (const t of tasks) {
      try {
        for (const child of readFileSync(`/proc/${out[i]}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) out.push(Number(child));
      } catch { /* gone */ }
    }
  }
  return out;
}

/** A process' role in the cluster, from its command line. */
function role(pid: number, root: number): string {
  if (pid === root) return 'control plane (knit up)';
  let argv = '';
  try { argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '); } catch { return 'gone'; }
  if (argv.includes('netns-broker-child')) return 'netns broker';
  if (argv.includes('/node/agent/main.js')) return 'node agents';
  if (argv.includes('/node/runtime/shim/main.js')) return 'pod shims';
  if (argv.includes('/proxy/main.js')) return 'kube-proxy';
  if (argv.includes('/dns/main.js')) return 'DNS';
  return `other: ${argv.trim().split(' ')[0]}`;
}

function clusterMemory(root: number): Map<string, { n: number; rss: number; pss: number }> {
  const groups = new Map<string, { n: number; rss: number; pss: number }>();
  for (const pid of processTree(root)) {
    const m = memoryOf(pid);
    const g = groups.get(role(pid, root)) ?? { n: 0, rss: 0, pss: 0 };
    groups.set(role(pid, root), { n: g.n + 1, rss: g.rss + m.rss, pss: g.pss + m.pss });
  }
  return groups;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the cluster benchmark builds network namespaces: run it as root');
  console.log(`Cluster benchmark: ${ROUNDS} fresh 3-node clusters, ${PODS} pods; kind's published start-up: ${KIND_SECONDS} s`);
  const refStarts: number[] = [];
  for (let i = 0; i < ROUNDS; i++) refStarts.push(await bareNodeStarts(5));
  const bareRss = await bareNodeRss();

  const ups: number[] = [];
  const deploys: number[] = [];
  let memory: Map<string, { n: number; rss: number; pss: number }> | undefined;
  let many: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const c = await newCluster();
    try {
      ups.push(await timeUp(c));
      const api = new ApiServerClient(c.port, c.credentials(), 8);
      try {
        if (round === 0) {
          // Idle: the system pods Ready, then a moment for start-up garbage to be collected.
          await waitFor('system pods Ready', () => api.call<{ items: PodObject[] }>('GET', '/api/v1/namespaces/kube-system/pods'), (l) => l.items.length === 5 && l.items.every(isReady), { timeoutMs: 120_000 });
          await new Promise((r) => setTimeout(r, 10_000));
          memory = clusterMemory(c.pid()!);
        }
        const name = `web${round}`;
        deploys.push(Math.max(...await timePodsReady(api, `app=${name}`, 3, async () => { await api.call('POST', '/apis/apps/v1/namespaces/default/deployments', deployment(name)); })));
        if (round === ROUNDS - 1) {
          many = await timePodsReady(api, 'app=many', PODS, async () => {
            await Promise.all(Array.from({ length: PODS }, (_, i) => api.call('POST', '/api/v1/namespaces/default/pods', sleeper(i))));
          });
        }
      } finally {
        api.close();
      }
    } finally {
      await c.down();
    }
  }

  const ref = median(refStarts);
  console.log('\nStart-up (median of rounds)');
  console.log(`  knit up -d, until every node is Ready:     ${ms(median(ups))}  (rounds: ${ups.map(ms).join(', ')}; goal < 1 s)`);
  console.log(`  reference: 5 bare Node.js processes:       ${ms(ref)}  -> knit up takes ${(median(ups) / ref).toFixed(1)}x the floor of starting its processes`);
  console.log(`  anchor: kind create cluster (published):   ${KIND_SECONDS} s -> knit up is ${(20_000 / median(ups)).toFixed(0)}x-${(60_000 / median(ups)).toFixed(0)}x faster`);
  console.log(`  kubectl apply of a 3-replica Deployment, until all 3 pods are Ready: ${ms(median(deploys))}  (rounds: ${deploys.map(ms).join(', ')}; goal < 1 s)`);
  console.log(`\n${PODS} pods created at once, each from creation to Ready`);
  console.log(`  p50 ${ms(percentile(many, 50))}, p90 ${ms(percentile(many, 90))}, last ${ms(Math.max(...many))}; ${(PODS / (Math.max(...many) / 1000)).toFixed(1)} pods/s`);
  if (memory) {
    const total = [...memory.values()].reduce((a, g) => ({ n: a.n + g.n, rss: a.rss + g.rss, pss: a.pss + g.pss }), { n: 0, rss: 0, pss: 0 });
    console.log(`\nMemory of an idle 3-node cluster: ${total.n} processes, RSS ${mb(total.rss)} (goal < 300 MB), PSS ${mb(total.pss)}`);
    for (const [name, g] of [...memory].sort((a, b) => b[1].rss - a[1].rss)) {
      console.log(`  ${name.padEnd(26)} ${String(g.n).padStart(3)} processes  RSS ${mb(g.rss).padStart(7)}  PSS ${mb(g.pss).padStart(7)}`);
    }
    console.log(`  reference: one bare Node.js process: RSS ${mb(bareRss)} -> ${total.n} processes are ${mb(total.n * bareRss)} of RSS before any work (${(total.rss / (total.n * bareRss)).toFixed(2)}x of that in total)`);
  }
}

await main();
