// LoadBalancer IPs: the underlay gateway routes each one to the nodes that should receive its
// traffic (ECMP across them), as a cloud load balancer or a BGP speaker would.

import { ipBatch, ipJson } from '../../platform/index.js';
import { isIPv4 } from '../../common/ipv4.js';
import { validateClusterName } from './config.js';
import { UNDERLAY_BRIDGE, underlayNetns } from './names.js';

function checkIP(what: string, ip: string): void {
  if (!isIPv4(ip)) throw new Error(`invalid ${what} "${ip}": must be a valid IPv4 address`);
}

/**
 * Routes ip to the given nodes (replacing any earlier route for it). With no nodes the route
 * is removed, so clients get "no route to host" at once rather than a timeout.
 */
export async function routeLoadBalancerIP(clusterName: string, ip: string, nodeIPs: string[]): Promise<void> {
  validateClusterName(clusterName);
  checkIP('LoadBalancer IP', ip);
  nodeIPs.forEach((n) => checkIP('node IP', n));
  if (nodeIPs.length === 0) {
    await unrouteLoadBalancerIP(clusterName, ip);
    return;
  }
  const hops = [...new Set(nodeIPs)].sort().map((n) => `nexthop via ${n} dev ${UNDERLAY_BRIDGE}`).join(' ');
  await ipBatch([`route replace ${ip}/32 ${hops}`], underlayNetns(clusterName));
}

export async function unrouteLoadBalancerIP(clusterName: string, ip: string): Promise<void> {
  validateClusterName(clusterName);
  checkIP('LoadBalancer IP', ip);
  const lan = underlayNetns(clusterName);
  const routes = await ipJson<{ dst: string }>(['route', 'show', `${ip}/32`], lan);
  if (routes.length > 0) await ipBatch([`route del ${ip}/32`], lan);
}

interface RouteJson {
  dst: string;
  gateway?: string;
  nexthops?: { gateway: string }[];
}

/** The LoadBalancer IPs the underlay routes now, each with its nodes (sorted). */
export async function loadBalancerRoutes(clusterName: string): Promise<Map<string, string[]>> {
  validateClusterName(clusterName);
  const routes = await ipJson<RouteJson>(['route', 'show', 'table', 'main'], underlayNetns(clusterName));
  const out = new Map<string, string[]>();
  for (const r of routes) {
    // Host routes in the main table are the LB routes; the rest is the connected lan0 route.
    if (!isIPv4(r.dst)) continue;
    const hops = r.nexthops ? r.nexthops.map((h) => h.gateway) : r.gateway ? [r.gateway] : [];
    out.set(r.dst, hops.sort());
  }
  return out;
}
