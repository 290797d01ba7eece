// createTopology: the underlay (a LAN with a gateway), one namespace per node on it, an external
// client, and optionally the host's own veth into the underlay. The host namespace is only
// touched with routeHost: every other link is created directly inside its namespaces.

import {
  checkMountsReachHost, ipBatch, ipJson, netnsList, sysctls,
} from '../../platform/index.js';
import { macForIPv4 } from '../../common/ipv4.js';
import { resolveTopology, type HostRoute, type Topology, type TopologyConfig } from './config.js';
import { destroyTopology, findLeftovers } from './destroy.js';
import {
  NETNS_PREFIX, UNDERLAY_BRIDGE, UNDERLAY_INTERNAL_TABLE, UNDERLAY_PORT_EXTERNAL, UNDERLAY_PORT_HOST,
  underlayPortForNode,
} from './names.js';

/** Kernel parameters of a node, as a kubeadm node has them. */
export const NODE_SYSCTLS: Record<string, string | number> = {
  'net.ipv4.ip_forward': 1,
  // Bridged pod traffic (cni0) must traverse iptables/nftables so Service DNAT applies.
  'net.bridge.bridge-nf-call-iptables': 1,
  'net.bridge.bridge-nf-call-ip6tables': 1,
  // Loose reverse-path filtering, the systemd default most nodes run with.
  'net.ipv4.conf.all.rp_filter': 2,
  'net.ipv4.conf.default.rp_filter': 2,
  // kube-proxy (iptables mode) serves NodePorts on 127.0.0.1 too, which needs this.
  'net.ipv4.conf.all.route_localnet': 1,
};

// Set after the links exist: per-link values are copied from "default" when a link is made,
// and for redirects the kernel ORs the link's value with "all".
const UNDERLAY_SYSCTLS: Record<string, string | number> = {
  'net.ipv4.ip_forward': 1,
  // The gateway forwards LB traffic back out of lan0: no redirects, so ECMP stays in force.
  'net.ipv4.conf.all.send_redirects': 0,
  'net.ipv4.conf.default.send_redirects': 0,
  [`net.ipv4.conf.${UNDERLAY_BRIDGE}.send_redirects`]: 0,
  // Spread connections to an LB IP over its nodes by ports too, not by addresses alone.
  'net.ipv4.fib_multipath_hash_policy': 1,
};

const EXTERNAL_SYSCTLS: Record<string, string | number> = {
  'net.ipv4.conf.all.accept_redirects': 0,
  'net.ipv4.conf.default.accept_redirects': 0,
  'net.ipv4.conf.eth0.accept_redirects': 0,
};

/** The host's IPv4 routes in every table. */
export async function readHostRoutes(): Promise<HostRoute[]> {
  return ipJson<HostRoute>(['-4', 'route', 'show', 'table', 'all']);
}

/** Refuses a cluster that exists already (or its leftovers), or whose names would mix with another's. */
async function checkNameIsFree(cluster: string): Promise<void> {
  const left = await findLeftovers(cluster);
  const own = [...left.namespaces, ...left.hostLinks];
  if (own.length > 0) {
    throw new Error(`cluster "${cluster}" already has network namespaces or links (${own.slice(0, 4).join(', ')}${own.length > 4 ? ', ...' : ''}): remove them first with destroyTopology("${cluster}") (knit down)`);
  }
  for (const n of await netnsList()) {
    const m = /^knit-(.+)-lan$/.exec(n);
    if (m && cluster.startsWith(`${m[1]}-`)) {
      throw new Error(`cluster name "${cluster}" starts with the name of cluster "${m[1]}" and a dash: knit tells clusters' namespaces apart by that prefix, so choose another name`);
    }
  }
}

function underlayLines(t: Topology): string[] {
  const len = t.prefixLength;
  const lines = [
    'link set lo up',
    // A fixed MAC: a bridge otherwise takes its lowest port's, which changes as ports join.
    `link add ${UNDERLAY_BRIDGE} address ${macForIPv4(t.gatewayIP)} type bridge`,
    `addr add ${t.gatewayIP}/${len} dev ${UNDERLAY_BRIDGE}`,
    `link set ${UNDERLAY_BRIDGE} up`,
    `link set ${UNDERLAY_PORT_EXTERNAL} master ${UNDERLAY_BRIDGE} up`,
    ...t.nodes.map((n) => `link set ${underlayPortForNode(n.name)} master ${UNDERLAY_BRIDGE} up`),
  ];
  // Pod and Service ranges are routed to the nodes only for the gateway's own sockets (the
  // control plane's, through the netns broker) and for the host (routeHost), never for the
  // external client: outside the cluster, pod and cluster IPs stay unreachable.
  const table = `table ${UNDERLAY_INTERNAL_TABLE}`;
  for (const n of t.nodes) lines.push(`route add ${n.podCIDR} via ${n.ip} dev ${UNDERLAY_BRIDGE} onlink ${table}`);
  lines.push(`route add ${t.serviceCIDR} ${table} ${t.nodes.map((n) => `nexthop via ${n.ip} dev ${UNDERLAY_BRIDGE} onlink`).join(' ')}`);
  lines.push(`rule add iif lo lookup ${UNDERLAY_INTERNAL_TABLE} pref 100`);
  if (t.host) lines.push(`rule add from ${t.host.ip} lookup ${UNDERLAY_INTERNAL_TABLE} pref 101`);
  return lines;
}

function endpointLines(ip: string, len: number, gateway: string): string[] {
  return [
    'link set lo up',
    `addr add ${ip}/${len} dev eth0`,
    'link set eth0 up',
    `route add default via ${gateway} dev eth0 onlink`,
  ];
}

/** The ip commands that build a topology (without routeHost), batch by batch. */
export interface TopologyPlan {
  /** Run in the caller's namespace: creates the namespaces and the veths between them. */
  namespaces: string[];
  /** Then, in parallel, per namespace: its ip commands, then its kernel parameters. */
  configure: { netns: string; lines: string[]; sysctls: Record<string, string | number> }[];
}

export function planTopology(t: Topology): TopologyPlan {
  const lan = t.underlayNetns;
  const ext = t.externalClient.netns;
  return {
    // Each veth is created with both ends already in their namespaces: nothing lands here.
    namespaces: [
      `netns add ${lan}`,
      `netns add ${ext}`,
      ...t.nodes.map((n) => `netns add ${n.netns}`),
      `link add name ${UNDERLAY_PORT_EXTERNAL} netns ${lan} type veth peer name eth0 netns ${ext}`,
      ...t.nodes.map((n) => `link add name ${underlayPortForNode(n.name)} netns ${lan} type veth peer name eth0 netns ${n.netns}`),
    ],
    configure: [
      { netns: lan, lines: underlayLines(t), sysctls: UNDERLAY_SYSCTLS },
      { netns: ext, lines: endpointLines(t.externalClient.ip, t.prefixLength, t.gatewayIP), sysctls: EXTERNAL_SYSCTLS },
      ...t.nodes.map((n) => ({ netns: n.netns, lines: endpointLines(n.ip, t.prefixLength, t.gatewayIP), sysctls: NODE_SYSCTLS })),
    ],
  };
}

export interface CreateOptions {
  /** Called as each phase starts ('namespaces', 'underlay', 'host', 'done'): progress output. */
  onStep?: (step: string) => void;
}

/**
 * Creates the cluster's namespaces and links: one ip process per namespace plus one for all
 * namespaces (a dozen processes for three nodes). On failure everything created so far is
 * removed again before the error is thrown.
 */
export async function createTopology(config: TopologyConfig, opts: CreateOptions = {}): Promise<Topology> {
  const t = resolveTopology(config, await readHostRoutes());
  const cluster = t.clusterName;
  await checkNameIsFree(cluster);
  checkMountsReachHost();
  const step = opts.onStep ?? (() => {});
  const plan = planTopology(t);
  try {
    step('namespaces');
    await ipBatch(plan.namespaces);
    step('underlay');
    await Promise.all(plan.configure.map(async (c) => {
      await ipBatch(c.lines, c.netns);
      await sysctls(c.netns, c.sysctls);
    }));

    if (t.host) {
      step('host');
      const { link, ip } = t.host;
      await ipBatch([`link add name ${link} type veth peer name ${UNDERLAY_PORT_HOST} netns ${t.underlayNetns}`]);
      await ipBatch([`link set ${UNDERLAY_PORT_HOST} master ${UNDERLAY_BRIDGE} up`], t.underlayNetns);
      await ipBatch([
        `link set ${link} alias ${NETNS_PREFIX}${cluster}-underlay`,
        `addr add ${ip}/${t.prefixLength} dev ${link}`,
        `link set ${link} up`,
        ...[t.serviceCIDR, t.clusterCIDR, ...t.loadBalancerPool.cidrs].map((c) => `route add ${c} via ${t.gatewayIP} dev ${link}`),
      ]);
    }
    step('done');
    return t;
  } catch (e) {
    await destroyTopology(cluster).catch(() => {});
    throw e;
  }
}
