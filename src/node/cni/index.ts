// The node's pod network (CNI bridge + host-local IPAM + flannel): entry point NodeCni.

export { NodeCni, type NodeCniOptions } from './node-cni.js';
export {
  BRIDGE, VXLAN_DEVICE, VXLAN_VNI, VXLAN_PORT,
  type NodeNetwork, type NodeNetworkConfig, type NetworkMode,
} from './node-network.js';
export type { Peer, PeerSyncResult } from './peers.js';
export { hostVethName, type AddPodRequest, type PodNetwork, type PodRecord } from './pod-network.js';
export { HostLocalIpam, type IpamRecord } from './ipam.js';
export { masqueradeRules, forwardRules } from './masquerade.js';
