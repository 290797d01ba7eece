// The seeds' pod network rules on a real 3-node cluster with plain routes between nodes
// (`knit up --network routes`, flannel's host-gw): `10.244.2.0/24 via 192.168.1.11 dev eth0`.

import { podNetworkSuite } from './lib/cluster-network.js';

podNetworkSuite('routes');
