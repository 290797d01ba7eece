// The node's pod network, as flannel runs it beside kubelet: wait for the podCIDR the IPAM
// controller gives the Node, set up cni0 (and flannel.1), publish the VTEP on the Node, and keep
// routes to every other node's pod range in line with the Node objects.

import type { Node } from '../../api/types.js';
import type { Informer } from '../../client/informer.js';
import { NodeCni, type NetworkMode, type NodeNetwork, type Peer } from '../cni/index.js';
import type { NodeStatusReporter } from './node-status.js';

export const FLANNEL_BACKEND_DATA = 'flannel.alpha.coreos.com/backend-data';
export const FLANNEL_BACKEND_TYPE = 'flannel.alpha.coreos.com/backend-type';
export const FLANNEL_PUBLIC_IP = 'flannel.alpha.coreos.com/public-ip';

const internalIP = (n: Node) => n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;

export function peersFrom(nodes: Node[], self: string): Peer[] {
  const out: Peer[] = [];
  for (const n of nodes) {
    if (n.metadata.name === self || !n.spec.podCIDR) continue;
    const ip = n.metadata.annotations?.[FLANNEL_PUBLIC_IP] ?? internalIP(n);
    if (!ip) continue;
    let vtepMAC: string | undefined;
    try {
      vtepMAC = JSON.parse(n.metadata.annotations?.[FLANNEL_BACKEND_DATA] ?? '{}').VtepMAC;
    } catch { /* not published yet */ }
    out.push({ nodeName: n.metadata.name!, nodeIP: ip, podCIDR: n.spec.podCIDR, vtepMAC });
  }
  return out;
}

export class NodeNetworkManager {
  readonly cni: NodeCni;
  private net?: NodeNetwork;
  private syncing = false;
  private again = false;

  constructor(
    dataDir: string,
    private readonly o: { nodeName: string; nodeIP: string; mode: NetworkMode; clusterCIDR: string },
    private readonly nodes: Informer<Node>,
    private readonly status: NodeStatusReporter,
    private readonly log: (line: string) => void,
  ) {
    this.cni = new NodeCni({ dataDir });
  }

  get network(): NodeNetwork | undefined {
    return this.net;
  }

  /** Resolves once the node's podCIDR is known and the node network is set up. */
  async start(): Promise<NodeNetwork> {
    const podCIDR = await new Promise<string>((resolve) => {
      const check = () => {
        const cidr = this.nodes.get(undefined, this.o.nodeName)?.spec.podCIDR;
        if (cidr) resolve(cidr);
        return cidr;
      };
      if (!check()) this.nodes.addHandler({ add: () => void check(), update: () => void check() });
    });
    this.net = await this.cni.setupNodeNetwork({ podCIDR, nodeIP: this.o.nodeIP, mode: this.o.mode, clusterCIDR: this.o.clusterCIDR });
    this.log(`pod network ready: ${podCIDR} on cni0 (${this.o.mode})`);
    const annotations: Record<string, string> = { [FLANNEL_BACKEND_TYPE]: this.o.mode === 'vxlan' ? 'vxlan' : 'host-gw', [FLANNEL_PUBLIC_IP]: this.o.nodeIP };
    annotations[FLANNEL_BACKEND_DATA] = this.net.vtepMAC ? JSON.stringify({ VNI: 1, VtepMAC: this.net.vtepMAC }) : 'null';
    await this.status.setAnnotations(annotations);
    this.nodes.addHandler({ add: () => void this.syncPeers(), update: () => void this.syncPeers(), delete: () => void this.syncPeers() });
    await this.syncPeers();
    return this.net;
  }

  private async syncPeers(): Promise<void> {
    if (!this.net) return;
    if (this.syncing) { this.again = true; return; }
    this.syncing = true;
    try {
      do {
        this.again = false;
        const r = await this.cni.syncPeers(peersFrom(this.nodes.list(), this.o.nodeName));
        if (r.changed.length || r.removed.length) this.log(`routes to other nodes' pods: +[${r.changed.join(' ')}] -[${r.removed.join(' ')}]`);
      } while (this.again);
    } catch (err) {
      this.log(`syncing routes to other nodes: ${(err as Error).message}`);
    } finally {
      this.syncing = false;
    }
  }
}
