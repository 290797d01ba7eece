// The cluster's network topology: underlay, node namespaces, external client, LB routes.

export { createTopology, planTopology, readHostRoutes, NODE_SYSCTLS, type CreateOptions, type TopologyPlan } from './create.js';
export { destroyTopology, findLeftovers, type Leftovers } from './destroy.js';
export { routeLoadBalancerIP, unrouteLoadBalancerIP, loadBalancerRoutes } from './lb-routes.js';
export {
  resolveTopology, validateClusterName, DEFAULT_NODE_NETWORK, FALLBACK_NODE_NETWORKS, DEFAULT_CLUSTER_CIDR,
  DEFAULT_SERVICE_CIDR, DEFAULT_LB_POOL,
  type Topology, type TopologyConfig, type TopologyNode, type TopologyNodeConfig, type NetworkMode, type HostRoute,
} from './config.js';
export {
  underlayNetns, externalNetns, nodeNetns, podNetns, hostLink, UNDERLAY_BRIDGE,
} from './names.js';
