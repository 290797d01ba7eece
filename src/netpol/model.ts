// What NetworkPolicy (and ClusterNetworkPolicy, cluster-policy.ts) asks of one node, as a pure
// function of the cluster's Pods, Namespaces and policies: for each direction, which of the node's
// pods are isolated, by which policies, and what those policies allow them, resolved to
// addresses, protocols and ports.
//
// Pods isolated by the same policies share one policy set (one chain in the kernel), so a pod
// that comes or goes is only an element of a map and of some sets. Ingress is judged on the
// destination's node and egress on the source's node; a connection needs both.

import { createHash } from 'node:crypto';
import { NETWORK_POLICY_MODE_ANNOTATION, type ClusterNetworkPolicy, type Namespace, type NetworkPolicy, type NetworkPolicyPeer, type Node, type Pod } from '../kube/types.js';
import { allowance, grantRule, networkPolicyPorts, noGrant, type Allowance, type Direction, type Grant } from './allowance.js';
import { Cluster, selectorOf, type PodEntry } from './cluster.js';
import { computeTiers, type TierPolicies } from './cluster-policy.js';
import { cidrInterval, point, subtractIntervals, type Interval } from './intervals.js';

export type { Allowance, Direction, NamedPortBox, PortRange } from './allowance.js';
export { podAddress } from './cluster.js';

export interface PolicyInputs {
  nodeName: string;
  pods: Pod[];
  namespaces: Namespace[];
  policies: NetworkPolicy[];
  /** policy.networking.k8s.io ClusterNetworkPolicies, when that API is served. */
  clusterPolicies?: ClusterNetworkPolicy[];
  /** Nodes, for ClusterNetworkPolicy's `nodes` peers. */
  nodes?: Node[];
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
  /** ClusterNetworkPolicy's Admin tier (before NetworkPolicy) and Baseline tier (after it). */
  tiers: TierPolicies;
  /** The node's pods that have an address (uid -> address): what a sync has taken into account. */
  localPods: Map<string, string>;
  /** Every pod's address -> "namespace/name", for log lines. */
  podNames: Map<string, string>;
}

export function policyKey(p: NetworkPolicy): string {
  return `${p.metadata.namespace}/${p.metadata.name}`;
}

export function isAudit(p: NetworkPolicy): boolean {
  return p.metadata.annotations?.[NETWORK_POLICY_MODE_ANNOTATION] === 'audit';
}

/** policyTypes as stored, or upstream's defaults for an object that predates them. */
export function policyTypes(p: NetworkPolicy): Direction[] {
  const types = p.spec.policyTypes?.length ? p.spec.policyTypes : (p.spec.egress?.length ? ['Ingress', 'Egress'] : ['Ingress']);
  return types.map((t) => (t === 'Egress' ? 'egress' : 'ingress'));
}

/** Pods a NetworkPolicy peer's selectors choose, seen from a policy in `namespace`. */
function peerPods(cluster: Cluster, peer: NetworkPolicyPeer, namespace: string): PodEntry[] {
  const pods = selectorOf(peer.podSelector);
  return peer.namespaceSelector ? cluster.podsInNamespaces(selectorOf(peer.namespaceSelector), pods) : cluster.podsIn(namespace, pods);
}

/** A policy's rules in one direction, resolved to addresses. */
function grantOf(policy: NetworkPolicy, direction: Direction, cluster: Cluster): Grant {
  const out = noGrant();
  const ns = policy.metadata.namespace!;
  const rules = direction === 'ingress'
    ? (policy.spec.ingress ?? []).map((r) => ({ peers: r.from, ports: r.ports }))
    : (policy.spec.egress ?? []).map((r) => ({ peers: r.to, ports: r.ports }));
  for (const rule of rules) {
    // Peers as address ranges; the pods among them (for named ports on egress) only when asked.
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
          const pods = peerPods(cluster, peer, ns);
          chosen.push(...pods);
          ranges.push(...pods.map((p) => point(p.addr)));
        }
      }
      ranges.push(...blocks);
    }
    const pods = () => {
      if (ranges === null) return cluster.all;
      const inBlocks = blocks.length ? cluster.all.filter((p) => blocks.some((b) => b.lo <= p.addr && p.addr <= b.hi)) : [];
      return [...new Set([...chosen, ...inBlocks])];
    };
    grantRule(out, direction, ranges, pods, networkPolicyPorts(rule.ports));
  }
  return out;
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
    for (const p of cluster.podsIn(policy.metadata.namespace!, selectorOf(policy.spec.podSelector), true)) {
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
  const grants = new Map<NetworkPolicy, Grant>();
  const of = (p: NetworkPolicy) => {
    let g = grants.get(p);
    if (!g) grants.set(p, (g = grantOf(p, dir, cluster)));
    return g;
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

/** Everything NetworkPolicy and ClusterNetworkPolicy ask of `inputs.nodeName`. */
export function computeNodePolicy(inputs: PolicyInputs): NodePolicy {
  const cluster = new Cluster(inputs.nodeName, inputs.pods, inputs.namespaces);
  const localPods = new Map<string, string>();
  const podNames = new Map<string, string>();
  for (const p of cluster.all) {
    if (p.pod.spec.nodeName === inputs.nodeName) localPods.set(p.pod.metadata.uid!, p.ip);
    podNames.set(p.ip, `${p.pod.metadata.namespace}/${p.pod.metadata.name}`);
  }
  return {
    ingress: direction(inputs, cluster, 'ingress'),
    egress: direction(inputs, cluster, 'egress'),
    tiers: computeTiers(inputs.clusterPolicies ?? [], cluster, inputs.nodes),
    localPods,
    podNames,
  };
}
