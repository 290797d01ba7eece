// Keeping a node's routes to the other nodes' pod ranges exactly in line with the Node objects.
// vxlan (flannel's vxlan backend): per peer a route "<podCIDR> via <peer VTEP> dev flannel.1
// onlink", a permanent neighbour entry VTEP -> MAC, and an FDB entry MAC -> peer node IP.
// routes (flannel's host-gw): per peer "<podCIDR> via <node IP> dev eth0".
// Only the differences are applied; entries for nodes that are gone are removed.

import { bridgeBatch, bridgeJson, ipBatch, ipJson } from '../../platform/index.js';
import { cidrWithin, isIPv4, isMAC, nthAddress, parseCidr } from '../../common/ipv4.js';
import { VXLAN_DEVICE, type NodeNetwork } from './node-network.js';

export interface Peer {
  nodeName: string;
  nodeIP: string;
  podCIDR: string;
  /** flannel.1's MAC on that node (its Node annotation); needed in vxlan mode. */
  vtepMAC?: string;
}

export interface PeerSyncResult {
  /** Route destinations added or changed. */
  changed: string[];
  /** Route destinations removed. */
  removed: string[];
  /** Peers left out: in vxlan mode, those that have not published a VTEP MAC yet. */
  skipped: string[];
}

interface RouteJson { dst: string; gateway?: string; dev?: string }
interface NeighJson { dst: string; lladdr?: string; state?: string[] }
interface FdbJson { mac: string; dst?: string; ifname?: string }

interface Desired { dst: string; gateway: string; dev: string; mac?: string; nodeIP: string }

function validatePeer(p: Peer, clusterCIDR: string): void {
  if (!isIPv4(p.nodeIP)) throw new Error(`node ${p.nodeName}: invalid node IP "${p.nodeIP}"`);
  if (!cidrWithin(parseCidr(p.podCIDR), parseCidr(clusterCIDR))) {
    throw new Error(`node ${p.nodeName}: podCIDR ${p.podCIDR} is not inside the cluster CIDR ${clusterCIDR}`);
  }
  if (p.vtepMAC !== undefined && !isMAC(p.vtepMAC)) throw new Error(`node ${p.nodeName}: invalid VTEP MAC "${p.vtepMAC}"`);
}

export async function syncPeers(netns: string | undefined, net: NodeNetwork, peers: Peer[]): Promise<PeerSyncResult> {
  const cluster = parseCidr(net.clusterCIDR);
  const skipped: string[] = [];
  const desired = new Map<string, Desired>();
  for (const p of peers) {
    validatePeer(p, net.clusterCIDR);
    if (p.nodeIP === net.nodeIP || p.podCIDR === net.podCIDR) continue;
    if (net.mode === 'vxlan') {
      if (!p.vtepMAC) { skipped.push(p.nodeName); continue; }
      const vtep = nthAddress(parseCidr(p.podCIDR), 0);
      desired.set(p.podCIDR, { dst: p.podCIDR, gateway: vtep, dev: VXLAN_DEVICE, mac: p.vtepMAC.toLowerCase(), nodeIP: p.nodeIP });
    } else {
      desired.set(p.podCIDR, { dst: p.podCIDR, gateway: p.nodeIP, dev: net.uplink, nodeIP: p.nodeIP });
    }
  }

  // Our routes: the main table's routes into the cluster CIDR through a gateway, other than
  // the node's own range (cni0's connected route).
  const routes = (await ipJson<RouteJson>(['route', 'show', 'table', 'main'], netns)).filter((r) => {
    if (!r.gateway || r.dst === 'default' || r.dst === net.podCIDR) return false;
    const dst = r.dst.includes('/') ? r.dst : `${r.dst}/32`;
    try { return cidrWithin(parseCidr(dst), cluster); } catch { return false; }
  });
  const ipLines: string[] = [];
  const ipCleanup: string[] = [];
  const fdbLines: string[] = [];
  const fdbCleanup: string[] = [];
  const changed: string[] = [];
  const removed: string[] = [];

  for (const r of routes) {
    if (!desired.has(r.dst)) {
      ipCleanup.push(`route del ${r.dst} via ${r.gateway} dev ${r.dev}`);
      removed.push(r.dst);
    }
  }

  if (net.mode === 'vxlan') {
    const [neigh, fdb] = await Promise.all([
      ipJson<NeighJson>(['neigh', 'show', 'dev', VXLAN_DEVICE, 'nud', 'permanent'], netns),
      bridgeJson<FdbJson>(['fdb', 'show', 'dev', VXLAN_DEVICE], netns),
    ]);
    const wantNeigh = new Map([...desired.values()].map((d) => [d.gateway, d.mac!]));
    const wantFdb = new Map([...desired.values()].map((d) => [d.mac!, d.nodeIP]));
    for (const [ip, mac] of wantNeigh) {
      if (!neigh.some((n) => n.dst === ip && n.lladdr === mac)) ipLines.push(`neigh replace ${ip} lladdr ${mac} dev ${VXLAN_DEVICE} nud permanent`);
    }
    for (const n of neigh) {
      if (!wantNeigh.has(n.dst)) ipCleanup.push(`neigh del ${n.dst} dev ${VXLAN_DEVICE}`);
    }
    for (const [mac, ip] of wantFdb) {
      if (!fdb.some((f) => f.mac === mac && f.dst === ip)) fdbLines.push(`fdb replace ${mac} dev ${VXLAN_DEVICE} dst ${ip} self permanent`);
    }
    for (const f of fdb) {
      if (f.dst && wantFdb.get(f.mac) !== f.dst) fdbCleanup.push(`fdb del ${f.mac} dev ${VXLAN_DEVICE} dst ${f.dst} self`);
    }
  }

  for (const d of desired.values()) {
    const have = routes.find((r) => r.dst === d.dst);
    if (have && have.gateway === d.gateway && have.dev === d.dev) continue;
    ipLines.push(`route replace ${d.dst} via ${d.gateway} dev ${d.dev}${d.dev === VXLAN_DEVICE ? ' onlink' : ''}`);
    changed.push(d.dst);
  }

  // Stale forwarding entries go first (a MAC may move to another node), then the neighbours
  // and routes that use the new ones, then what is no longer needed.
  await bridgeBatch([...fdbCleanup, ...fdbLines], netns);
  await ipBatch([...ipLines, ...ipCleanup], netns);
  return { changed, removed, skipped };
}
