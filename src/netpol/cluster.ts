// The cluster as policies see it: pods with an address (running, on the pod network), indexed by
// namespace and labels, the node's own pods apart, and namespaces by their labels. Built once per
// sync from the informers' caches; NetworkPolicy (model.ts) and ClusterNetworkPolicy
// (cluster-policy.ts) resolve their selectors against it.

import { parseIPv4 } from '../common/ipv4.js';
import { labelSelectorFromSpec, type LabelSelectorMatcher } from '../kube/selectors.js';
import type { LabelSelector, Namespace, Pod } from '../kube/types.js';
import type { Protocol } from './intervals.js';
import { LabelIndex } from './label-index.js';

export interface PodEntry {
  pod: Pod;
  ip: string;
  addr: number;
  labels: Record<string, string>;
}

export const PROTOCOLS: Record<string, Protocol> = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp' };

/** The address policies see for a pod: running (not finished), pod network, an IP assigned. */
export function podAddress(pod: Pod): string | undefined {
  if (pod.spec.hostNetwork) return undefined;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return undefined;
  return pod.status?.podIP || pod.status?.podIPs?.[0]?.ip || undefined;
}

/** The port a pod gives a name to, for a protocol. */
export function namedPort(pod: Pod, name: string, proto: Protocol): number | undefined {
  for (const c of pod.spec.containers) {
    for (const p of c.ports ?? []) if (p.name === name && PROTOCOLS[p.protocol ?? 'TCP'] === proto) return p.containerPort;
  }
  return undefined;
}

/** A selector as a matcher; a missing one selects everything. */
export const selectorOf = (s: LabelSelector | undefined): LabelSelectorMatcher => labelSelectorFromSpec(s ?? {}, false)!;

const podIndex = () => new LabelIndex<PodEntry>((p) => p.labels);

export class Cluster {
  readonly all: PodEntry[] = [];
  /** Every pod with an address, by namespace; and the node's own pods, by namespace. */
  private readonly byNamespace = new Map<string, LabelIndex<PodEntry>>();
  private readonly localByNamespace = new Map<string, LabelIndex<PodEntry>>();
  private readonly namespaces: LabelIndex<string>;

  constructor(readonly nodeName: string, pods: Pod[], namespaces: Namespace[]) {
    const namespaceLabels = new Map<string, Record<string, string>>();
    for (const ns of namespaces) {
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
    for (const pod of pods) {
      const ip = podAddress(pod);
      if (!ip) continue;
      const entry = { pod, ip, addr: parseIPv4(ip), labels: pod.metadata.labels ?? {} };
      this.all.push(entry);
      indexIn(this.byNamespace, pod.metadata.namespace!, entry);
      if (pod.spec.nodeName === nodeName) indexIn(this.localByNamespace, pod.metadata.namespace!, entry);
    }
  }

  /** Pods of one namespace that a selector chooses (of this node only, when `local`). */
  podsIn(namespace: string, pods: LabelSelectorMatcher, local = false): PodEntry[] {
    return (local ? this.localByNamespace : this.byNamespace).get(namespace)?.select(pods) ?? [];
  }

  /** Pods of the namespaces one selector chooses that another selector chooses. */
  podsInNamespaces(namespaces: LabelSelectorMatcher, pods: LabelSelectorMatcher, local = false): PodEntry[] {
    return this.namespaces.select(namespaces).flatMap((ns) => this.podsIn(ns, pods, local));
  }
}
