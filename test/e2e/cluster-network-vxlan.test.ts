// The seeds' pod network rules on a real 3-node cluster with the default VXLAN overlay (flannel's
// picture): pods reach pods without NAT, nodes reach pods, a pod's own address is what peers see.

import { podNetworkSuite } from './lib/cluster-network.js';

podNetworkSuite('vxlan');
