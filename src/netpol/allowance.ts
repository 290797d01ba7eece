// What policy rules allow (or, for ClusterNetworkPolicy, match), resolved to addresses, protocols
// and ports and brought to the normal form nftables interval sets need. A rule names its peers
// (addresses, or anyone) and its ports (numbers and ranges, names, or every port); a named port
// is resolved on the destination pod: for egress on each peer pod, for ingress on each pod the
// rule protects, which is why named ingress ports are kept apart per destination.

import { ALL_ADDRESSES, ALL_PORTS, normalizeBoxes, point, unionIntervals, type Box, type Interval, type Protocol } from './intervals.js';
import { namedPort, PROTOCOLS, type PodEntry } from './cluster.js';
import type { NetworkPolicyPort } from '../kube/types.js';

export type Direction = 'ingress' | 'egress';

/** Traffic on a port of a destination pod, from (ingress) sources in `box.ips`. */
export interface NamedPortBox {
  pod: number;
  box: Box;
}

export interface PortRange {
  proto: Protocol;
  ports: Interval;
}

/** Allowed (or matched) traffic, in normal form (disjoint elements). */
export interface Allowance {
  /** Every peer on every port. */
  everything: boolean;
  /** Peers on every port and protocol. */
  peers: Interval[];
  /** Peers on some protocols and ports. */
  peerPorts: Box[];
  /** Some ports, from (ingress) or to (egress) anyone. */
  ports: PortRange[];
  /** Ingress only: named ports, resolved on each destination pod. */
  named: NamedPortBox[];
}

export interface RulePorts {
  numbered: PortRange[];
  named: { proto: Protocol; name: string }[];
}

/** A rule resolved to addresses, not yet per destination pod. */
export interface Grant {
  everything: boolean;
  peers: Interval[];
  peerPorts: Box[];
  ports: PortRange[];
  /** Ingress: named ports to resolve on each destination pod, for these sources (null: anyone). */
  named: { sources: Interval[] | null; proto: Protocol; name: string }[];
}

export const noGrant = (): Grant => ({ everything: false, peers: [], peerPorts: [], ports: [], named: [] });

/** NetworkPolicy's ports: null (every port) when there are none. */
export function networkPolicyPorts(list: NetworkPolicyPort[] | undefined): RulePorts | null {
  if (!list?.length) return null;
  const out: RulePorts = { numbered: [], named: [] };
  for (const p of list) {
    const proto = PROTOCOLS[p.protocol ?? 'TCP'];
    if (!proto) continue;
    if (p.port === undefined || p.port === null) out.numbered.push({ proto, ports: ALL_PORTS });
    else if (typeof p.port === 'number') out.numbered.push({ proto, ports: { lo: p.port, hi: p.endPort ?? p.port } });
    else out.named.push({ proto, name: p.port });
  }
  return out;
}

/**
 * One rule into `into`: peers as address ranges (null: anyone), the pods among them (asked only
 * for named egress ports), and its ports (null: every port).
 */
export function grantRule(into: Grant, direction: Direction, ranges: Interval[] | null, peerPods: () => PodEntry[], ports: RulePorts | null): void {
  if (!ports) {
    if (ranges === null) into.everything = true;
    else into.peers.push(...ranges);
    return;
  }
  for (const pr of ports.numbered) {
    if (ranges === null) into.ports.push(pr);
    else for (const ips of ranges) into.peerPorts.push({ ips, proto: pr.proto, ports: pr.ports });
  }
  for (const n of ports.named) {
    if (direction === 'ingress') {
      into.named.push({ sources: ranges, proto: n.proto, name: n.name });
      continue;
    }
    for (const p of peerPods()) {
      const port = namedPort(p.pod, n.name, n.proto);
      if (port !== undefined) into.peerPorts.push({ ips: point(p.addr), proto: n.proto, ports: point(port) });
    }
  }
}

/** Grants together, with ingress named ports resolved on each of `members`, in normal form. */
export function allowance(grants: Grant[], members: PodEntry[]): Allowance {
  const boxes: Box[] = [];
  const ports: Box[] = [];
  const named = new Map<number, Box[]>();
  let everything = false;
  const peers: Interval[] = [];
  for (const g of grants) {
    everything ||= g.everything;
    peers.push(...g.peers);
    boxes.push(...g.peerPorts);
    ports.push(...g.ports.map((p) => ({ ips: ALL_ADDRESSES, proto: p.proto, ports: p.ports })));
    for (const n of g.named) {
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
