// Helpers for the cluster DNS tests: run dig and nslookup inside pods and read what they print,
// start pods and wait for them, point the coredns ConfigMap's `forward` at a resolver the test
// runs itself (dns-upstream.ts, in a pod), and run the raw-packet probe (dns-probe.ts) in a pod.
// Everything a test creates lives in the test's own cluster, so `cluster.down()` removes it.

import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { kubeadmCorefile } from '../../../src/cluster/system.js';
import { startCluster, type Cluster } from './cluster.js';
import type { RunResult } from './process.js';
import { waitFor } from './wait.js';

/** The prefix of every cluster the DNS tests start. */
const DNS_TEST_PREFIX = 't13-';

/** A 3-node cluster for a DNS test file. */
export function startDnsCluster(): Promise<Cluster> {
  return startCluster({ nodes: 3, prefix: DNS_TEST_PREFIX });
}

export interface DigRecord {
  name: string;
  ttl: number;
  type: string;
  /** The record data as dig prints it ("10.96.0.1", "0 100 80 web.default.svc.cluster.local."). */
  data: string;
}

export interface Dig {
  /** NOERROR, NXDOMAIN, SERVFAIL, REFUSED, FORMERR, NOTIMP, BADVERS, or '' when no answer came. */
  status: string;
  /** Header flags: qr, aa, tc, rd, ra. */
  flags: string[];
  answer: DigRecord[];
  authority: DigRecord[];
  additional: DigRecord[];
  /** The SERVER line: "10.96.0.10#53(10.96.0.10) (UDP)". */
  server: string;
  stdout: string;
}

/** dig's default output, parsed (several answers, as with +tcp retries, keep the last). */
export function parseDig(stdout: string): Dig {
  const out: Dig = { status: '', flags: [], answer: [], authority: [], additional: [], server: '', stdout };
  let section: DigRecord[] | null = null;
  for (const line of stdout.split('\n')) {
    const header = /status: ([A-Z]+),/.exec(line);
    if (header) {
      Object.assign(out, { status: header[1], answer: [], authority: [], additional: [] });
      section = null;
    }
    const flags = /^;; flags:([^;]*);/.exec(line);
    if (flags) out.flags = flags[1].trim().split(/\s+/).filter(Boolean);
    const server = /^;; SERVER: (.*)$/.exec(line);
    if (server) out.server = server[1];
    if (line.startsWith(';; ANSWER SECTION:')) section = out.answer;
    else if (line.startsWith(';; AUTHORITY SECTION:')) section = out.authority;
    else if (line.startsWith(';; ADDITIONAL SECTION:')) section = out.additional;
    else if (line.trim() === '') section = null;
    else if (section && !line.startsWith(';')) {
      const [name, ttl, , type, ...data] = line.split(/\s+/);
      section.push({ name, ttl: Number(ttl), type, data: data.join(' ') });
    }
  }
  return out;
}

/** `kubectl exec` in a pod (default namespace unless told). */
export function podExec(c: Cluster, pod: string, command: string[], namespace = 'default'): Promise<RunResult> {
  return c.kubectl(['exec', '-n', namespace, pod, '--', ...command], { timeoutMs: 60_000 });
}

/** dig inside a pod, one try with a 5 s bound (the resolver is the pod's: 10.96.0.10 unless `@server` is given). */
export async function dig(c: Cluster, pod: string, args: string[], namespace = 'default'): Promise<Dig> {
  const r = await podExec(c, pod, ['dig', '+tries=1', '+time=5', ...args], namespace);
  if (r.code !== 0 && r.code !== 9) throw new Error(`dig ${args.join(' ')} in ${pod} failed (exit ${r.code}):\n${r.stderr}${r.stdout}`);
  return parseDig(r.stdout);
}

/** The data of the answer records of one type, sorted. */
export function dataOf(d: Dig, type: string): string[] {
  return d.answer.filter((r) => r.type === type).map((r) => r.data).sort();
}

/** `kubectl apply -f -` of YAML text (documents separated by ---). */
export async function apply(c: Cluster, yaml: string): Promise<void> {
  await c.kubectlOk(['apply', '-f', '-'], { input: yaml });
}

interface PodLike {
  metadata: { name: string };
  spec?: { nodeName?: string };
  status?: { podIP?: string; phase?: string; conditions?: { type: string; status: string }[]; containerStatuses?: { restartCount: number }[] };
}

const isReady = (p: PodLike) => p.status?.conditions?.some((k) => k.type === 'Ready' && k.status === 'True') ?? false;

/** Waits until `count` pods match the selector and all are Ready; returns them. */
export async function readyPods(c: Cluster, selector: string, count: number, namespace = 'default'): Promise<PodLike[]> {
  const list = await waitFor(`${count} ready pods ${selector} in ${namespace}`,
    () => c.kubectlJson<{ items: PodLike[] }>(['get', 'pods', '-n', namespace, '-l', selector]),
    (l) => l.items.length === count && l.items.every(isReady), { timeoutMs: 120_000, intervalMs: 250 });
  return list.items;
}

/** Waits until the named pod is Ready; returns it. */
export async function readyPod(c: Cluster, name: string, namespace = 'default'): Promise<PodLike> {
  return waitFor(`pod ${namespace}/${name} to be Ready`, () => c.kubectlJson<PodLike>(['get', 'pod', '-n', namespace, name]), isReady,
    { timeoutMs: 120_000, intervalMs: 250 });
}

/** A busybox pod that sleeps, for running nslookup, wget, dig (the host's) and node inside the cluster. */
export function toolboxPod(name: string, namespace = 'default', spec: Record<string, unknown> = {}): string {
  return YAML.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels: { app: name } },
    spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'toolbox', image: 'busybox', command: ['sleep', '3600'] }], ...spec },
  });
}

/** The compiled sibling script `file` (dns-upstream.js, dns-probe.js) as `node` runs it inside a pod. */
function script(file: string): string {
  return fileURLToPath(new URL(`./${file}`, import.meta.url));
}

/**
 * A pod answering DNS on port 53 from a table (name -> IPv4 address; NXDOMAIN for the rest) and
 * logging each question it gets: the upstream resolver the tests point `forward` at.
 */
export function upstreamPod(name: string, records: Record<string, string>): string {
  return YAML.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app: name } },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{
        name: 'dns', image: 'debian', command: ['node', script('dns-upstream.js'), JSON.stringify(records)],
        readinessProbe: { tcpSocket: { port: 53 }, periodSeconds: 1 },
      }],
    },
  });
}

/** What an upstream pod was asked so far: "name TYPE" per question, in order. */
export async function upstreamLog(c: Cluster, pod: string): Promise<string[]> {
  const out = await c.kubectlOk(['logs', pod]);
  return out.split('\n').filter((l) => l.startsWith('query ')).map((l) => l.split(' ').slice(1, 3).join(' '));
}

/** Runs dns-probe.js in a pod against server:port; returns its JSON report. */
export async function probe<T>(c: Cluster, pod: string, server: string, port = 53): Promise<T> {
  const r = await podExec(c, pod, ['node', script('dns-probe.js'), server, String(port)]);
  if (r.code !== 0) throw new Error(`dns-probe in ${pod} failed (exit ${r.code}):\n${r.stderr}${r.stdout}`);
  return JSON.parse(r.stdout) as T;
}

/** kubeadm's Corefile (as knit installs it) with `forward` sent to `upstream` (an IP): what the tests run the cluster with. */
export function corefileForwardingTo(upstream: string, o: { ttl?: number; pods?: 'insecure' | 'verified' } = {}): string {
  return kubeadmCorefile('cluster.local', [upstream]).replace('ttl 30', `ttl ${o.ttl ?? 30}`).replace('pods insecure', `pods ${o.pods ?? 'insecure'}`);
}

/** Replaces the Corefile in the ConfigMap kube-system/coredns. */
export async function setCorefile(c: Cluster, corefile: string): Promise<void> {
  await c.kubectlOk(['-n', 'kube-system', 'patch', 'configmap', 'coredns', '--type', 'merge', '-p', JSON.stringify({ data: { Corefile: corefile } })]);
}

/** The restart counts of the coredns pods, by pod name. */
export async function corednsRestarts(c: Cluster): Promise<Record<string, number>> {
  const list = await c.kubectlJson<{ items: PodLike[] }>(['get', 'pods', '-n', 'kube-system', '-l', 'k8s-app=kube-dns']);
  return Object.fromEntries(list.items.map((p) => [p.metadata.name, p.status?.containerStatuses?.[0]?.restartCount ?? -1]));
}
