// Helpers for the Service network's whole-cluster tests (test/e2e/services-*.test.ts): commands
// inside the cluster's node and external-client namespaces, kube-proxy's rules as a node holds
// them, pods and Services as kubectl shows them, clients that talk TCP and UDP, and the chi-square
// statistic. Traffic goes only to addresses inside the cluster's own namespaces.

import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fixture, type Cluster } from './cluster.js';
import { run, type RunResult } from './process.js';
import { waitFor } from './wait.js';

/** Names of this area's clusters start with it. */
export const PREFIX = 't12-';

const KNIT = join(fixture(''), '..', '..', '..', 'bin', 'knit.js');

/** The external-client namespace: "a client outside the cluster" on the node network (.200). */
export const extNetns = (c: Cluster): string => `knit-${c.name}-ext`;
export const EXT_CLIENT_IP = '192.168.1.200';

/** `knit node exec <node> -- <cmd>` as a user types it. */
export function nodeExec(c: Cluster, node: string, cmd: string[], timeoutMs = 60_000): Promise<RunResult> {
  return run(process.execPath, [KNIT, 'node', 'exec', node, '--name', c.name, '--', ...cmd], { env: c.env(), timeoutMs });
}

/** nodeExec that must succeed: its stdout. */
export async function nodeExecOk(c: Cluster, node: string, cmd: string[]): Promise<string> {
  const r = await nodeExec(c, node, cmd);
  if (r.code !== 0) throw new Error(`knit node exec ${node} -- ${cmd.join(' ')} failed (exit ${r.code}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** A command in the external-client namespace. */
export function extExec(c: Cluster, cmd: string[], timeoutMs = 60_000): Promise<RunResult> {
  return run('ip', ['netns', 'exec', extNetns(c), ...cmd], { timeoutMs });
}

export interface CurlResult {
  /** curl's exit code: 0 ok, 7 could not connect (refused), 28 timed out. */
  code: number;
  body: string;
  stderr: string;
}

/** curl from the external-client namespace, bounded by maxSeconds. */
export async function extCurl(c: Cluster, url: string, maxSeconds = 5): Promise<CurlResult> {
  const r = await extExec(c, ['curl', '-sS', '-m', String(maxSeconds), url], (maxSeconds + 10) * 1000);
  return { code: r.code, body: r.stdout, stderr: r.stderr };
}

/** curl inside a pod (`kubectl exec`), bounded by maxSeconds. */
export async function podCurl(c: Cluster, pod: string, url: string, maxSeconds = 5): Promise<CurlResult> {
  const r = await c.kubectl(['exec', pod, '--', 'curl', '-sS', '-m', String(maxSeconds), url], { timeoutMs: (maxSeconds + 30) * 1000 });
  return { code: r.code, body: r.stdout, stderr: r.stderr };
}

const UDP_CLIENT = `
const [host, port, msg, count] = process.argv.slice(1);
const dgram = require('dgram');
const answers = [];
const ask = (i) => {
  if (i === Number(count)) { console.log(JSON.stringify(answers)); return; }
  const s = dgram.createSocket('udp4');
  const t = setTimeout(() => { s.close(); answers.push(null); ask(i + 1); }, 2000);
  s.on('message', (m) => { clearTimeout(t); s.close(); answers.push(m.toString()); ask(i + 1); });
  s.send(msg, Number(port), host);
};
ask(0);`;

/**
 * Sends `count` datagrams, each from a fresh socket, from the external-client namespace (or the
 * host's own loopback when netns is null); the answers, null where none came within 2 s.
 */
export async function udpAsk(c: Cluster | null, host: string, port: number, msg: string, count = 1): Promise<(string | null)[]> {
  const node = [process.execPath, '-e', UDP_CLIENT, host, String(port), msg, String(count)];
  const r = c ? await extExec(c, node) : await run(node[0], node.slice(1));
  if (r.code !== 0) throw new Error(`UDP client failed (exit ${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as (string | null)[];
}

/** Applies a manifest (kubectl apply -f -). */
export async function apply(c: Cluster, yaml: string): Promise<string> {
  return c.kubectlOk(['apply', '-f', '-'], { input: yaml });
}

/** Waits until a Deployment or DaemonSet has rolled out (`kubectl rollout status`). */
export async function rollout(c: Cluster, what: string, namespace = 'default'): Promise<void> {
  await c.kubectlOk(['rollout', 'status', what, '-n', namespace, '--timeout=180s'], { timeoutMs: 200_000 });
}

export interface PodInfo {
  name: string;
  ip: string;
  node: string;
  ready: boolean;
  terminating: boolean;
}

/** Pods matching a label selector, as the API shows them now. */
export async function pods(c: Cluster, selector: string, namespace = 'default'): Promise<PodInfo[]> {
  const list = await c.kubectlJson<{ items: any[] }>(['get', 'pods', '-n', namespace, '-l', selector]);
  return list.items.map((p) => ({
    name: p.metadata.name,
    ip: p.status?.podIP ?? '',
    node: p.spec.nodeName ?? '',
    ready: (p.status?.conditions ?? []).some((cond: any) => cond.type === 'Ready' && cond.status === 'True'),
    terminating: !!p.metadata.deletionTimestamp,
  }));
}

/** Waits for `count` Running and Ready pods (none terminating) of a selector. */
export async function readyPods(c: Cluster, selector: string, count: number, namespace = 'default'): Promise<PodInfo[]> {
  return waitFor(`${count} ready pods ${selector}`, () => pods(c, selector, namespace),
    (ps) => ps.length === count && ps.every((p) => p.ready && p.ip && !p.terminating), { timeoutMs: 180_000, intervalMs: 300 });
}

export async function serviceJson(c: Cluster, name: string, namespace = 'default'): Promise<any> {
  return c.kubectlJson(['get', 'service', name, '-n', namespace]);
}

/** The node's InternalIP per node name. */
export async function nodeIPs(c: Cluster): Promise<Record<string, string>> {
  const list = await c.kubectlJson<{ items: any[] }>(['get', 'nodes']);
  return Object.fromEntries(list.items.map((n) => [n.metadata.name, n.status.addresses.find((a: any) => a.type === 'InternalIP').address]));
}

export type ProxyMode = 'iptables' | 'nftables';

/** kube-proxy's rules on a node as a user lists them: iptables-save, or the nftables table. */
export async function nodeRules(c: Cluster, node: string, mode: ProxyMode): Promise<string> {
  if (mode === 'iptables') return nodeExecOk(c, node, ['iptables-save']);
  const r = await nodeExec(c, node, ['nft', 'list', 'table', 'ip', 'kube-proxy']);
  return r.code === 0 ? r.stdout : '';
}

/** Waits until every node's rules satisfy until(rules, node). */
export async function waitRules(c: Cluster, nodes: string[], mode: ProxyMode, what: string, until: (rules: string, node: string) => boolean): Promise<void> {
  for (const node of nodes) {
    await waitFor(`${what} on ${node}`, () => nodeRules(c, node, mode), (rules) => until(rules, node), { timeoutMs: 60_000, intervalMs: 200 });
  }
}

/** Whether the rules mention an address ("10.244.1.5"), as a whole address. */
export function mentions(rules: string, ip: string): boolean {
  return new RegExp(`(^|[^\\d.])${ip.replace(/\./g, '\\.')}([^\\d]|$)`, 'm').test(rules);
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 of the SHA-256 of text (what upstream's chain names are made of). */
export function sha256Base32(text: string): string {
  const bytes = createHash('sha256').update(text).digest();
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** upstream's iptables chain for a service port: KUBE-SVC-<16 chars of base32(sha256("ns/svc:port" + "tcp"))>. */
export const iptablesChain = (prefix: 'SVC' | 'SVL' | 'EXT' | 'FW', portName: string, protocol = 'tcp'): string =>
  `KUBE-${prefix}-${sha256Base32(portName + protocol).slice(0, 16)}`;

/** upstream's nftables chain of a service port: service-<8 chars of base32(sha256(base))>-<base>, base "ns/svc/tcp/port". */
export const nftChain = (prefix: string, base: string): string => `${prefix}-${sha256Base32(base).slice(0, 8)}-${base}`;

/** Pearson's chi-square statistic of observed counts against a uniform spread. */
export function chiSquare(counts: number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  return counts.reduce((s, o) => s + (o - expected) ** 2 / expected, 0);
}

/** Critical chi-square values at p = 0.001 by degrees of freedom. */
export const CHI_SQUARE_P001: Record<number, number> = { 1: 10.828, 2: 13.816, 3: 16.266, 4: 18.467 };

/** Counts of each distinct line. */
export function tally(lines: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of lines) m.set(l, (m.get(l) ?? 0) + 1);
  return m;
}

/** Pids of the processes listening on 127.0.0.1:<port> of this machine (ss). */
export async function hostListeners(port: number, protocol: 'tcp' | 'udp' = 'tcp'): Promise<number[]> {
  const r = await run('ss', ['-Hnp', protocol === 'tcp' ? '-lt' : '-lu', `sport = :${port}`]);
  return [...r.stdout.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]));
}
