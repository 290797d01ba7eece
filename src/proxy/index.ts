// kube-proxy's entry point: createProxier() picks the backend for the configured mode, removes
// the rules any other mode left in this network namespace (so switching the mode in the
// kube-proxy ConfigMap moves the node over cleanly), and returns a started Proxier.

import type { ProxyBackend } from './backend.js';
import { IptablesBackend, cleanupIptables } from './iptables/backend.js';
import { cidrContains, isIPv4, parseCidrLenient } from '../common/ipv4.js';
import { type Kernel, createKernel, ipvsAvailable } from './kernel.js';
import { type LogSink, createLogger } from '../common/klog.js';
import { NftablesBackend, cleanupNftables } from './nftables/backend.js';
import { Proxier } from './proxier.js';
import type { ProxyMode } from './types.js';

export { Proxier } from './proxier.js';
export type { ProxyMode } from './types.js';

export interface ProxierConfig {
  /** "iptables", "nftables", or "" (iptables, as upstream); "ipvs" is refused. */
  mode: string;
  nodeName: string;
  /** This node's IPv4 addresses. */
  nodeIPs: string[];
  /** Pod CIDR of the whole cluster (traffic from outside it to a cluster IP is masqueraded). */
  clusterCIDR?: string;
  /** Service CIDRs (nftables drops traffic to their unallocated addresses). */
  serviceCIDRs?: string[];
  masqueradeAll?: boolean;
  /** Bit of the packet mark that asks for masquerading (default 14: 0x4000). */
  masqueradeBit?: number;
  /** CIDRs (or "primary") whose node addresses accept NodePorts; default every address. */
  nodePortAddresses?: string[];
  /** iptables mode: NodePorts on 127.0.0.1 too (default true, as upstream). */
  localhostNodePorts?: boolean;
  minSyncPeriodMs?: number;
  syncPeriodMs?: number;
  fullSyncPeriodMs?: number;
  /** /healthz and /livez; default "0.0.0.0:10256", '' for none. */
  healthzBindAddress?: string;
  /** Address of the health check node port listeners; default "0.0.0.0", '' for none. */
  healthCheckBindAddress?: string;
  /** Port actually bound for a healthCheckNodePort (tests map it to 0). */
  healthCheckPort?: (healthCheckNodePort: number) => number;
  /** Program this named network namespace instead of our own (tests, benchmarks). */
  netns?: string;
  /** Where log lines go (default stdout). */
  log?: LogSink;
}

const MODES = ['iptables', 'ipvs', 'nftables'];

/** The backend mode for a configured mode, or an error in upstream's words. */
export async function resolveMode(mode: string): Promise<ProxyMode> {
  if (mode === '' || mode === 'iptables') return 'iptables';
  if (mode === 'nftables') return 'nftables';
  if (mode === 'ipvs') {
    if (!(await ipvsAvailable())) {
      throw new Error(`can't use the IPVS proxier: the kernel has no IPVS support (no /proc/net/ip_vs, no ip_vs in /proc/modules); set mode to "iptables" or "nftables"`);
    }
    throw new Error(`can't use the IPVS proxier: knit implements the "iptables" and "nftables" modes only`);
  }
  throw new Error(`KubeProxyConfiguration.ProxyMode: Invalid value: ${JSON.stringify(mode)}: must be ${MODES.join(', ')} or blank (blank means the best-available proxy [currently iptables])`);
}

/** Removes every rule the given mode installs. */
export async function cleanupProxyRules(mode: ProxyMode, kernel: Kernel = createKernel()): Promise<void> {
  await (mode === 'iptables' ? cleanupIptables(kernel) : cleanupNftables(kernel));
}

/** The node addresses that accept NodePorts, or null for "every local address". */
function nodePortIPs(addresses: string[] | undefined, nodeIPs: string[]): string[] | null {
  if (!addresses?.length) return null;
  const candidates = [...nodeIPs, '127.0.0.1'];
  const out = new Set<string>();
  for (const entry of addresses) {
    if (entry === 'primary') {
      if (nodeIPs[0]) out.add(nodeIPs[0]);
    } else {
      const cidr = parseCidrLenient(entry);
      if (!cidr) throw new Error(`KubeProxyConfiguration.NodePortAddresses: Invalid value: ${JSON.stringify(entry)}: must be a valid CIDR or "primary"`);
      for (const ip of candidates) if (cidrContains(cidr, ip)) out.add(ip);
    }
  }
  return [...out];
}

export async function createProxier(config: ProxierConfig): Promise<Proxier> {
  const mode = await resolveMode(config.mode);
  for (const ip of config.nodeIPs) if (!isIPv4(ip)) throw new Error(`invalid node IP ${JSON.stringify(ip)}: knit's kube-proxy is IPv4 only`);
  for (const [field, cidr] of [['ClusterCIDR', config.clusterCIDR], ...(config.serviceCIDRs ?? []).map((c) => ['ServiceCIDRs', c])]) {
    if (cidr !== undefined && !parseCidrLenient(cidr)) throw new Error(`KubeProxyConfiguration.${field}: Invalid value: ${JSON.stringify(cidr)}: must be a valid CIDR`);
  }

  const kernel = createKernel(config.netns);
  const log = createLogger('proxier.ts', config.log);
  const ports = nodePortIPs(config.nodePortAddresses, config.nodeIPs);
  const common = {
    masqueradeMark: `0x${(1 << (config.masqueradeBit ?? 14)).toString(16)}`,
    clusterCIDR: config.clusterCIDR,
    masqueradeAll: config.masqueradeAll ?? false,
    nodePortIPs: ports,
    nodeIPs: config.nodeIPs,
  };

  // As upstream at start-up: the other mode's rules must not keep answering beside ours.
  await cleanupProxyRules(mode === 'iptables' ? 'nftables' : 'iptables', kernel);

  let backend: ProxyBackend;
  if (mode === 'iptables') {
    // Loopback NodePorts make sense only when NodePorts are on every address or on 127.0.0.1.
    const localhostNodePorts = (config.localhostNodePorts ?? true) && (ports === null || ports.includes('127.0.0.1'));
    if (localhostNodePorts) {
      log.info('Setting route_localnet=1 to allow node-ports on localhost; to change this either disable iptables.localhostNodePorts (--iptables-localhost-nodeports) or set nodePortAddresses (--nodeport-addresses) to filter loopback addresses');
    }
    backend = await IptablesBackend.create(kernel, { ...common, localhostNodePorts });
    log.info('Using iptables Proxier');
  } else {
    backend = new NftablesBackend(kernel, { ...common, serviceCIDRs: config.serviceCIDRs ?? [] }, log);
    log.info('Using nftables Proxier');
  }

  const proxier = new Proxier({
    nodeName: config.nodeName,
    backend,
    kernel,
    log,
    minSyncPeriodMs: config.minSyncPeriodMs ?? 1000,
    syncPeriodMs: config.syncPeriodMs ?? 30_000,
    fullSyncPeriodMs: config.fullSyncPeriodMs ?? 3_600_000,
    healthzBindAddress: config.healthzBindAddress ?? '0.0.0.0:10256',
    healthCheckBindAddress: config.healthCheckBindAddress ?? '0.0.0.0',
    healthCheckPort: config.healthCheckPort,
  });
  await proxier.start();
  return proxier;
}
