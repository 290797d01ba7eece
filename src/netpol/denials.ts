// Denied connections as lines people read: one line per connection (not per packet: a SYN sent
// again, or a UDP flow, is one connection), at most one per second for each pair of addresses
// and port, each naming the policies that isolated the pod. The kernel logs the packets (NFLOG,
// with the policy set's id in the prefix); the reader hands them here.
//
//   2026-12-06T05:15:03.123Z DENIED tcp prod/database (10.244.2.4:40312) -> prod/backend (10.244.1.2:8080) ingress; isolated by prod/allow-frontend-to-backend
//   2026-12-06T05:16:11.020Z AUDIT would deny udp prod/backend (10.244.1.2:51202) -> external 8.8.8.8:53 egress; audited by prod/try-egress

import type { NflogRecord } from '../platform/index.js';
import type { TierChain } from './cluster-policy.js';
import type { PolicySet } from './model.js';
import { LOG_PREFIX } from './rules.js';

export interface DenialLogOptions {
  /** The policy set behind an id in a log prefix. */
  policySet(id: string): PolicySet | undefined;
  /** The ClusterNetworkPolicy chain behind an id in a log prefix. */
  tierChain(id: string): TierChain | undefined;
  /** "ns/name" for a pod address, "node <name>" for a node's, undefined for anything else. */
  describe(ip: string): string | undefined;
  sink(line: string): void;
}

const PROTOCOLS: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 132: 'sctp' };
const CONNECTION_MEMORY_MS = 60_000;
const PAIR_INTERVAL_MS = 1000;

export class DenialLog {
  private readonly connections = new Map<string, number>();
  private readonly pairs = new Map<string, { last: number; suppressed: number }>();
  private lastSweep = 0;

  constructor(private readonly o: DenialLogOptions) {}

  /** Counts of what was logged, for metrics. */
  readonly counts = { denied: 0, audited: 0, suppressed: 0 };

  record(r: NflogRecord): void {
    const [tag, kind, dir, id, ruleIndex] = r.prefix.split(':');
    if (tag !== LOG_PREFIX || !id) return;
    const direction = dir === 'i' ? 'ingress' : 'egress';
    this.sweep(r.at);
    const connection = `${r.protocol} ${r.srcIp}:${r.srcPort} ${r.dstIp}:${r.dstPort} ${direction}`;
    const seen = this.connections.get(connection);
    this.connections.set(connection, r.at);
    if (seen !== undefined && r.at - seen < CONNECTION_MEMORY_MS) return;
    const pairKey = `${r.protocol} ${r.srcIp} ${r.dstIp}:${r.dstPort} ${direction}`;
    const pair = this.pairs.get(pairKey);
    if (pair && r.at - pair.last < PAIR_INTERVAL_MS) {
      pair.suppressed++;
      this.counts.suppressed++;
      return;
    }
    this.pairs.set(pairKey, { last: r.at, suppressed: 0 });
    const proto = PROTOCOLS[r.protocol] ?? `protocol ${r.protocol}`;
    const verdict = kind === 'a' ? 'AUDIT would deny' : 'DENIED';
    const why = this.why(kind, id, ruleIndex);
    const more = pair?.suppressed ? ` (and ${pair.suppressed} more like it in the last second)` : '';
    this.counts[kind === 'a' ? 'audited' : 'denied']++;
    this.o.sink(`${new Date(r.at).toISOString()} ${verdict} ${proto} ${this.end(r.srcIp, r.srcPort)} -> ${this.end(r.dstIp, r.dstPort)} ${direction}; ${why}${more}`);
  }

  /** What decided: the policies that isolated the pod, the audited ones, or a ClusterNetworkPolicy's rule. */
  private why(kind: string, id: string, ruleIndex: string | undefined): string {
    if (kind === 'c') {
      const chain = this.o.tierChain(id);
      const rule = chain?.rules[Number(ruleIndex)];
      if (!chain || !rule) return `denied by ClusterNetworkPolicy chain ${id} rule ${ruleIndex}`;
      return `denied by ClusterNetworkPolicy ${rule.policy} rule ${rule.rule} (${chain.tier === 'admin' ? 'Admin' : 'Baseline'} tier)`;
    }
    const set = this.o.policySet(id);
    return kind === 'a'
      ? `audited by ${set?.auditedBy.join(', ') ?? `policy set ${id}`}`
      : `isolated by ${set?.enforcedBy.join(', ') ?? `policy set ${id}`}`;
  }

  private end(ip: string, port: number | undefined): string {
    const address = port === undefined ? ip : `${ip}:${port}`;
    const name = this.o.describe(ip);
    return name ? `${name} (${address})` : `external ${address}`;
  }

  /** Forgets connections and pairs not seen for a while, so memory stays bounded. */
  private sweep(now: number): void {
    if (now - this.lastSweep < CONNECTION_MEMORY_MS) return;
    this.lastSweep = now;
    for (const [k, at] of this.connections) if (now - at > CONNECTION_MEMORY_MS) this.connections.delete(k);
    for (const [k, p] of this.pairs) if (now - p.last > CONNECTION_MEMORY_MS) this.pairs.delete(k);
  }
}
