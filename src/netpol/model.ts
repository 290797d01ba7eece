// What NetworkPolicy asks of one node, as a pure function of the cluster's Pods, Namespaces and
// NetworkPolicies: for each direction, which of the node's pods are isolated, by which policies,
// and what those policies allow them, resolved to addresses, protocols and ports.
//
// Pods isolated by the same policies share one policy set (one chain in the kernel), so a pod
// that comes or goes is only an element of a map and of some sets. Ingress is judged on the
// destination's node and egress on the source's node; a connection needs both.

import { createHash } from 'node:crypto';
import { parseIPv4 } from '../common/ipv4.js';
import { labelSelectorFromSpec, type LabelSelectorMatcher } from '../kube/selectors.js';
import { NETWORK_POLICY_MODE_ANNOTATION, type Namespace, type NetworkPolicy, type NetworkPolicyPeer, type NetworkPolicyPort, type Pod } from '../kube/types.js';
import { LabelIndex } from './label-index.js';
import { ALL_ADDRESSES, ALL_PORTS, cidrInterval, normalizeBoxes, point, subtractIntervals, unionIntervals, type Box, type Interval, type Protocol } from './intervals.js';

export type Direction = 'ingress' | 'egress';


export interface PolicyInputs {
  nodeName: string;
  pods: Pod[];
  namespaces: Namespace[];
  policies: NetworkPolicy[];
}

/** Traffic on a port of a destination pod, from (ingress) sources in `box.ips`. */
export interface NamedPortBox {
  pod: number;
  box: Box;
}

export interface PortRange {
  proto: Protocol;
  ports: Interval;
}

/** What a set of policies allows, in normal form (disjoint elements, ready for nftables). */
export interface Allowance {
  /** Some rule allows every peer on every port. */
  everything: boolean;
  /** Peers allowed on every port and protocol. */
  peers: Interval[];
  /** Peers allowed on some protocols and ports. */
  peerPorts: Box[];
  /** Ports allowed from (ingress) or to (egress) anyone. */
  ports: PortRange[];
  /** Ingress only: named ports, resolved on each destination pod of the set. */
  named: NamedPortBox[];
}

export interface PolicySet {
  id: string;
  direction: Direction;
  /** Policies (ns/name) that isolate the pods and are enforced. */
  enforcedBy: string[];
  /** Policies in audit mode that select the pods. */
  auditedBy: string[];
  /** What the enforced and audited policies allow together. */
  allowed: Allowance;
  /** What the enforced ones allow alone: present when both lists are non-empty. */
  allowedByEnforced?: Allowance;
}

export interface DirectionPolicy {
  /** Address of each of the node's pods a policy selects -> its policy set's id. */
  members: Map<string, string>;
  sets: Map<string, PolicySet>;
}

export interface NodePolicy {
  ingress: DirectionPolicy;
  egress: DirectionPolicy;
  /** The node's pods that have an address (uid -> address): what a sync has taken into account. */
  localPods: Map<string, string>;
  /** Every pod's address -> "namespace/name", for log lines. */
  podNames: Map<string, string>;
}

interface PodEntry {
  pod: Pod;
  ip: string;
  addr: number;
  labels: Record<string, string>;
}

/** A policy's rules in one direction, resolved to addresses but not yet per destination pod. */
interface Contribution {
  everything: boolean;
  peers: Interval[];
  peerPorts: Box[];
  ports: PortRange[];
  /** Ingress: named ports to resolve on each destination pod, for these sources (null: anyone). */
  named: { sources: Interval[] | null; proto: Protocol; name: string }[];
}

const PROTOCOLS: Record<string, Protocol> = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp' };

export function policyKey(p: NetworkPolicy): string {
  return `${p.metadata.namespace}/${p.metadata.name}`;
}

export function isAudit(p: NetworkPolicy): boolean {
  return p.metadata.annotations?.[NETWORK_POLICY_MODE_ANNOTATION] === 'audit';
}

/** The address NetworkPolicy sees for a pod: running (not finished), pod network, an IP assigned. */
export function podAddress(pod: Pod): string | undefined {
  if (pod.spec.hostNetwork) return undefined;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return undefined;
  return pod.status?.podIP || pod.status?.podIPs?.[0]?.ip || undefined;
}

/** policyTypes as stored, or upstream's defaults for an object that predates them. */
export function policyTypes(p: NetworkPolicy): Direction[] {
  const types = p.spec.policyTypes?.length ? p.spec.policyTypes : (p.spec.egress?.length ? ['Ingress', 'Egress'] : ['Ingress']);
  return types.map((t) => (t === 'Egress' ? 'egress' : 'ingress'));
}

const podIndex = () => new LabelIndex<PodEntry>((p) => p.labels);

class Cluster {
  readonly all: PodEntry[] = [];
  /** Every pod with an address, by namespace; and the node's own pods, by namespace. */
  private readonly byNamespace = new Map<string, LabelIndex<PodEntry>>();
  private readonly localByNamespace = new Map<string, LabelIndex<PodEntry>>();
  private readonly namespaces: LabelIndex<string>;

  constructor(inputs: PolicyInputs) {
    const namespaceLabels = new Map<string, Record<string, string>>();
    for (const ns of inputs.namespaces) {
      // kubernetes.io/metadata.name is there on every namespace; a cache may hold an object without it.
      namespaceLabels.set(ns.metadata.name!, { ...ns.metadata.labels, 'kubernetes.io/metadata.name': ns.metadata.name! });
    }
    this.namespaces = new LabelIndex<string>((name) => namespaceLabels.get(name));
    for (const name of namespaceLabels.keys()) this.namespaces.add(name);
    const indexIn = (map: Map<string, LabelIndex<PodEntry>>, ns: string, entry: PodEntry) => {
      let index = map.get(ns);
      if (!index) map.set(ns, (index = podIndex()));
      index.add(entry);
    };
    for (const pod of inputs.pods) {
      const ip = podAddress(pod);
      if (!ip) continue;
      const entry = { pod, ip, addr: parseIPv4(ip), labels: pod.metadata.labels ?? {} };
      this.all.push(entry);
      indexIn(this.byNamespace, pod.metadata.namespace!, entry);
      if (pod.spec.nodeName === inputs.nodeName) indexIn(this.localByNamespace, pod.metadata.namespace!, entry);
    }
  }

  /** The node's pods in `namespace` that a policy's podSelector chooses. */
  localPods(namespace: string, selector: LabelSelectorMatcher): PodEntry[] {
    return this.localByNamespace.get(namespace)?.select(selector) ?? [];
  }

  /** Pods a peer's selectors choose, seen from a policy in `namespace`. */
  peerPods(peer: NetworkPolicyPeer, namespace: string): PodEntry[] {
    const pods = labelSelectorFromSpec(peer.podSelector ?? {}, false)!;
    if (!peer.namespaceSelector) return this.byNamespace.get(namespace)?.select(pods) ?? [];
    const namespaces = this.namespaces.select(labelSelectorFromSpec(peer.namespaceSelector, false)!);
    return namespaces.flatMap((ns) => this.byNamespace.get(ns)?.select(pods) ?? []);
  }
}

function portsOf(rule: NetworkPolicyPort[] | undefined): { numbered: PortRange[]; named: { proto: Protocol; name: string }[] } | null {
  if (!rule?.length) return null;
  const numbered: PortRange[] = [];
  const named: { proto: Protocol; name: string }[] = [];
  for (const p of rule) {
    const proto = PROTOCOLS[p.protocol ?? 'TCP'];
    if (!proto) continue;
    if (p.port === undefined || p.port === null) numbered.push({ proto, ports: ALL_PORTS });
    else if (typeof p.port === 'number') numbered.push({ proto, ports: { lo: p.port, hi: p.endPort ?? p.port } });
    else named.push({ proto, name: p.port });
  }
  return { numbered, named };
}

/** The port a pod gives a name to, for a protocol. */
function namedPort(pod: Pod, name: string, proto: Protocol): number | undefined {
  for (const c of pod.spec.containers) {
    for (const p of c.ports ?? []) if (p.name === name && PROTOCOLS[p.protocol ?? 'TCP'] === proto) return p.containerPort;
  }
  return undefined;
}

function contribution(policy: NetworkPolicy, direction: Direction, cluster: Cluster): Contribution {
  const out: Contribution = { everything: false, peers: [], peerPorts: [], ports: [], named: [] };
  const ns = policy.metadata.namespace!;
  const rules = direction === 'ingress'
    ? (policy.spec.ingress ?? []).map((r) => ({ peers: r.from, ports: r.ports }))
    : (policy.spec.egress ?? []).map((r) => ({ peers: r.to, ports: r.ports }));
  for (const rule of rules) {
    const ports = portsOf(rule.ports);
    // Peers as address ranges, and the pods among them (for named ports on egress).
    let ranges: Interval[] | null = null;
    const chosen: PodEntry[] = [];
    const blocks: Interval[] = [];
    if (rule.peers?.length) {
      ranges = [];
      for (const peer of rule.peers) {
        if (peer.ipBlock) {
          const cidr = cidrInterval(peer.ipBlock.cidr);
          if (!cidr) continue;
          const except = (peer.ipBlock.except ?? []).map(cidrInterval).filter((i): i is Interval => i !== null);
          blocks.push(...subtractIntervals([cidr], except));
        } else {
          const pods = cluster.peerPods(peer, ns);
          chosen.push(...pods);
          ranges.push(...pods.map((p) => point(p.addr)));
        }
      }
    }
    ranges?.push(...blocks);
    // The pods among the peers: chosen by selectors, or with an address an ipBlock covers.
    const peerPods = () => {
      if (ranges === null) return cluster.all;
      const inBlocks = blocks.length ? cluster.all.filter((p) => blocks.some((b) => b.lo <= p.addr && p.addr <= b.hi)) : [];
      return [...new Set([...chosen, ...inBlocks])];
    };
    if (!ports) {
      if (ranges === null) out.everything = true;
      else out.peers.push(...ranges);
      continue;
    }
    for (const pr of ports.numbered) {
      if (ranges === null) out.ports.push(pr);
      else for (const ips of ranges) out.peerPorts.push({ ips, proto: pr.proto, ports: pr.ports });
    }
    for (const n of ports.named) {
      if (direction === 'ingress') {
        out.named.push({ sources: ranges, proto: n.proto, name: n.name });
      } else {
        // Egress: the name is resolved on each destination pod.
        for (const p of peerPods()) {
          const port = namedPort(p.pod, n.name, n.proto);
          if (port !== undefined) out.peerPorts.push({ ips: point(p.addr), proto: n.proto, ports: point(port) });
        }
      }
    }
  }
  return out;
}

function allowance(contributions: Contribution[], members: PodEntry[]): Allowance {
  const boxes: Box[] = [];
  const ports: Box[] = [];
  const named = new Map<number, Box[]>();
  let everything = false;
  const peers: Interval[] = [];
  for (const c of contributions) {
    everything ||= c.everything;
    peers.push(...c.peers);
    boxes.push(...c.peerPorts);
    ports.push(...c.ports.map((p) => ({ ips: ALL_ADDRESSES, proto: p.proto, ports: p.ports })));
    for (const n of c.named) {
      for (const m of members) {
        const port = namedPort(m.pod, n.name, n.proto);
        if (port === undefined) continue;
        const list = named.get(m.addr) ?? [];
        for (const ips of n.sources ?? [ALL_ADDRESSES]) list.push({ ips, proto: n.proto, ports: point(port) });
        named.set(m.addr, list);
      }
    }
  }
  return {
    everything,
    peers: unionIntervals(peers),
    peerPorts: normalizeBoxes(boxes),
    ports: normalizeBoxes(ports).map((b) => ({ proto: b.proto, ports: b.ports })),
    named: [...named.entries()].sort((a, b) => a[0] - b[0]).flatMap(([pod, list]) => normalizeBoxes(list).map((box) => ({ pod, box }))),
  };
}

export function policySetId(direction: Direction, enforcedBy: string[], auditedBy: string[]): string {
  return createHash('sha256').update(`${direction}\n${enforcedBy.join(',')}\n${auditedBy.join(',')}`).digest('hex').slice(0, 12);
}

function direction(inputs: PolicyInputs, cluster: Cluster, dir: Direction): DirectionPolicy {
  const members = new Map<string, string>();
  const sets = new Map<string, PolicySet>();
  // Which policies select each pod of this node, for this direction.
  const selecting = new Map<PodEntry, NetworkPolicy[]>();
  for (const policy of inputs.policies) {
    if (!policyTypes(policy).includes(dir)) continue;
    const selector = labelSelectorFromSpec(policy.spec.podSelector ?? {}, false)!;
    for (const p of cluster.localPods(policy.metadata.namespace!, selector)) {
      const list = selecting.get(p) ?? [];
      list.push(policy);
      selecting.set(p, list);
    }
  }
  const groups = new Map<string, { enforced: NetworkPolicy[]; audited: NetworkPolicy[]; members: PodEntry[] }>();
  for (const [p, policies] of selecting) {
    const sorted = [...policies].sort((a, b) => policyKey(a).localeCompare(policyKey(b)));
    const enforced = sorted.filter((x) => !isAudit(x));
    const audited = sorted.filter(isAudit);
    const id = policySetId(dir, enforced.map(policyKey), audited.map(policyKey));
    const g = groups.get(id) ?? { enforced, audited, members: [] };
    g.members.push(p);
    groups.set(id, g);
    members.set(p.ip, id);
  }
  const contributions = new Map<NetworkPolicy, Contribution>();
  const of = (p: NetworkPolicy) => {
    let c = contributions.get(p);
    if (!c) contributions.set(p, (c = contribution(p, dir, cluster)));
    return c;
  };
  for (const [id, g] of groups) {
    const enforcedBy = g.enforced.map(policyKey);
    const auditedBy = g.audited.map(policyKey);
    const set: PolicySet = { id, direction: dir, enforcedBy, auditedBy, allowed: allowance([...g.enforced, ...g.audited].map(of), g.members) };
    if (enforcedBy.length && auditedBy.length) set.allowedByEnforced = allowance(g.enforced.map(of), g.members);
    sets.set(id, set);
  }
  return { members, sets };
}

/** Everything NetworkPolicy asks of `inputs.nodeName`. */
export function computeNodePolicy(inputs: PolicyInputs): NodePolicy {
  const cluster = new Cluster(inputs);
  const localPods = new Map<string, string>();
  const podNames = new Map<string, string>();
  for (const p of cluster.all) {
    if (p.pod.spec.nodeName === inputs.nodeName) localPods.set(p.pod.metadata.uid!, p.ip);
    podNames.set(p.ip, `${p.pod.metadata.namespace}/${p.pod.metadata.name}`);
  }
  return { ingress: direction(inputs, cluster, 'ingress'), egress: direction(inputs, cluster, 'egress'), localPods, podNames };
}
