// NetworkPolicy tests as upstream's e2e suite writes them (test/e2e/network/netpol): namespaces
// x, y, z with pods a, b, c running `agnhost porter` on TCP and UDP ports 80 and 81, a Service in
// front of each pod, and a probe from every pod to every pod's Service compared with a truth
// table of what the policies allow. Loopback cells (a pod to its own Service) are not judged, as
// upstream does not judge them.
//
// Probes run in each pod's network namespace (knit-<cluster>-pod-<uid>) from a probe agent the
// test starts there, so that a matrix of 81 connections costs one round of parallel connects, not
// 81 `kubectl exec` processes; the seeds' tests probe with `kubectl exec ... /agnhost connect`.

import { Probe } from '../../../src/platform/testing/topology.js';
import type { Cluster } from './cluster.js';
import { apply, readyPods, type PodJson } from './cluster-node.js';

export const PREFIX = 't20-';
export const AGNHOST = 'registry.k8s.io/e2e-test-images/agnhost:2.53';
const PROBE_TIMEOUT_MS = 1000;
const CONVERGE_MS = 15_000;

export type Protocol = 'tcp' | 'udp';

export interface Peer {
  ns?: string;
  pod?: string;
}

/** The pods, their Services and a probe agent in each. */
export class NetpolModel {
  private constructor(
    private readonly c: Cluster,
    readonly pods: string[],
    private readonly serviceIPs: Map<string, string>,
    private readonly probes: Map<string, Probe>,
  ) {}

  static async create(c: Cluster, namespaces = ['x', 'y', 'z'], names = ['a', 'b', 'c']): Promise<NetpolModel> {
    const docs: object[] = [];
    for (const ns of namespaces) {
      docs.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      for (const pod of names) docs.push(...serverPod(ns, pod));
    }
    await applyAll(c, docs);
    const serviceIPs = new Map<string, string>();
    const probes = new Map<string, Probe>();
    const pods: string[] = [];
    for (const ns of namespaces) {
      const ready = await readyPods(c, 'pod', names.length, ns);
      for (const p of ready.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
        const key = `${ns}/${p.metadata.name}`;
        pods.push(key);
        serviceIPs.set(key, (await c.kubectlOk(['get', 'svc', `s-${ns}-${p.metadata.name}`, '-n', ns, '-o', 'jsonpath={.spec.clusterIP}'])).trim());
        probes.set(key, await Probe.start(podNetns(c, p)));
      }
    }
    return new NetpolModel(c, pods, serviceIPs, probes);
  }

  /** Whether each pod reaches each pod's Service on port/protocol: "x/a>y/b" -> reached. */
  async probe(port: number, protocol: Protocol): Promise<Map<string, boolean>> {
    const out = new Map<string, boolean>();
    await Promise.all(this.pods.flatMap((from) => this.pods.map(async (to) => {
      const probe = this.probes.get(from)!;
      const ip = this.serviceIPs.get(to)!;
      const r = protocol === 'tcp' ? await probe.connect(ip, port, PROBE_TIMEOUT_MS) : await probe.udp(ip, port, 0, PROBE_TIMEOUT_MS);
      out.set(`${from}>${to}`, r.ok);
    })));
    return out;
  }

  stop(): void {
    for (const p of this.probes.values()) p.stop();
  }
}

/** `kubectl apply` of several objects, as a stream of JSON documents (not YAML: kubectl reads YAML 1.1, where a bare y is true). */
export function applyAll(c: Cluster, objects: object[]): Promise<string> {
  return apply(c, objects.map((o) => JSON.stringify(o)).join('\n'));
}

/** The namespace knit's node agent gives a pod (docs/ARCHITECTURE.md). */
export function podNetns(c: Cluster, pod: PodJson): string {
  return `knit-${c.name}-pod-${pod.metadata.uid}`;
}

/** Upstream's e2e server pod: agnhost porter on TCP and UDP 80 and 81, ports named serve-<port>-<proto>. */
export function serverPod(ns: string, name: string, labels: Record<string, string> = { pod: name }): object[] {
  const ports = [80, 81].flatMap((port) => (['tcp', 'udp'] as const).map((proto) => ({ port, proto })));
  return [
    {
      apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels },
      spec: {
        terminationGracePeriodSeconds: 0,
        containers: [{
          name: 'agnhost', image: AGNHOST, command: ['/agnhost', 'porter'],
          env: ports.map(({ port, proto }) => ({ name: proto === 'tcp' ? `SERVE_PORT_${port}` : `SERVE_UDP_PORT_${port}`, value: 'foo' })),
          ports: ports.map(({ port, proto }) => ({ name: `serve-${port}-${proto}`, containerPort: port, protocol: proto.toUpperCase() })),
          readinessProbe: { tcpSocket: { port: 81 }, periodSeconds: 1 },
        }],
      },
    },
    {
      apiVersion: 'v1', kind: 'Service', metadata: { name: `s-${ns}-${name}`, namespace: ns },
      spec: {
        selector: { pod: name },
        ports: ports.map(({ port, proto }) => ({ name: `service-port-${proto}-${port}`, port, targetPort: port, protocol: proto.toUpperCase() })),
      },
    },
  ];
}

/** What should connect: every pair allowed unless said otherwise. */
export class Reachability {
  private readonly allowed = new Map<string, boolean>();

  constructor(readonly pods: string[], allowed = true) {
    for (const from of pods) for (const to of pods) this.allowed.set(`${from}>${to}`, allowed);
  }

  private matches(pod: string, peer: Peer): boolean {
    const [ns, name] = pod.split('/');
    return (peer.ns === undefined || peer.ns === ns) && (peer.pod === undefined || peer.pod === name);
  }

  expectPeer(from: Peer, to: Peer, allowed: boolean): this {
    for (const f of this.pods) for (const t of this.pods) if (this.matches(f, from) && this.matches(t, to)) this.allowed.set(`${f}>${t}`, allowed);
    return this;
  }

  expect(from: string, to: string, allowed: boolean): this {
    return this.expectPeer(peerOf(from), peerOf(to), allowed);
  }

  /** Every pod to `to`. */
  expectAllIngress(to: string, allowed: boolean): this {
    return this.expectPeer({}, peerOf(to), allowed);
  }

  /** `from` to every pod. */
  expectAllEgress(from: string, allowed: boolean): this {
    return this.expectPeer(peerOf(from), {}, allowed);
  }

  /** The cells that differ from what was seen (loopback not judged). */
  wrong(seen: Map<string, boolean>): string[] {
    return [...this.allowed].filter(([k, v]) => !isLoopback(k) && seen.get(k) !== v).map(([k]) => k);
  }

  /** A table as upstream prints it: rows are sources, columns destinations, "." connects, "X" not. */
  static table(pods: string[], cell: (key: string) => string): string {
    const width = Math.max(...pods.map((p) => p.length));
    const lines = [`${''.padEnd(width)} ${pods.map((p) => p.padEnd(width)).join(' ')}`];
    for (const from of pods) lines.push(`${from.padEnd(width)} ${pods.map((to) => cell(`${from}>${to}`).padEnd(width)).join(' ')}`);
    return lines.join('\n');
  }

  get(key: string): boolean {
    return this.allowed.get(key)!;
  }
}

const peerOf = (s: string): Peer => {
  const [ns, pod] = s.split('/');
  return { ns: ns === '*' ? undefined : ns, pod: pod === '*' || pod === undefined ? undefined : pod };
};
const isLoopback = (k: string) => {
  const [a, b] = k.split('>');
  return a === b;
};

/**
 * Probes until what connects is what `want` says (policies take effect within seconds), then
 * says how long that took; fails with both tables when it never is.
 */
export async function expectReachability(m: NetpolModel, want: Reachability, port: number, protocol: Protocol, note?: (s: string) => void): Promise<void> {
  const started = Date.now();
  let seen = new Map<string, boolean>();
  let wrong: string[] = [];
  for (;;) {
    seen = await m.probe(port, protocol);
    wrong = want.wrong(seen);
    if (wrong.length === 0) {
      note?.(`${protocol}/${port}: as expected after ${Date.now() - started} ms`);
      return;
    }
    if (Date.now() - started > CONVERGE_MS) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const mark = (b: boolean | undefined) => (b ? '.' : 'X');
  throw new Error([
    `${wrong.length} wrong results in the reachability matrix for ${protocol}/${port} after ${CONVERGE_MS / 1000} s: ${wrong.join(', ')}`,
    'expected:', Reachability.table(m.pods, (k) => (isLoopback(k) ? '-' : mark(want.get(k)))),
    'observed:', Reachability.table(m.pods, (k) => mark(seen.get(k))),
  ].join('\n'));
}
