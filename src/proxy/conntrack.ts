// Removal of stale UDP conntrack entries after a sync (upstream's conntrack cleanup). UDP has no
// connection end: without this, datagrams keep following an entry to an endpoint that is gone,
// or to the REJECT a Service had while it had no endpoints.

import type { ChangeSet, ProxyState } from './changes.js';

/** conntrack command lines (arguments after `conntrack`) that clear what `changes` made stale. */
export function conntrackCleanupCommands(changes: ChangeSet, state: ProxyState): string[][] {
  const serviceIPs = new Set(changes.deletedUDPClusterIPs);
  const nodePorts = new Set<number>();
  // A UDP Service that gains its first endpoint: entries made while it was rejecting must go.
  for (const key of changes.newlyActiveUDPServices) {
    const sp = state.servicePort(key);
    if (!sp) continue;
    for (const ip of [sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerVIPs]) serviceIPs.add(ip);
    if (sp.nodePort !== 0) nodePorts.add(sp.nodePort);
  }
  const commands: string[][] = [];
  for (const ip of serviceIPs) commands.push(['-D', '--orig-dst', ip, '-p', 'udp']);
  for (const port of nodePorts) commands.push(['-D', '-p', 'udp', '--dport', String(port)]);
  // An endpoint that stopped serving: entries NATed to it through any of the Service's addresses.
  for (const { servicePort, endpoint } of changes.staleUDPEndpoints) {
    const sp = state.servicePort(servicePort);
    if (!sp) continue;
    if (sp.nodePort !== 0) commands.push(['-D', '-p', 'udp', '--dport', String(sp.nodePort), '--dst-nat', endpoint.ip]);
    for (const ip of [sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerVIPs]) {
      commands.push(['-D', '--orig-dst', ip, '--dst-nat', endpoint.ip, '-p', 'udp']);
    }
  }
  return commands;
}
