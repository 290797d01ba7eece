// The node's pod network, as flannel runs it beside kubelet: wait for the podCIDR the IPAM
// controller gives the Node, set up cni0 (and flannel.1), publish the VTEP on the Node, and keep
// routes to every other node's pod range in line with the Node objects.

import type { Node } from '../../kube/types.js';
import type { Informer } from '../../client/informer.js';
import { NodeCni, type NetworkMode, type NodeNetwork, type Peer } from '../cni/index.js';

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
    private readonly log: (line: string) => void,
  ) {
    this.cni = new NodeCni({ dataDir });
  }

  get network(): NodeNetwork | undefined {
    return this.net;
  }

  /**
   * Sets up cni0 (and flannel.1) for the node's range: the one given (known from the start, so
   * this runs while the agent registers), else the one the IPAM controller puts on the Node.
   */
  async setup(podCIDR?: string): Promise<NodeNetwork> {
    const cidr = podCIDR ?? await new Promise<string>((resolve) => {
      const check = () => {
        const c = this.nodes.get(undefined, this.o.nodeName)?.spec.podCIDR;
        if (c) resolve(c);
        return c;
      };
      if (!check()) this.nodes.addHandler({ add: () => void check(), update: () => void check() });
    });
    this.net = await this.cni.setupNodeNetwork({ podCIDR: cidr, nodeIP: this.o.nodeIP, mode: this.o.mode, clusterCIDR: this.o.clusterCIDR });
    this.log(`pod network ready: ${cidr} on cni0 (${this.o.mode})`);
    return this.net;
  }

  /** flannel's annotations for the Node: its backend, public IP and (vxlan) VTEP MAC. */
  annotations(): Record<string, string> {
    const vtepMAC = this.net?.vtepMAC;
    return {
      [FLANNEL_BACKEND_TYPE]: this.o.mode === 'vxlan' ? 'vxlan' : 'host-gw',
      [FLANNEL_PUBLIC_IP]: this.o.nodeIP,
      [FLANNEL_BACKEND_DATA]: vtepMAC ? JSON.stringify({ VNI: 1, VtepMAC: vtepMAC }) : 'null',
    };
  }

  /** Keeps the routes to the other nodes' pods in line with the Node objects from now on. */
  async followPeers(): Promise<void> {
    this.nodes.addHandler({ add: () => void this.syncPeers(), update: () => void this.syncPeers(), delete: () => void this.syncPeers() });
    await this.syncPeers();
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
