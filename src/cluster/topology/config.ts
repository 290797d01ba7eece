// Topology configuration: defaults (the seeds' addresses), validation, and the choice of a node
// network the host does not already route. Pure: the host's routes come in as an argument.

import {
  cidrContains, cidrsOverlap, formatCidr, nthAddress, parseCidr, parseIPv4, parseRange,
  rangeToCidrs, type Cidr,
} from '../../common/ipv4.js';
import { externalNetns, hostLink, nodeNetns, underlayNetns } from './names.js';

export type NetworkMode = 'vxlan' | 'routes';

export interface TopologyNodeConfig {
  name: string;
  /** The node IP on the underlay (default: .10, .11, ... of the node network). */
  ip?: string;
  /** The node's pod range (default: 10.244.1.0/24, 10.244.2.0/24, ... of the cluster CIDR). */
  podCIDR?: string;
}

export interface TopologyConfig {
  clusterName: string;
  nodes: (string | TopologyNodeConfig)[];
  /** Default: 192.168.1.0/24, or the first of a few private /24s the host does not route. */
  nodeNetwork?: string;
  /** The underlay's own address, where the API server listens (default .1). */
  gatewayIP?: string;
  /** The external client's address (default .200). */
  externalClientIP?: string;
  /** The host's address on the underlay when routeHost is on (default .254). */
  hostIP?: string;
  clusterCIDR?: string;
  serviceCIDR?: string;
  mode?: NetworkMode;
  /** Addresses for LoadBalancer Services, "first-last" (default 172.18.255.200-172.18.255.250). */
  loadBalancerPool?: string;
  /** Give the host a veth into the underlay and routes to the service, pod and LB ranges. */
  routeHost?: boolean;
}

export interface TopologyNode {
  name: string;
  netns: string;
  ip: string;
  podCIDR: string;
}

export interface Topology {
  clusterName: string;
  mode: NetworkMode;
  nodeNetwork: string;
  prefixLength: number;
  gatewayIP: string;
  underlayNetns: string;
  externalClient: { netns: string; ip: string };
  nodes: TopologyNode[];
  clusterCIDR: string;
  serviceCIDR: string;
  loadBalancerPool: { start: string; end: string; cidrs: string[] };
  /** Set when routeHost is on: the host's veth and its address on the underlay. */
  host?: { link: string; ip: string };
}

export const DEFAULT_NODE_NETWORK = '192.168.1.0/24';
/** Tried in order when the host already routes the seeds' 192.168.1.0/24. */
export const FALLBACK_NODE_NETWORKS = ['192.168.101.0/24', '192.168.201.0/24', '172.31.201.0/24', '10.201.1.0/24', '10.202.1.0/24'];
export const DEFAULT_CLUSTER_CIDR = '10.244.0.0/16';
export const DEFAULT_SERVICE_CIDR = '10.96.0.0/12';
export const DEFAULT_LB_POOL = '172.18.255.200-172.18.255.250';

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_MSG = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN_MSG = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

export function validateClusterName(name: string): void {
  if (!LABEL.test(name) || name.length > 63) throw new Error(`invalid cluster name "${name}": ${LABEL_MSG}`);
}

function validateNodeName(name: string): void {
  if (!SUBDOMAIN.test(name) || name.length > 253) throw new Error(`invalid node name "${name}": ${SUBDOMAIN_MSG}`);
  // These would collide with the underlay, external-client and pod namespace names.
  if (name === 'lan' || name === 'ext' || name.startsWith('pod-')) {
    throw new Error(`invalid node name "${name}": "lan", "ext" and names starting with "pod-" are reserved for knit's own namespaces`);
  }
}

/** A host route, as `ip -j route show table all` gives it. */
export interface HostRoute {
  dst: string;
  dev?: string;
  table?: string;
  type?: string;
}

function routeCidr(r: HostRoute): Cidr | undefined {
  if (r.dst === 'default' || r.dst.includes(':')) return undefined;
  const [addr, len] = r.dst.includes('/') ? r.dst.split('/') : [r.dst, '32'];
  const prefix = Number(len);
  if (prefix === 0) return undefined;
  const n = parseIPv4(addr);
  return { network: (n & ((0xffffffff << (32 - prefix)) >>> 0)) >>> 0, prefix };
}

function describeRoute(r: HostRoute): string {
  return [r.type && r.type !== 'unicast' ? r.type : '', r.dst, r.dev ? `dev ${r.dev}` : '', r.table ? `table ${r.table}` : '']
    .filter(Boolean).join(' ');
}

/** The first host route (other than a default route) that overlaps the block, if any. */
export function overlappingRoute(block: Cidr, routes: HostRoute[]): HostRoute | undefined {
  return routes.find((r) => {
    const c = routeCidr(r);
    return c !== undefined && cidrsOverlap(c, block);
  });
}

function inside(what: string, ip: string, block: Cidr): void {
  if (!cidrContains(block, ip)) throw new Error(`${what} ${ip} is outside the node network ${formatCidr(block)}`);
}

/**
 * Fills in the defaults and checks that everything fits together. hostRoutes are the host's
 * IPv4 routes; with routeHost, a clash with any of them is refused.
 */
export function resolveTopology(config: TopologyConfig, hostRoutes: HostRoute[]): Topology {
  const cluster = config.clusterName;
  validateClusterName(cluster);
  if (!Array.isArray(config.nodes) || config.nodes.length === 0) throw new Error('a topology needs at least one node');
  const mode = config.mode ?? 'vxlan';
  if (mode !== 'vxlan' && mode !== 'routes') throw new Error(`unsupported network mode "${String(mode)}": supported values: "vxlan", "routes"`);

  const clusterCIDR = parseCidr(config.clusterCIDR ?? DEFAULT_CLUSTER_CIDR);
  const serviceCIDR = parseCidr(config.serviceCIDR ?? DEFAULT_SERVICE_CIDR);
  const pool = parseRange(config.loadBalancerPool ?? DEFAULT_LB_POOL);
  const poolCidrs = rangeToCidrs(pool.start, pool.end);
  const reserved: [string, Cidr][] = [
    ['cluster CIDR', clusterCIDR], ['service CIDR', serviceCIDR],
    ...poolCidrs.map((c): [string, Cidr] => ['LoadBalancer pool', parseCidr(c)]),
  ];
  for (let i = 0; i < reserved.length; i++) {
    for (let j = i + 1; j < reserved.length; j++) {
      if (reserved[i][0] !== reserved[j][0] && cidrsOverlap(reserved[i][1], reserved[j][1])) {
        throw new Error(`the ${reserved[i][0]} ${formatCidr(reserved[i][1])} overlaps the ${reserved[j][0]} ${formatCidr(reserved[j][1])}`);
      }
    }
  }

  let nodeNet: Cidr;
  if (config.nodeNetwork) {
    nodeNet = parseCidr(config.nodeNetwork);
  } else {
    const free = [DEFAULT_NODE_NETWORK, ...FALLBACK_NODE_NETWORKS].map(parseCidr)
      .find((c) => !overlappingRoute(c, hostRoutes) && !reserved.some(([, r]) => cidrsOverlap(r, c)));
    if (!free) throw new Error(`the host already routes every default node network (${[DEFAULT_NODE_NETWORK, ...FALLBACK_NODE_NETWORKS].join(', ')}): set nodeNetwork to a free private range`);
    nodeNet = free;
  }
  if (nodeNet.prefix > 24) throw new Error(`the node network ${formatCidr(nodeNet)} is too small: use a /24 or larger`);
  for (const [what, c] of reserved) {
    if (cidrsOverlap(c, nodeNet)) throw new Error(`the node network ${formatCidr(nodeNet)} overlaps the ${what} ${formatCidr(c)}`);
  }

  const gatewayIP = config.gatewayIP ?? nthAddress(nodeNet, 1);
  const externalIP = config.externalClientIP ?? nthAddress(nodeNet, 200);
  const hostIP = config.hostIP ?? nthAddress(nodeNet, 254);
  const used = new Map<string, string>();
  const claim = (what: string, ip: string) => {
    inside(what, ip, nodeNet);
    const n = parseIPv4(ip);
    if (n === nodeNet.network || n === nodeNet.network + 2 ** (32 - nodeNet.prefix) - 1) {
      throw new Error(`${what} ${ip} is the network or broadcast address of ${formatCidr(nodeNet)}`);
    }
    if (used.has(ip)) throw new Error(`${what} ${ip} is already the ${used.get(ip)}`);
    used.set(ip, what);
  };
  claim('gateway address', gatewayIP);
  claim('external client address', externalIP);
  if (config.routeHost) claim('host address', hostIP);

  const names = new Set<string>();
  const podCIDRs: Cidr[] = [];
  const nodes = config.nodes.map((n, i): TopologyNode => {
    const spec = typeof n === 'string' ? { name: n } : n;
    validateNodeName(spec.name);
    if (names.has(spec.name)) throw new Error(`node "${spec.name}" is listed twice`);
    names.add(spec.name);
    const ip = spec.ip ?? nthAddress(nodeNet, 10 + i);
    claim(`address of node ${spec.name}`, ip);
    let podCIDR: Cidr;
    if (spec.podCIDR) {
      podCIDR = parseCidr(spec.podCIDR);
    } else {
      if (clusterCIDR.prefix > 24) throw new Error(`the cluster CIDR ${formatCidr(clusterCIDR)} is too small for a /24 per node`);
      podCIDR = { network: clusterCIDR.network + (i + 1) * 256, prefix: 24 };
    }
    if (podCIDR.prefix > 28) throw new Error(`the podCIDR ${formatCidr(podCIDR)} of node ${spec.name} is too small: use a /28 or larger`);
    if (!cidrContains(clusterCIDR, podCIDR.network) || podCIDR.prefix < clusterCIDR.prefix) {
      throw new Error(`the podCIDR ${formatCidr(podCIDR)} of node ${spec.name} is not inside the cluster CIDR ${formatCidr(clusterCIDR)}`);
    }
    const clash = podCIDRs.findIndex((p) => cidrsOverlap(p, podCIDR));
    if (clash >= 0) throw new Error(`the podCIDR ${formatCidr(podCIDR)} of node ${spec.name} overlaps that of another node`);
    podCIDRs.push(podCIDR);
    return { name: spec.name, netns: nodeNetns(cluster, spec.name), ip, podCIDR: formatCidr(podCIDR) };
  });

  if (config.routeHost) {
    for (const [what, c] of [['node network', nodeNet] as [string, Cidr], ...reserved]) {
      const r = overlappingRoute(c, hostRoutes);
      if (r) {
        throw new Error(`routeHost: the host already routes ${describeRoute(r)}, which overlaps the ${what} ${formatCidr(c)}; knit does not change the host's routes: choose another range or leave routeHost off`);
      }
    }
  }

  return {
    clusterName: cluster,
    mode,
    nodeNetwork: formatCidr(nodeNet),
    prefixLength: nodeNet.prefix,
    gatewayIP,
    underlayNetns: underlayNetns(cluster),
    externalClient: { netns: externalNetns(cluster), ip: externalIP },
    nodes,
    clusterCIDR: formatCidr(clusterCIDR),
    serviceCIDR: formatCidr(serviceCIDR),
    loadBalancerPool: { ...pool, cidrs: poolCidrs },
    host: config.routeHost ? { link: hostLink(cluster), ip: hostIP } : undefined,
  };
}
