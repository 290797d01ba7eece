// A node's pod network, as flannel and the CNI bridge plugin leave it: cni0 (a bridge holding
// the first address of the node's podCIDR), in vxlan mode flannel.1 (VNI 1, UDP 8472, the
// node's VTEP address <podCIDR network>/32), and flannel's masquerade rules.

import { ipBatch, ipJson } from '../../platform/index.js';
import { cidrWithin, isIPv4, macForIPv4, nthAddress, parseCidr } from '../../common/ipv4.js';
import { applyMasquerade } from './masquerade.js';

export type NetworkMode = 'vxlan' | 'routes';

export const BRIDGE = 'cni0';
export const VXLAN_DEVICE = 'flannel.1';
export const VXLAN_VNI = 1;
export const VXLAN_PORT = 8472;
/** VXLAN over IPv4 adds 50 bytes of headers (flannel's MTU is the uplink's minus 50). */
const VXLAN_OVERHEAD = 50;

export interface NodeNetworkConfig {
  podCIDR: string;
  nodeIP: string;
  mode: NetworkMode;
  /** The whole pod network (default 10.244.0.0/16). */
  clusterCIDR?: string;
}

/** What the node's network is once set up; the agent publishes vtepMAC on its Node. */
export interface NodeNetwork {
  podCIDR: string;
  nodeIP: string;
  mode: NetworkMode;
  clusterCIDR: string;
  /** The link holding the node IP (eth0). */
  uplink: string;
  /** cni0's address: the pods' default gateway. */
  gateway: string;
  prefixLength: number;
  /** MTU of cni0 and pod interfaces. */
  mtu: number;
  /** flannel.1's MAC (vxlan mode), stable for a node IP. */
  vtepMAC?: string;
}

interface LinkJson {
  ifname: string;
  mtu: number;
  address?: string;
  linkinfo?: { info_kind?: string; info_data?: { id?: number; local?: string; port?: number; link?: string } };
}

interface AddrJson {
  ifname: string;
  addr_info: { family: string; local: string; prefixlen: number }[];
}

function v4(addrs: AddrJson[], ifname: string): string[] {
  const a = addrs.find((x) => x.ifname === ifname);
  return a ? a.addr_info.filter((i) => i.family === 'inet').map((i) => `${i.local}/${i.prefixlen}`) : [];
}

/** Lines that leave exactly `want` as the link's IPv4 address. */
function exactAddress(addrs: AddrJson[], ifname: string, want: string): string[] {
  const have = v4(addrs, ifname);
  return [
    ...have.filter((a) => a !== want).map((a) => `addr del ${a} dev ${ifname}`),
    ...(have.includes(want) ? [] : [`addr add ${want} dev ${ifname}`]),
  ];
}

/**
 * Creates or corrects cni0, flannel.1 and the masquerade rules in the node's namespace (netns
 * undefined: the caller's). Idempotent: run it at every agent start.
 */
export async function setupNodeNetwork(netns: string | undefined, cfg: NodeNetworkConfig): Promise<NodeNetwork> {
  const clusterCIDR = cfg.clusterCIDR ?? '10.244.0.0/16';
  const pod = parseCidr(cfg.podCIDR);
  if (!isIPv4(cfg.nodeIP)) throw new Error(`invalid node IP "${cfg.nodeIP}": must be a valid IPv4 address`);
  if (cfg.mode !== 'vxlan' && cfg.mode !== 'routes') throw new Error(`unsupported network mode "${String(cfg.mode)}": supported values: "vxlan", "routes"`);
  if (!cidrWithin(pod, parseCidr(clusterCIDR))) throw new Error(`podCIDR ${cfg.podCIDR} is not inside the cluster CIDR ${clusterCIDR}`);

  const [links, addrs] = await Promise.all([
    ipJson<LinkJson>(['-d', 'link', 'show'], netns),
    ipJson<AddrJson>(['addr', 'show'], netns),
  ]);
  const uplink = addrs.find((a) => a.addr_info.some((i) => i.family === 'inet' && i.local === cfg.nodeIP))?.ifname;
  if (!uplink) throw new Error(`node IP ${cfg.nodeIP} is not assigned to any interface${netns ? ` in network namespace ${netns}` : ''}`);
  const uplinkMTU = links.find((l) => l.ifname === uplink)!.mtu;
  const mtu = cfg.mode === 'vxlan' ? uplinkMTU - VXLAN_OVERHEAD : uplinkMTU;
  const gateway = nthAddress(pod, 1);
  const lines: string[] = [];

  // cni0, with a fixed MAC: a bridge otherwise takes its lowest port's MAC, which changes as
  // pods come and go and leaves stale ARP entries in the pods.
  if (!links.some((l) => l.ifname === BRIDGE)) lines.push(`link add ${BRIDGE} type bridge`);
  lines.push(`link set ${BRIDGE} address ${macForIPv4(gateway)} mtu ${mtu}`);
  lines.push(...exactAddress(addrs, BRIDGE, `${gateway}/${pod.prefix}`));
  lines.push(`link set ${BRIDGE} up`);

  const vxlan = links.find((l) => l.ifname === VXLAN_DEVICE);
  let vtepMAC: string | undefined;
  if (cfg.mode === 'vxlan') {
    vtepMAC = macForIPv4(cfg.nodeIP, [0x0e, 0x6e]);
    const d = vxlan?.linkinfo?.info_data;
    const same = d && d.id === VXLAN_VNI && d.local === cfg.nodeIP && d.port === VXLAN_PORT && d.link === uplink;
    if (vxlan && !same) lines.push(`link del ${VXLAN_DEVICE}`);
    if (!same) {
      lines.push(`link add ${VXLAN_DEVICE} type vxlan id ${VXLAN_VNI} local ${cfg.nodeIP} dev ${uplink} dstport ${VXLAN_PORT} nolearning`);
    }
    lines.push(`link set ${VXLAN_DEVICE} address ${vtepMAC} mtu ${mtu}`);
    lines.push(...exactAddress(same ? addrs : [], VXLAN_DEVICE, `${nthAddress(pod, 0)}/32`));
    lines.push(`link set ${VXLAN_DEVICE} up`);
  } else if (vxlan) {
    lines.push(`link del ${VXLAN_DEVICE}`);
  }

  await ipBatch(lines, netns);
  await applyMasquerade(netns, cfg.podCIDR, clusterCIDR);
  return {
    podCIDR: cfg.podCIDR, nodeIP: cfg.nodeIP, mode: cfg.mode, clusterCIDR, uplink, gateway,
    prefixLength: pod.prefix, mtu, vtepMAC,
  };
}
