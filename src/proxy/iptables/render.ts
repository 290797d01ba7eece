// iptables-restore input for kube-proxy's rules, as a pure function of the service port plans:
// upstream's chain layout, names, comments and rule text (pkg/proxy/iptables/proxier.go).

import type { BackendOptions } from '../backend.js';
import { type IptablesServiceChains, iptablesEndpointChain, iptablesServiceChains, isIptablesServiceChain } from '../names.js';
import { cidrTextContains } from '../../common/ipv4.js';
import type { ServicePortPlan } from '../plan.js';
import type { EndpointInfo, ServicePortInfo } from '../types.js';
import { type JumpRule, jumpRuleSpec } from './jumps.js';

export interface IptablesOptions extends BackendOptions {
  /** NodePorts also answer on 127.0.0.1 (needs route_localnet=1). */
  localhostNodePorts: boolean;
  randomFully: boolean;
  /** nf_conntrack_tcp_be_liberal is set: no DROP of INVALID packets. */
  conntrackTCPLiberal: boolean;
}

export interface IptablesRenderRequest {
  plans: ServicePortPlan[];
  /** Rewrite every service's chains; otherwise only those of `changed` Services ("ns/svc"). */
  full: boolean;
  changed: Set<string>;
  /** Per-service chains the kernel holds now; those no longer used are deleted. */
  existingChains: Set<string>;
  /** Jumps from built-in chains to add (the ones missing). */
  jumps?: JumpRule[];
  /** Write the KUBE-PROXY-CANARY chains whose disappearance signals a flush. */
  canary?: boolean;
}

export interface IptablesRender {
  text: string;
  /** Every per-service nat chain in use after this sync. */
  activeChains: Set<string>;
  counts: { filterChains: number; filterRules: number; natChains: number; natRules: number; deletedChains: number };
}

/** Past this many endpoints, comments are left out of per-endpoint rules (as upstream does). */
export const LARGE_CLUSTER_ENDPOINTS = 1000;

/** 1/n with 10 decimals, as upstream writes probabilities. */
export function probability(n: number): string {
  return (1 / n).toFixed(10);
}

const q = (s: string): string => `"${s}"`;

// Names are hashes: computed once per service port and endpoint object (the change tracker keeps
// the same objects until they change), which keeps partial syncs of large clusters cheaper.
const serviceChainNames = new WeakMap<ServicePortInfo, IptablesServiceChains>();
const endpointChainNames = new WeakMap<EndpointInfo, string>();

function chainsOf(svc: ServicePortInfo): IptablesServiceChains {
  let names = serviceChainNames.get(svc);
  if (!names) serviceChainNames.set(svc, (names = iptablesServiceChains(svc.nameString, svc.protocol.toLowerCase())));
  return names;
}

function sepOf(svc: ServicePortInfo, ep: EndpointInfo): string {
  let name = endpointChainNames.get(ep);
  if (!name) endpointChainNames.set(ep, (name = iptablesEndpointChain(svc.nameString, svc.protocol.toLowerCase(), ep.address)));
  return name;
}

type Arg = string | number | Arg[];

function flatten(args: Arg[], out: (string | number)[] = []): (string | number)[] {
  for (const a of args) {
    if (Array.isArray(a)) flatten(a, out);
    else out.push(a);
  }
  return out;
}

class Lines {
  readonly lines: string[] = [];
  write(...parts: Arg[]): void {
    this.lines.push(flatten(parts).join(' '));
  }
}

export function renderIptables(req: IptablesRenderRequest, opts: IptablesOptions): IptablesRender {
  const mark = opts.masqueradeMark;
  const filterChains = new Lines();
  const filterRules = new Lines();
  const natChains = new Lines();
  const natRules = new Lines();
  const activeChains = new Set<string>();
  const chainLine = (c: string): string => `:${c} - [0:0]`;

  for (const c of ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-FORWARD', 'KUBE-NODEPORTS', 'KUBE-PROXY-FIREWALL', 'KUBE-FIREWALL']) filterChains.write(chainLine(c));
  for (const c of ['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ']) natChains.write(chainLine(c));
  if (req.canary) {
    filterChains.write(chainLine('KUBE-PROXY-CANARY'));
    natChains.write(chainLine('KUBE-PROXY-CANARY'));
  }

  natRules.write('-A KUBE-POSTROUTING -m mark ! --mark', `${mark}/${mark}`, '-j RETURN');
  natRules.write('-A KUBE-POSTROUTING -j MARK --xor-mark', mark);
  natRules.write('-A KUBE-POSTROUTING -m comment --comment', q('kubernetes service traffic requiring SNAT'), '-j MASQUERADE', opts.randomFully ? '--random-fully' : []);
  natRules.write('-A KUBE-MARK-MASQ -j MARK --or-mark', mark);

  if (opts.localhostNodePorts) {
    filterRules.write('-A KUBE-FIREWALL -m comment --comment', q('block incoming localnet connections'),
      '-d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP');
  }

  const totalEndpoints = req.plans.reduce((n, p) => n + p.endpointCount, 0);
  const largeCluster = totalEndpoints > LARGE_CLUSTER_ENDPOINTS;
  const comment = (text: string): string[] => (largeCluster ? [] : ['-m comment --comment', text]);
  const ifNotLocal = opts.clusterCIDR ? `! -s ${opts.clusterCIDR}` : null;
  const ifLocal = opts.clusterCIDR ? `-s ${opts.clusterCIDR}` : null;

  for (const plan of req.plans) {
    const { svc, protocol } = plan;
    const name = svc.nameString;
    const chains = chainsOf(svc);
    const match = (dest: string[], port: number): string[] => ['-m', protocol, '-p', protocol, ...dest, '--dport', String(port)];
    const clusterIPMatch = match(['-d', svc.clusterIP], svc.port);
    const internalChain = svc.internalPolicyLocal ? chains.svl : chains.svc;
    const externalPolicyChain = svc.externalPolicyLocal ? chains.svl : chains.svc;
    const usesFWChain = plan.hasEndpoints && svc.loadBalancerVIPs.length > 0 && svc.loadBalancerSourceRanges.length > 0;
    const lbChain = usesFWChain ? chains.fw : chains.ext;
    // A filter rule for traffic with nowhere to go: REJECT (no endpoints) or DROP (no local ones).
    const refuse = (chain: string, verdict: string | null, matchArgs: string[]): void => {
      const [text, target] = verdict === 'reject' ? [`${name} has no endpoints`, 'REJECT'] : [`${name} has no local endpoints`, 'DROP'];
      filterRules.write('-A', chain, '-m comment --comment', q(text), matchArgs, '-j', target);
    };

    // Cluster IP.
    if (plan.hasInternalEndpoints) {
      natRules.write('-A KUBE-SERVICES -m comment --comment', q(`${name} cluster IP`), clusterIPMatch, '-j', internalChain);
    } else {
      refuse('KUBE-SERVICES', plan.internalVerdict, clusterIPMatch);
    }
    // External IPs.
    for (const ip of svc.externalIPs) {
      if (plan.hasEndpoints) natRules.write('-A KUBE-SERVICES -m comment --comment', q(`${name} external IP`), match(['-d', ip], svc.port), '-j', chains.ext);
      if (!plan.hasExternalEndpoints) refuse('KUBE-EXTERNAL-SERVICES', plan.externalVerdict, match(['-d', ip], svc.port));
    }
    // Load-balancer IPs.
    for (const ip of svc.loadBalancerVIPs) {
      if (plan.hasEndpoints) natRules.write('-A KUBE-SERVICES -m comment --comment', q(`${name} loadbalancer IP`), match(['-d', ip], svc.port), '-j', lbChain);
      if (usesFWChain) {
        filterRules.write('-A KUBE-PROXY-FIREWALL -m comment --comment', q(`${name} traffic not accepted by ${chains.fw}`), match(['-d', ip], svc.port), '-j DROP');
      }
    }
    if (!plan.hasExternalEndpoints) {
      for (const ip of svc.loadBalancerVIPs) refuse('KUBE-EXTERNAL-SERVICES', plan.externalVerdict, match(['-d', ip], svc.port));
    }
    // NodePort.
    if (svc.nodePort !== 0) {
      if (plan.hasEndpoints) natRules.write('-A KUBE-NODEPORTS -m comment --comment', name, match([], svc.nodePort), '-j', chains.ext);
      if (!plan.hasExternalEndpoints) refuse('KUBE-EXTERNAL-SERVICES', plan.externalVerdict, ['-m addrtype --dst-type LOCAL', ...match([], svc.nodePort)]);
    }
    // Health check node port.
    if (svc.healthCheckNodePort !== 0) {
      filterRules.write('-A KUBE-NODEPORTS -m comment --comment', q(`${name} health check node port`), '-m tcp -p tcp --dport', svc.healthCheckNodePort, '-j ACCEPT');
    }

    // Per-service chains: unchanged services keep theirs in a partial sync.
    const ownChains = [
      ...(plan.usesExternalChain ? [chains.ext] : []),
      ...(usesFWChain ? [chains.fw] : []),
      ...(plan.usesClusterPolicyChain ? [chains.svc] : []),
      ...(plan.usesLocalPolicyChain ? [chains.svl] : []),
      ...plan.allReachable.map((ep) => sepOf(svc, ep)),
    ];
    for (const chain of ownChains) activeChains.add(chain);
    if (!req.full && !req.changed.has(`${svc.namespace}/${svc.name}`)) continue;
    for (const chain of ownChains) natChains.write(chainLine(chain));

    if (plan.hasInternalEndpoints) {
      if (opts.masqueradeAll) natRules.write('-A', internalChain, '-m comment --comment', q(`${name} cluster IP`), clusterIPMatch, '-j KUBE-MARK-MASQ');
      else if (ifNotLocal) natRules.write('-A', internalChain, '-m comment --comment', q(`${name} cluster IP`), clusterIPMatch, ifNotLocal, '-j KUBE-MARK-MASQ');
    }

    if (plan.usesExternalChain) {
      if (!svc.externalPolicyLocal) {
        natRules.write('-A', chains.ext, '-m comment --comment', q(`masquerade traffic for ${name} external destinations`), '-j KUBE-MARK-MASQ');
      } else {
        if (ifLocal) natRules.write('-A', chains.ext, '-m comment --comment', q(`pod traffic for ${name} external destinations`), ifLocal, '-j', chains.svc);
        natRules.write('-A', chains.ext, '-m comment --comment', q(`masquerade LOCAL traffic for ${name} external destinations`), '-m addrtype --src-type LOCAL -j KUBE-MARK-MASQ');
        natRules.write('-A', chains.ext, '-m comment --comment', q(`route LOCAL traffic for ${name} external destinations`), '-m addrtype --src-type LOCAL -j', chains.svc);
      }
      if (plan.hasExternalEndpoints) natRules.write('-A', chains.ext, '-j', externalPolicyChain);
    }

    if (usesFWChain) {
      const head = ['-A', chains.fw, '-m comment --comment', q(`${name} loadbalancer IP`)];
      let allowFromNode = false;
      for (const cidr of svc.loadBalancerSourceRanges) {
        natRules.write(head, '-s', cidr, '-j', chains.ext);
        if (opts.nodeIPs.some((ip) => cidrTextContains(cidr, ip))) allowFromNode = true;
      }
      // A node reaching its own LB IP loops back with the LB IP as source.
      if (allowFromNode) for (const ip of svc.loadBalancerVIPs) natRules.write(head, '-s', ip, '-j', chains.ext);
      natRules.write('-A', chains.fw, '-m comment --comment', q(`other traffic to ${name} will be dropped by KUBE-PROXY-FIREWALL`));
    }

    const balance = (chain: string, endpoints: EndpointInfo[]): void => {
      if (svc.sessionAffinityClientIP) {
        for (const ep of endpoints) {
          natRules.write('-A', chain, comment(q(`${name} -> ${ep.address}`)), '-m recent --name', sepOf(svc, ep), '--rcheck --seconds', svc.stickyMaxAgeSeconds, '--reap -j', sepOf(svc, ep));
        }
      }
      endpoints.forEach((ep, i) => {
        const statistic = i < endpoints.length - 1 ? ['-m statistic --mode random --probability', probability(endpoints.length - i)] : [];
        natRules.write('-A', chain, comment(q(`${name} -> ${ep.address}`)), statistic, '-j', sepOf(svc, ep));
      });
    };
    if (plan.usesClusterPolicyChain) balance(chains.svc, plan.clusterEndpoints);
    if (plan.usesLocalPolicyChain) balance(chains.svl, plan.localEndpoints);

    for (const ep of plan.allReachable) {
      const sep = sepOf(svc, ep);
      const head = ['-A', sep, comment(name)];
      natRules.write(head, '-s', ep.ip, '-j KUBE-MARK-MASQ');
      const affinity = svc.sessionAffinityClientIP ? ['-m recent --name', sep, '--set'] : [];
      natRules.write(head, affinity, '-m', protocol, '-p', protocol, '-j DNAT --to-destination', ep.address);
    }
  }

  // Delete per-service chains nothing uses any more.
  let deletedChains = 0;
  for (const chain of req.existingChains) {
    if (activeChains.has(chain) || !isIptablesServiceChain(chain)) continue;
    natChains.write(chainLine(chain));
    natRules.write('-X', chain);
    deletedChains++;
  }

  // NodePorts: must be the last rule of KUBE-SERVICES.
  const nodePortsComment = q('kubernetes service nodeports; NOTE: this must be the last rule in this chain');
  if (opts.nodePortIPs === null) {
    natRules.write('-A KUBE-SERVICES -m comment --comment', nodePortsComment, '-m addrtype --dst-type LOCAL', opts.localhostNodePorts ? [] : '! -d 127.0.0.0/8', '-j KUBE-NODEPORTS');
  } else {
    for (const ip of opts.nodePortIPs) {
      if (ip.startsWith('127.') && !opts.localhostNodePorts) continue;
      natRules.write('-A KUBE-SERVICES -m comment --comment', nodePortsComment, '-d', ip, '-j KUBE-NODEPORTS');
    }
  }

  if (!opts.conntrackTCPLiberal) filterRules.write('-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP');
  filterRules.write('-A KUBE-FORWARD -m comment --comment', q('kubernetes forwarding rules'), '-m mark --mark', `${mark}/${mark}`, '-j ACCEPT');
  filterRules.write('-A KUBE-FORWARD -m comment --comment', q('kubernetes forwarding conntrack rule'), '-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');

  // Jumps from the built-in chains go last: the chains they target exist by then.
  const jumps = (table: string): string[] => (req.jumps ?? []).filter((j) => j.table === table).map((j) => `-I ${j.chain} ${jumpRuleSpec(j)}`);
  const text = [
    req.canary ? '*mangle\n:KUBE-PROXY-CANARY - [0:0]\nCOMMIT' : [],
    '*filter', filterChains.lines, filterRules.lines, jumps('filter'), 'COMMIT',
    '*nat', natChains.lines, natRules.lines, jumps('nat'), 'COMMIT',
  ].flat().join('\n') + '\n';

  return {
    text,
    activeChains,
    counts: {
      filterChains: filterChains.lines.length,
      filterRules: filterRules.lines.length,
      natChains: natChains.lines.length,
      natRules: natRules.lines.length,
      deletedChains,
    },
  };
}
