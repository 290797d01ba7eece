// Helpers for the whole-cluster tests of nodes, pods and the pod network (cluster-*.test.ts):
// pods pinned to nodes, readiness waits, commands in node namespaces and under a terminal,
// node agent processes, and a snapshot of what the host holds.

import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Cluster } from './cluster.js';
import { run, type RunResult } from './process.js';
import { waitFor } from './wait.js';

export const PREFIX = 't11-';
export const AGNHOST = 'registry.k8s.io/e2e-test-images/agnhost:2.39';

/** The smallest pod object the tests need to read. */
export interface PodJson {
  metadata: { name: string; namespace: string; uid: string; deletionTimestamp?: string; ownerReferences?: { kind: string; name: string }[] };
  spec: { nodeName?: string; containers: { name: string }[] };
  status: {
    phase?: string;
    podIP?: string;
    podIPs?: { ip: string }[];
    hostIP?: string;
    hostIPs?: { ip: string }[];
    conditions?: { type: string; status: string; reason?: string }[];
    containerStatuses?: {
      name: string;
      ready: boolean;
      restartCount: number;
      state?: Record<string, { reason?: string; exitCode?: number; startedAt?: string }>;
      lastState?: Record<string, { reason?: string; exitCode?: number }>;
    }[];
  };
}

export const isReady = (p: PodJson): boolean => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** `kubectl apply -f -` of a YAML or JSON document. */
export async function apply(c: Cluster, doc: string | object): Promise<string> {
  return c.kubectlOk(['apply', '-f', '-'], { input: typeof doc === 'string' ? doc : JSON.stringify(doc) });
}

export async function getPod(c: Cluster, name: string, namespace = 'default'): Promise<PodJson> {
  return c.kubectlJson<PodJson>(['get', 'pod', name, '-n', namespace]);
}

export async function listPods(c: Cluster, selector: string, namespace = 'default'): Promise<PodJson[]> {
  return (await c.kubectlJson<{ items: PodJson[] }>(['get', 'pods', '-n', namespace, '-l', selector])).items;
}

/** Waits until the pod is Ready and returns it. */
export function readyPod(c: Cluster, name: string, namespace = 'default', timeoutMs = 90_000): Promise<PodJson> {
  return waitFor(`pod ${namespace}/${name} to be Ready`, () => getPod(c, name, namespace), isReady, { timeoutMs, intervalMs: 250 });
}

/** Waits until `count` pods match the selector, none terminating, all Ready. */
export function readyPods(c: Cluster, selector: string, count: number, namespace = 'default', timeoutMs = 90_000): Promise<PodJson[]> {
  return waitFor(`${count} Ready pods ${selector}`, async () => (await listPods(c, selector, namespace)).filter((p) => !p.metadata.deletionTimestamp),
    (pods) => pods.length === count && pods.every(isReady), { timeoutMs, intervalMs: 250 });
}

/** A pod running agnhost netexec (HTTP 8080, UDP 8081), pinned to a node when one is given. */
export function netexecPod(name: string, node?: string, labels: Record<string, string> = {}): object {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, labels: { app: name, ...labels } },
    spec: {
      ...(node ? { nodeName: node } : {}),
      containers: [{
        name: 'netexec', image: AGNHOST, args: ['netexec', '--http-port=8080', '--udp-port=8081'],
        ports: [{ containerPort: 8080 }, { containerPort: 8081, protocol: 'UDP' }],
        readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 },
      }],
    },
  };
}

/** A busybox pod that sleeps (for exec), pinned to a node when one is given. */
export function toolboxPod(name: string, node?: string, spec: Record<string, unknown> = {}): object {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, labels: { app: name } },
    spec: { ...(node ? { nodeName: node } : {}), containers: [{ name: 'box', image: 'busybox', command: ['sleep', '3600'] }], ...spec },
  };
}

/** `kubectl exec POD -- CMD` (never throws; the caller judges the code). */
export function podExec(c: Cluster, pod: string, command: string[], o: { container?: string; namespace?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  const args = ['exec', pod, '-n', o.namespace ?? 'default', ...(o.container ? ['-c', o.container] : []), '--', ...command];
  return c.kubectl(args, { timeoutMs: o.timeoutMs ?? 60_000 });
}

/** `kubectl exec` that must succeed: its stdout. */
export async function podExecOk(c: Cluster, pod: string, command: string[], o: { container?: string; namespace?: string } = {}): Promise<string> {
  const r = await podExec(c, pod, command, o);
  if (r.code !== 0) throw new Error(`kubectl exec ${pod} -- ${command.join(' ')} failed (exit ${r.code}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** bin/knit.js of this checkout (found from source or from dist/). */
function knitBin(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'bin', 'knit.js'))) {
    if (dirname(dir) === dir) throw new Error('cannot find bin/knit.js');
    dir = dirname(dir);
  }
  return join(dir, 'bin', 'knit.js');
}

/** `knit node exec NODE --name CLUSTER -- CMD` (Cluster.knit puts --name last, where it would be part of CMD). */
export function nodeExec(c: Cluster, node: string, command: string[], timeoutMs = 60_000): Promise<RunResult> {
  return run(process.execPath, [knitBin(), 'node', 'exec', node, '--name', c.name, '--', ...command], { env: c.env(), timeoutMs });
}

export async function nodeExecOk(c: Cluster, node: string, command: string[]): Promise<string> {
  const r = await nodeExec(c, node, command);
  if (r.code !== 0) throw new Error(`knit node exec ${node} -- ${command.join(' ')} failed (exit ${r.code}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/**
 * Runs a command under a pseudo-terminal (util-linux `script`), as a user at a terminal would run
 * `kubectl exec -it` or `kubectl run -it`. `input` is typed after `delayMs`; the terminal's input
 * stays open until the command ends (an end of input would end the session early).
 */
export function underPty(c: Cluster, argv: string[], o: { input?: string; delayMs?: number; timeoutMs?: number } = {}): Promise<RunResult> {
  const command = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { env: c.env(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.stdin.on('error', () => undefined);
    const typing = o.input === undefined ? undefined : setTimeout(() => child.stdin.write(o.input), o.delayMs ?? 3000);
    const limit = setTimeout(() => { if (child.pid) try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ } }, o.timeoutMs ?? 90_000);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(typing);
      clearTimeout(limit);
      resolve({ code: code ?? (signal ? -1 : 1), stdout, stderr });
    });
  });
}

/** Pids of processes whose command line (or, with `environ`, environment) contains `needle`. */
function pidsWith(needle: string, o: { environ?: boolean } = {}): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle) || (o.environ && readFileSync(`/proc/${entry}/environ`, 'utf8').includes(needle))) out.push(Number(entry));
    } catch {
      // gone
    }
  }
  return out;
}

/** The node agent process of a node (its --config names the node's directory in the data dir). */
export function agentPid(c: Cluster, node: string): number | undefined {
  return pidsWith(`${c.dataDir}/nodes/${node}/config.json`)[0];
}

/** Host commands whose output the snapshot compares. */
const HOST_VIEWS: [string, string[]][] = [
  ['links', ['ip', '-o', 'link', 'show']],
  ['addresses', ['ip', '-o', 'addr', 'show']],
  ['routes', ['ip', 'route', 'show', 'table', 'all']],
  ['ipv6 routes', ['ip', '-6', 'route', 'show', 'table', 'all']],
  ['rules', ['ip', 'rule', 'show']],
  ['ipv6 rules', ['ip', '-6', 'rule', 'show']],
];

/** Links that other tests' clusters and namespaces put on the host while this one runs. */
const FOREIGN = /\b(?:knit|knt)-/;

export interface HostSnapshot {
  /** The host's links, addresses, routes and rules, less what other clusters' tests add meanwhile. */
  host: Record<string, string[]>;
  /** Network namespaces, /etc/netns and /run/knit entries, processes: only this cluster's. */
  own: { namespaces: string[]; etcNetns: string[]; runKnit: string[]; processes: string[] };
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/**
 * What the host holds, for a before/after comparison around one cluster's life. The machine is
 * shared: lines naming another knit cluster's host link (knit-<other>) are left out, and of the
 * namespaces, files and processes only the cluster's own are kept.
 */
export async function hostSnapshot(c: Cluster): Promise<HostSnapshot> {
  const host: Record<string, string[]> = {};
  for (const [name, argv] of HOST_VIEWS) {
    const r = await run(argv[0], argv.slice(1), { timeoutMs: 30_000 });
    host[name] = r.stdout.split('\n')
      // Address lifetimes count down on their own.
      .map((l) => l.replace(/\s+(?:valid_lft|preferred_lft)\s+\S+/g, ''))
      .filter((l) => l.trim() !== '' && !FOREIGN.test(l.replaceAll(`knit-${c.name}`, '')));
  }
  const mine = (n: string) => n === `knit-${c.name}` || n.startsWith(`knit-${c.name}-`);
  const netns = (await run('ip', ['netns', 'list'], { timeoutMs: 30_000 })).stdout.split('\n').map((l) => l.split(' ')[0]).filter(mine).sort();
  return {
    host,
    own: {
      namespaces: netns,
      etcNetns: listDir('/etc/netns').filter(mine),
      runKnit: listDir('/run/knit').filter((n) => n === c.name),
      // Containers name the cluster's directory in their environment (PATH, the service account).
      processes: pidsWith(c.home, { environ: true }).map((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
        } catch {
          return '';
        }
      }).filter(Boolean).sort(),
    },
  };
}
