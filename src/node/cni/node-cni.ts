// NodeCni: the node agent's pod network, what a CNI bridge plugin + host-local IPAM + flannel
// do on a real node, as one object per node. Calls are serialized: one change at a time.

import { join } from 'node:path';
import { HostLocalIpam } from './ipam.js';
import { setupNodeNetwork, type NodeNetwork, type NodeNetworkConfig } from './node-network.js';
import { syncPeers, type Peer, type PeerSyncResult } from './peers.js';
import { addPod, delPod, listPods, type AddPodRequest, type PodNetwork, type PodRecord } from './pod-network.js';

export interface NodeCniOptions {
  /** The node agent's data dir; IPAM keeps its records under <dataDir>/cni/networks/cbr0. */
  dataDir: string;
  /** The node's network namespace; default: the caller's own (the agent runs inside it). */
  netns?: string;
}

export class NodeCni {
  readonly ipam: HostLocalIpam;
  private readonly netns: string | undefined;
  private net: NodeNetwork | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(opts: NodeCniOptions) {
    this.netns = opts.netns;
    this.ipam = new HostLocalIpam(join(opts.dataDir, 'cni', 'networks', 'cbr0'));
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => {});
    return next;
  }

  /** The node network as last set up (undefined before setupNodeNetwork). */
  get network(): NodeNetwork | undefined {
    return this.net;
  }

  private requireNetwork(): NodeNetwork {
    if (!this.net) throw new Error('the node network is not set up yet: call setupNodeNetwork first');
    return this.net;
  }

  /** cni0, flannel.1 (vxlan) and masquerade rules; idempotent, run at every agent start. */
  setupNodeNetwork(cfg: NodeNetworkConfig): Promise<NodeNetwork> {
    return this.serial(async () => (this.net = await setupNodeNetwork(this.netns, cfg)));
  }

  /** Routes (and in vxlan mode neighbour + FDB entries) to exactly these peers' pod ranges. */
  syncPeers(peers: Peer[]): Promise<PeerSyncResult> {
    return this.serial(() => syncPeers(this.netns, this.requireNetwork(), peers));
  }

  addPod(req: AddPodRequest): Promise<PodNetwork> {
    return this.serial(() => addPod(this.netns, this.requireNetwork(), this.ipam, req));
  }

  delPod(podUID: string): Promise<void> {
    return this.serial(() => delPod(this.netns, this.ipam, podUID));
  }

  listPods(): Promise<PodRecord[]> {
    return this.serial(() => listPods(this.ipam));
  }
}
