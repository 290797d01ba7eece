// What the Proxier asks of a backend (iptables or nftables): program the kernel from the plans.

import type { ServicePortPlan } from './plan.js';
import type { ProxyMode } from './types.js';

export interface SyncRequest {
  plans: ServicePortPlan[];
  /** Rewrite everything; otherwise only the chains of `changed` Services ("ns/svc"). */
  full: boolean;
  changed: Set<string>;
}

export interface SyncResult {
  /** Counts for the "Reloading service <mode> data" log line. */
  details: Record<string, number>;
  /** Ask for another sync this soon (e.g. to delete chains that had to wait). */
  resyncAfterMs?: number;
}

export interface ProxyBackend {
  readonly mode: ProxyMode;
  /** Programs the kernel in one transaction; throws (changing nothing) when the kernel refuses it. */
  sync(req: SyncRequest): Promise<SyncResult>;
  /** False when our rules vanished behind our back (a flush): the next sync must be full. */
  rulesIntact(): Promise<boolean>;
}

/** Options both backends share. */
export interface BackendOptions {
  /** e.g. "0x4000" (bit 14). */
  masqueradeMark: string;
  /** The cluster (pod) CIDR: traffic from outside it to a cluster IP is masqueraded. */
  clusterCIDR?: string;
  /** Masquerade all cluster-IP traffic. */
  masqueradeAll: boolean;
  /** null: NodePorts on every local address; otherwise only on these. */
  nodePortIPs: string[] | null;
  /** This node's addresses (a LoadBalancer source range that holds one admits the node). */
  nodeIPs: string[];
}
