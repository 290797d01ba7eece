// ClusterNetworkPolicy (policy.networking.k8s.io v1alpha2, network-policy-api v0.2.0) as one
// node's rules: for each tier and direction, the node's pods a policy's subject selects, grouped
// by the ordered list of policies that select them, and each group's rules in order of
// precedence (priority, lowest first, then name, as kube-network-policies breaks ties; within a
// policy, the order written). The Admin tier is judged before NetworkPolicy, the Baseline tier
// after it, for pods NetworkPolicy does not select; in each, the first rule that matches decides:
// Accept and Deny end the judgement, Pass hands it to the next tier.

import { createHash } from 'node:crypto';
import type { ClusterNetworkPolicy, ClusterNetworkPolicyPeer, ClusterNetworkPolicyProtocol, ClusterNetworkPolicyRule, Node } from '../kube/types.js';
import { allowance, grantRule, noGrant, type Allowance, type Direction, type RulePorts } from './allowance.js';
import { type Cluster, selectorOf, type PodEntry } from './cluster.js';
import { ALL_PORTS, cidrInterval, point, type Interval, type Protocol } from './intervals.js';

export type Tier = 'admin' | 'baseline';
export type Action = 'Accept' | 'Deny' | 'Pass';

export interface TierRule {
  /** The ClusterNetworkPolicy's name. */
  policy: string;
  /** The rule's name, or "#<index>" when it has none. */
  rule: string;
  action: Action;
  /** The traffic the rule applies to. */
  match: Allowance;
}

export interface TierChain {
  id: string;
  tier: Tier;
  direction: Direction;
  /** The policies that select the chain's pods, in order of precedence. */
  policies: string[];
  rules: TierRule[];
}

export interface TierDirection {
  /** Address of each of the node's pods a policy of the tier selects -> its chain's id. */
  members: Map<string, string>;
  chains: Map<string, TierChain>;
}

export type TierPolicies = Record<Tier, Record<Direction, TierDirection>>;

const emptyDirection = (): TierDirection => ({ members: new Map(), chains: new Map() });

/** The node's pods a policy's subject selects (never hostNetwork pods: they have no pod address). */
function subjectPods(p: ClusterNetworkPolicy, cluster: Cluster): PodEntry[] {
  const s = p.spec.subject ?? {};
  if (s.namespaces) return cluster.podsInNamespaces(selectorOf(s.namespaces), selectorOf({}), true);
  if (s.pods) return cluster.podsInNamespaces(selectorOf(s.pods.namespaceSelector), selectorOf(s.pods.podSelector), true);
  return [];
}

/** Addresses of the nodes a selector chooses (their InternalIPs). */
function nodeAddresses(nodes: Node[], selector: ClusterNetworkPolicyPeer['nodes']): Interval[] {
  const m = selectorOf(selector);
  return nodes.filter((n) => m.matches(n.metadata.labels)).flatMap((n) => (n.status?.addresses ?? []).filter((a) => a.type === 'InternalIP').map((a) => cidrInterval(`${a.address}/32`)).filter((i): i is Interval => i !== null));
}

function protocolsOf(list: ClusterNetworkPolicyProtocol[] | undefined): RulePorts | null {
  if (!list?.length) return null;
  const out: RulePorts = { numbered: [], named: [] };
  for (const p of list) {
    for (const proto of ['tcp', 'udp', 'sctp'] as const) {
      const port = p[proto]?.destinationPort;
      if (!p[proto]) continue;
      out.numbered.push({ proto, ports: port?.range ? { lo: port.range.start, hi: port.range.end } : port?.number ? point(port.number) : ALL_PORTS });
    }
    // A named port carries its protocol on the pod: whichever protocol the name has there.
    if (p.destinationNamedPort) for (const proto of ['tcp', 'udp', 'sctp'] as Protocol[]) out.named.push({ proto, name: p.destinationNamedPort });
  }
  return out;
}

/**
 * A rule's peers as addresses (null: anyone) and the pods among them. A peer with no field knit
 * can enforce (domainNames, or a field newer than knit) matches nothing in an Accept rule and
 * everything in a Deny or Pass rule: upstream's fail-closed reading.
 */
function peersOf(rule: ClusterNetworkPolicyRule, direction: Direction, cluster: Cluster, nodes: Node[]): { ranges: Interval[] | null; pods: PodEntry[] } {
  const peers = (direction === 'ingress' ? rule.from : rule.to) ?? [];
  const ranges: Interval[] = [];
  const pods: PodEntry[] = [];
  for (const peer of peers) {
    let known = false;
    if (peer.namespaces) {
      known = true;
      const chosen = cluster.podsInNamespaces(selectorOf(peer.namespaces), selectorOf({}));
      pods.push(...chosen);
      ranges.push(...chosen.map((p) => point(p.addr)));
    }
    if (peer.pods) {
      known = true;
      const chosen = cluster.podsInNamespaces(selectorOf(peer.pods.namespaceSelector), selectorOf(peer.pods.podSelector));
      pods.push(...chosen);
      ranges.push(...chosen.map((p) => point(p.addr)));
    }
    if (direction === 'egress' && peer.networks) {
      known = true;
      for (const cidr of peer.networks) {
        const i = cidrInterval(cidr);
        if (i) ranges.push(i);
      }
      pods.push(...cluster.all.filter((p) => peer.networks!.some((c) => { const i = cidrInterval(c); return i !== null && i.lo <= p.addr && p.addr <= i.hi; })));
    }
    if (direction === 'egress' && peer.nodes) {
      known = true;
      ranges.push(...nodeAddresses(nodes, peer.nodes));
    }
    if (!known && rule.action !== 'Accept') return { ranges: null, pods: cluster.all };
  }
  return { ranges, pods };
}

function compileRule(p: ClusterNetworkPolicy, rule: ClusterNetworkPolicyRule, index: number, direction: Direction, cluster: Cluster, nodes: Node[], members: PodEntry[]): TierRule {
  const { ranges, pods } = peersOf(rule, direction, cluster, nodes);
  const grant = noGrant();
  grantRule(grant, direction, ranges, () => pods, protocolsOf(rule.protocols));
  return { policy: p.metadata.name!, rule: rule.name || `#${index}`, action: rule.action, match: allowance([grant], members) };
}

export function tierChainId(tier: Tier, direction: Direction, policies: string[]): string {
  return createHash('sha256').update(`${tier}\n${direction}\n${policies.join(',')}`).digest('hex').slice(0, 12);
}

const precedence = (a: ClusterNetworkPolicy, b: ClusterNetworkPolicy) => (a.spec.priority ?? 0) - (b.spec.priority ?? 0) || a.metadata.name!.localeCompare(b.metadata.name!);

/** Every tier's chains for the node's pods. */
export function computeTiers(policies: ClusterNetworkPolicy[], cluster: Cluster, nodes: Node[] = []): TierPolicies {
  const out: TierPolicies = { admin: { ingress: emptyDirection(), egress: emptyDirection() }, baseline: { ingress: emptyDirection(), egress: emptyDirection() } };
  for (const tier of ['admin', 'baseline'] as const) {
    const ofTier = policies.filter((p) => p.spec?.tier?.toLowerCase() === tier).sort(precedence);
    const subjects = new Map(ofTier.map((p) => [p, subjectPods(p, cluster)]));
    for (const direction of ['ingress', 'egress'] as const) {
      const groups = new Map<string, { policies: ClusterNetworkPolicy[]; members: PodEntry[] }>();
      const selecting = new Map<PodEntry, ClusterNetworkPolicy[]>();
      for (const p of ofTier) {
        if (!p.spec[direction]?.length) continue;
        for (const pod of subjects.get(p)!) selecting.set(pod, [...(selecting.get(pod) ?? []), p]);
      }
      const d = out[tier][direction];
      for (const [pod, list] of selecting) {
        const id = tierChainId(tier, direction, list.map((p) => p.metadata.name!));
        const g = groups.get(id) ?? { policies: list, members: [] };
        g.members.push(pod);
        groups.set(id, g);
        d.members.set(pod.ip, id);
      }
      for (const [id, g] of groups) {
        const rules = g.policies.flatMap((p) => (p.spec[direction] ?? []).map((rule, i) => compileRule(p, rule, i, direction, cluster, nodes, g.members)));
        d.chains.set(id, { id, tier, direction, policies: g.policies.map((p) => p.metadata.name!), rules });
      }
    }
  }
  return out;
}
