// Test support: what the node agents would do on every node of a topology: set up the node's
// pod network, learn the other nodes, and give one pod per node its network.

import { join } from 'node:path';
import { NodeCni, type PodNetwork } from '../../../node/cni/index.js';
import { podNetns, type Topology } from '../index.js';

export interface TestPod extends PodNetwork {
  /** web-1, web-2, ... in node order. */
  name: string;
  node: string;
}

export async function startPodNetworks(topo: Topology, dataDir: string): Promise<TestPod[]> {
  const cnis = topo.nodes.map((n) => new NodeCni({ dataDir: join(dataDir, n.name), netns: n.netns }));
  const nets = await Promise.all(topo.nodes.map((n, i) =>
    cnis[i].setupNodeNetwork({ podCIDR: n.podCIDR, nodeIP: n.ip, mode: topo.mode, clusterCIDR: topo.clusterCIDR })));
  const peers = topo.nodes.map((n, i) => ({ nodeName: n.name, nodeIP: n.ip, podCIDR: n.podCIDR, vtepMAC: nets[i].vtepMAC }));
  await Promise.all(cnis.map((c) => c.syncPeers(peers)));
  return Promise.all(topo.nodes.map(async (n, i) => {
    const uid = `${n.name}-web`;
    const pod = await cnis[i].addPod({ podNetns: podNetns(topo.clusterName, uid), podUID: uid });
    return { ...pod, name: `web-${i + 1}`, node: n.name };
  }));
}
