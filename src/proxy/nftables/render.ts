// `nft -f -` transactions for kube-proxy's table, as a pure function of the service port plans
// and of what the previous transactions left in the kernel: upstream's table layout, names and
// rule text (pkg/proxy/nftables/proxier.go). A partial sync touches only changed services'
// chains and the map elements that differ.

import type { BackendOptions } from '../backend.js';
import { cidrTextContains } from '../../common/ipv4.js';
import { type NftServiceChains, isNftServiceChain, nftEndpointNames, nftServiceChains } from '../names.js';
import type { ServicePortPlan } from '../plan.js';
import type { EndpointInfo, ServicePortInfo } from '../types.js';

export const TABLE = 'kube-proxy';
const T = `ip ${TABLE}`;

export interface NftOptions extends BackendOptions {
  /** Service CIDRs: traffic to an unallocated address in them is dropped. */
  serviceCIDRs: string[];
}

/** What earlier transactions left in the kernel. */
export interface NftProgrammed {
  /** container (set or map) -> element key -> value ('' for set elements). */
  elements: Map<string, Map<string, string>>;
  /** Per-service chains that exist. */
  chains: Set<string>;
  affinitySets: Set<string>;
  /** Flushed chains waiting to be deleted, with the time (ms) they became unused. */
  staleChains: Map<string, number>;
}

export function emptyProgrammed(): NftProgrammed {
  return { elements: new Map(), chains: new Set(), affinitySets: new Set(), staleChains: new Map() };
}

export interface NftRenderRequest {
  plans: ServicePortPlan[];
  /** Recreate the whole table's contents; otherwise only `changed` Services ("ns/svc"). */
  full: boolean;
  changed: Set<string>;
  /** Delete and recreate the base chains (first sync of a process: their priorities may differ). */
  recreateBaseChains: boolean;
  /** Current time in ms, stamped on chains that become stale. */
  now: number;
}

export interface NftRender {
  /** The transaction; '' when nothing changed. */
  text: string;
  /** What the kernel holds once the transaction is applied. */
  next: NftProgrammed;
}

const BASE_CHAINS: [name: string, type: string, hook: string, priority: number][] = [
  ['filter-prerouting', 'filter', 'prerouting', -110],
  ['filter-input', 'filter', 'input', -110],
  ['filter-forward', 'filter', 'forward', -110],
  ['filter-output', 'filter', 'output', -110],
  ['filter-output-post-dnat', 'filter', 'output', -90],
  ['nat-prerouting', 'nat', 'prerouting', -100],
  ['nat-output', 'nat', 'output', -100],
  ['nat-postrouting', 'nat', 'postrouting', 100],
];

const JUMPS: [dst: string, src: string, match: string][] = [
  ['nodeport-endpoints-check', 'filter-input', 'ct state new '],
  ['service-endpoints-check', 'filter-input', 'ct state new '],
  ['service-endpoints-check', 'filter-forward', 'ct state new '],
  ['service-endpoints-check', 'filter-output', 'ct state new '],
  ['firewall-check', 'filter-prerouting', 'ct state new '],
  ['firewall-check', 'filter-output', 'ct state new '],
  ['services', 'nat-output', ''],
  ['services', 'nat-prerouting', ''],
  ['masquerading', 'nat-postrouting', ''],
  ['cluster-ips-check', 'filter-forward', 'ct state new '],
  ['cluster-ips-check', 'filter-output-post-dnat', 'ct state new '],
];

const MAPS: [name: string, type: string, comment: string][] = [
  ['no-endpoint-services', 'ipv4_addr . inet_proto . inet_service : verdict', 'vmap to drop or reject packets to services with no endpoints'],
  ['no-endpoint-nodeports', 'inet_proto . inet_service : verdict', 'vmap to drop or reject packets to service nodeports with no endpoints'],
  ['firewall-ips', 'ipv4_addr . inet_proto . inet_service : verdict', 'destinations that are subject to LoadBalancerSourceRanges'],
  ['service-ips', 'ipv4_addr . inet_proto . inet_service : verdict', 'ClusterIP, ExternalIP and LoadBalancer IP traffic'],
  ['service-nodeports', 'inet_proto . inet_service : verdict', 'NodePort traffic'],
];

/** Flushed at every full sync, then refilled. */
const CONTAINERS = ['cluster-ips', ...MAPS.map(([name]) => name)];

const q = (s: string): string => `"${s}"`;

// Names are hashes: computed once per service port and endpoint object (the change tracker keeps
// the same objects until they change), which keeps partial syncs of large clusters cheap.
const serviceNameCache = new WeakMap<ServicePortInfo, NftServiceChains>();
const endpointNameCache = new WeakMap<EndpointInfo, { chain: string; affinitySet: string }>();

function chainsOf(svc: ServicePortInfo): NftServiceChains {
  let names = serviceNameCache.get(svc);
  if (!names) serviceNameCache.set(svc, (names = nftServiceChains(svc.namespace, svc.name, svc.protocol.toLowerCase(), svc.portName)));
  return names;
}

function namesOf(svc: ServicePortInfo, ep: EndpointInfo): { chain: string; affinitySet: string } {
  let names = endpointNameCache.get(ep);
  if (!names) endpointNameCache.set(ep, (names = nftEndpointNames(svc.namespace, svc.name, svc.protocol.toLowerCase(), svc.portName, ep.ip, ep.port)));
  return names;
}

/** One element of a set or map: key and value as nft writes them ('' for set elements). */
interface Element {
  container: string;
  key: string;
  value: string;
  comment?: string;
}

/** What one service port puts in the table besides its rules: chains, affinity sets, elements. */
interface PlanEntries {
  chains: string[];
  affinitySets: string[];
  elements: Element[];
}

const usesFirewall = (svc: ServicePortInfo): boolean => svc.loadBalancerVIPs.length > 0 && svc.loadBalancerSourceRanges.length > 0;

// Plans are the same objects until their service port changes (see planAll): computed once each,
// a partial sync of 10,000 Services only looks the unchanged ones up.
const entriesCache = new WeakMap<ServicePortPlan, PlanEntries>();

function entriesOf(plan: ServicePortPlan): PlanEntries {
  const cached = entriesCache.get(plan);
  if (cached) return cached;
  const { svc, protocol } = plan;
  const chains = chainsOf(svc);
  const out: PlanEntries = { chains: [], affinitySets: [], elements: [] };
  for (const ep of plan.allReachable) {
    const names = namesOf(svc, ep);
    out.chains.push(names.chain);
    if (svc.sessionAffinityClientIP) out.affinitySets.push(names.affinitySet);
  }
  if (plan.usesClusterPolicyChain) out.chains.push(chains.service);
  if (plan.usesLocalPolicyChain) out.chains.push(chains.local);
  if (plan.usesExternalChain) out.chains.push(chains.external);
  if (usesFirewall(svc)) out.chains.push(chains.firewall);

  const element = (container: string, key: (string | number)[], value: string, comment?: string) =>
    out.elements.push({ container, key: key.join(' . '), value, ...(comment ? { comment } : {}) });
  const verdict = (v: string | null): string => (v === 'reject' ? 'goto reject-chain' : 'drop');
  const internalChain = svc.internalPolicyLocal ? chains.local : chains.service;
  element('cluster-ips', [svc.clusterIP], '');
  if (plan.hasInternalEndpoints) element('service-ips', [svc.clusterIP, protocol, svc.port], `goto ${internalChain}`);
  else element('no-endpoint-services', [svc.clusterIP, protocol, svc.port], verdict(plan.internalVerdict), svc.nameString);
  for (const ip of svc.externalIPs) {
    if (plan.hasEndpoints) element('service-ips', [ip, protocol, svc.port], `goto ${chains.external}`);
    if (!plan.hasExternalEndpoints) element('no-endpoint-services', [ip, protocol, svc.port], verdict(plan.externalVerdict), svc.nameString);
  }
  for (const ip of svc.loadBalancerVIPs) {
    if (plan.hasEndpoints) element('service-ips', [ip, protocol, svc.port], `goto ${chains.external}`);
    if (usesFirewall(svc)) element('firewall-ips', [ip, protocol, svc.port], `goto ${chains.firewall}`);
  }
  if (!plan.hasExternalEndpoints) {
    for (const ip of svc.loadBalancerVIPs) element('no-endpoint-services', [ip, protocol, svc.port], verdict(plan.externalVerdict), svc.nameString);
  }
  if (svc.nodePort !== 0) {
    if (plan.hasEndpoints) element('service-nodeports', [protocol, svc.nodePort], `goto ${chains.external}`);
    if (!plan.hasExternalEndpoints) element('no-endpoint-nodeports', [protocol, svc.nodePort], verdict(plan.externalVerdict), svc.nameString);
  }
  entriesCache.set(plan, out);
  return out;
}

export function renderNftables(req: NftRenderRequest, opts: NftOptions, prior: NftProgrammed): NftRender {
  const ops: string[] = [];
  const created = new Set<string>();
  const activeChains = new Set<string>();
  const activeAffinitySets = new Set<string>();
  const seen = new Map<string, Map<string, string>>(CONTAINERS.map((c) => [c, new Map()]));
  const previous = req.full ? new Map<string, Map<string, string>>() : prior.elements;
  const noLocalhost = 'ip daddr != 127.0.0.0/8';
  const nodePortDest = opts.nodePortIPs === null ? noLocalhost : 'ip daddr @nodeport-ips';

  const rule = (chain: string, text: string, comment?: string): void => {
    ops.push(`add rule ${T} ${chain} ${text}${comment ? ` comment ${q(comment)}` : ''}`);
  };
  // Creates (and empties) a chain once per transaction; skipped chains are only noted as in use.
  const ensureChain = (chain: string, skip = false): void => {
    activeChains.add(chain);
    if (skip || created.has(chain)) return;
    created.add(chain);
    ops.push(`add chain ${T} ${chain}`, `flush chain ${T} ${chain}`);
  };
  const ensureElement = ({ container, key, value, comment }: Element): void => {
    const done = seen.get(container)!;
    if (done.has(key)) return;
    done.set(key, value);
    const before = previous.get(container)?.get(key);
    if (before === value) return;
    if (before !== undefined) ops.push(`delete element ${T} ${container} { ${key} }`);
    ops.push(`add element ${T} ${container} { ${key}${comment ? ` comment ${q(comment)}` : ''}${value ? ` : ${value}` : ''} }`);
  };

  if (req.full) {
    ops.push(`add table ${T} { comment ${q('rules for kube-proxy')} ; }`);
    if (req.recreateBaseChains) for (const [name] of BASE_CHAINS) ops.push(`add chain ${T} ${name}`, `delete chain ${T} ${name}`);
    for (const [name, type, hook, priority] of BASE_CHAINS) {
      ops.push(`add chain ${T} ${name} { type ${type} hook ${hook} priority ${priority} ; }`, `flush chain ${T} ${name}`);
    }
    for (const [dst, src, match] of JUMPS) {
      ensureChain(dst);
      rule(src, `${match}jump ${dst}`);
    }
    for (const chain of ['services', 'cluster-ips-check', 'masquerading', 'mark-for-masquerade']) ensureChain(chain);
    const mark = opts.masqueradeMark;
    rule('mark-for-masquerade', `mark set mark or ${mark}`);
    rule('masquerading', `mark and ${mark} == 0 return`);
    rule('masquerading', `mark set mark xor ${mark}`);
    rule('masquerading', 'masquerade fully-random');

    ops.push(`add set ${T} cluster-ips { type ipv4_addr ; comment ${q('Active ClusterIPs')} ; }`);
    rule('cluster-ips-check', 'ip daddr @cluster-ips reject', 'Reject traffic to invalid ports of ClusterIPs');
    if (opts.serviceCIDRs.length) rule('cluster-ips-check', `ip daddr { ${opts.serviceCIDRs.join(',')} } drop`, 'Drop traffic to unallocated ClusterIPs');

    ops.push(`add set ${T} nodeport-ips { type ipv4_addr ; comment ${q('IPs that accept NodePort traffic')} ; }`);
    if (opts.nodePortIPs === null) {
      ops.push(`delete set ${T} nodeport-ips`);
    } else {
      ops.push(`flush set ${T} nodeport-ips`);
      for (const ip of opts.nodePortIPs) if (!ip.startsWith('127.')) ops.push(`add element ${T} nodeport-ips { ${ip} }`);
    }

    for (const [name, type, comment] of MAPS.slice(0, 2)) ops.push(`add map ${T} ${name} { type ${type} ; comment ${q(comment)} ; }`);
    ops.push(`add chain ${T} reject-chain { comment ${q('helper for @no-endpoint-services / @no-endpoint-nodeports')} ; }`, `flush chain ${T} reject-chain`);
    rule('reject-chain', 'reject');
    rule('service-endpoints-check', 'ip daddr . meta l4proto . th dport vmap @no-endpoint-services');
    rule('nodeport-endpoints-check', `${nodePortDest} meta l4proto . th dport vmap @no-endpoint-nodeports`);

    ops.push(`add map ${T} ${MAPS[2][0]} { type ${MAPS[2][1]} ; comment ${q(MAPS[2][2])} ; }`);
    ensureChain('firewall-check');
    rule('firewall-check', 'ip daddr . meta l4proto . th dport vmap @firewall-ips');

    for (const [name, type, comment] of MAPS.slice(3)) ops.push(`add map ${T} ${name} { type ${type} ; comment ${q(comment)} ; }`);
    rule('services', 'ip daddr . meta l4proto . th dport vmap @service-ips');
    rule('services', `${opts.nodePortIPs === null ? `fib daddr type local ${noLocalhost}` : nodePortDest} meta l4proto . th dport vmap @service-nodeports`);

    for (const c of CONTAINERS) ops.push(`flush ${c === 'cluster-ips' ? 'set' : 'map'} ${T} ${c}`);
  }

  const ifLocal = opts.clusterCIDR ? `ip saddr ${opts.clusterCIDR}` : null;
  const ifNotLocal = opts.clusterCIDR ? `ip saddr != ${opts.clusterCIDR}` : null;

  for (const plan of req.plans) {
    const { svc, protocol } = plan;
    const chains = chainsOf(svc);
    const skip = !req.full && !req.changed.has(`${svc.namespace}/${svc.name}`);

    // Chains in use and elements: always reconciled, so partial syncs still catch every address change.
    const entries = entriesOf(plan);
    for (const chain of entries.chains) ensureChain(chain, skip);
    for (const set of entries.affinitySets) activeAffinitySets.add(set);
    for (const element of entries.elements) ensureElement(element);
    const internalChain = svc.internalPolicyLocal ? chains.local : chains.service;
    const externalPolicyChain = svc.externalPolicyLocal ? chains.local : chains.service;
    const usesFWChain = usesFirewall(svc);

    if (skip) continue;

    if (plan.hasInternalEndpoints) {
      const dest = `ip daddr ${svc.clusterIP} ${protocol} dport ${svc.port}`;
      if (opts.masqueradeAll) rule(internalChain, `${dest} jump mark-for-masquerade`);
      else if (ifNotLocal) rule(internalChain, `${dest} ${ifNotLocal} jump mark-for-masquerade`);
    }

    if (plan.usesExternalChain) {
      if (!svc.externalPolicyLocal) {
        rule(chains.external, 'jump mark-for-masquerade');
      } else {
        if (ifLocal) rule(chains.external, `${ifLocal} goto ${chains.service}`, 'short-circuit pod traffic');
        rule(chains.external, 'fib saddr type local jump mark-for-masquerade', 'masquerade local traffic');
        rule(chains.external, `fib saddr type local goto ${chains.service}`, 'short-circuit local traffic');
      }
      if (plan.hasExternalEndpoints) rule(chains.external, `goto ${externalPolicyChain}`);
    }

    if (usesFWChain) {
      const sources = [...svc.loadBalancerSourceRanges];
      // A node reaching its own LB IP loops back with the LB IP as source.
      if (svc.loadBalancerSourceRanges.some((cidr) => opts.nodeIPs.some((ip) => cidrTextContains(cidr, ip)))) sources.push(...svc.loadBalancerVIPs);
      rule(chains.firewall, `ip saddr != { ${sources.join(' , ')} } drop`);
    }

    if (svc.sessionAffinityClientIP) {
      for (const ep of plan.allReachable) {
        ops.push(`add set ${T} ${namesOf(svc, ep).affinitySet} { type ipv4_addr ; flags dynamic,timeout ; timeout ${svc.stickyMaxAgeSeconds}s ; }`);
      }
    }

    const balance = (chain: string, endpoints: EndpointInfo[]): void => {
      if (svc.sessionAffinityClientIP) {
        for (const ep of endpoints) {
          const names = namesOf(svc, ep);
          rule(chain, `ip saddr @${names.affinitySet} goto ${names.chain}`);
        }
      }
      // One endpoint needs no random choice. Each numgen vmap is an anonymous set, and the kernel
      // names a new one by scanning every set of the table: thousands of them make a full sync
      // quadratic (upstream kubernetes#139513, fixed the same way in #140723).
      if (endpoints.length === 1) return rule(chain, `goto ${namesOf(svc, endpoints[0]).chain}`);
      const targets = endpoints.map((ep, i) => `${i} : goto ${namesOf(svc, ep).chain}`).join(' , ');
      rule(chain, `numgen random mod ${endpoints.length} vmap { ${targets} }`);
    };
    if (plan.usesClusterPolicyChain) balance(chains.service, plan.clusterEndpoints);
    if (plan.usesLocalPolicyChain) balance(chains.local, plan.localEndpoints);

    for (const ep of plan.allReachable) {
      const names = namesOf(svc, ep);
      rule(names.chain, `ip saddr ${ep.ip} jump mark-for-masquerade`);
      if (svc.sessionAffinityClientIP) rule(names.chain, `update @${names.affinitySet} { ip saddr }`);
      rule(names.chain, `meta l4proto ${protocol} dnat to ${ep.address}`);
    }
  }

  // Chains nothing uses any more are flushed now and deleted a second later: before Linux 6.2
  // the kernel notices only after a moment that a deleted map element no longer references them.
  const staleChains = new Map(prior.staleChains);
  for (const chain of prior.chains) {
    if (activeChains.has(chain) || !isNftServiceChain(chain)) continue;
    if (!staleChains.has(chain)) {
      ops.push(`flush chain ${T} ${chain}`);
      staleChains.set(chain, req.now);
    }
  }
  for (const chain of activeChains) staleChains.delete(chain);
  for (const set of prior.affinitySets) if (!activeAffinitySets.has(set)) ops.push(`delete set ${T} ${set}`);
  for (const [container, elements] of previous) {
    const kept = seen.get(container);
    for (const k of elements.keys()) {
      if (!kept?.has(k)) ops.push(`delete element ${T} ${container} { ${k} }`);
    }
  }

  const chains = new Set([...activeChains].filter(isNftServiceChain));
  for (const chain of staleChains.keys()) chains.add(chain);
  return {
    text: ops.length ? ops.join('\n') + '\n' : '',
    next: { elements: seen, chains, affinitySets: activeAffinitySets, staleChains },
  };
}

/** A transaction deleting the stale chains that have waited more than a second; '' if none. */
export function renderStaleChainDeletion(prior: NftProgrammed, now: number): { text: string; deleted: string[] } {
  const deleted = [...prior.staleChains].filter(([, since]) => now - since > 1000).map(([chain]) => chain);
  return { text: deleted.map((c) => `delete chain ${T} ${c}\n`).join(''), deleted };
}

/** Removes everything kube-proxy's nftables mode created. */
export const CLEANUP_SCRIPT = `add table ${T}\ndelete table ${T}\n`;
