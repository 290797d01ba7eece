// A pod's /etc/resolv.conf as the kubelet composes it (pkg/kubelet/network/dns) and containerd
// writes it (search, then nameservers, then options).

import type { Pod } from '../../kube/types.js';

export interface ResolvConf {
  nameservers: string[];
  searches: string[];
  options: string[];
}

export interface DnsSettings {
  /** The cluster DNS Service IPs (kubelet --cluster-dns), e.g. ["10.96.0.10"]. */
  clusterDNS: string[];
  /** kubelet --cluster-domain, e.g. "cluster.local". */
  clusterDomain: string;
  /** The node's resolv.conf text (kubelet --resolv-conf); undefined when the kubelet has none. */
  hostResolvConf?: string;
  /** The node's IPs, used only when there is no host resolv.conf. */
  nodeIPs?: string[];
}

/** A Warning the kubelet records while composing the file. */
export interface DnsWarning {
  reason: 'DNSConfigForming' | 'MissingClusterDNS';
  message: string;
}

export const MAX_DNS_NAMESERVERS = 3;
export const MAX_DNS_SEARCH_PATHS = 32;
export const MAX_DNS_SEARCH_LIST_CHARS = 2048;
const MAX_DOMAIN_LENGTH = 253;

/** Nameservers accumulate; the last search line and the last options line win. */
export function parseResolvConf(text: string): ResolvConf {
  const conf: ResolvConf = { nameservers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#')) continue;
    const fields = line.split(/\s+/).filter(Boolean);
    if (fields[0] === 'nameserver' && fields.length >= 2) conf.nameservers.push(fields[1]);
    if (fields[0] === 'search') conf.searches = fields.slice(1).map((s) => s.replace(/\.$/, ''));
    if (fields[0] === 'options') conf.options = fields.slice(1);
  }
  return conf;
}

export function formatResolvConf(conf: ResolvConf): string {
  let out = '';
  if (conf.searches.length > 0) out += `search ${conf.searches.join(' ')}\n`;
  for (const ns of conf.nameservers) out += `nameserver ${ns}\n`;
  if (conf.options.length > 0) out += `options ${conf.options.join(' ')}\n`;
  return out;
}

const unique = (list: string[]) => [...new Set(list)];

/** pod.spec.dnsConfig options override same-named ones; the result keeps first-seen order. */
function mergeOptions(existing: string[], extra: { name: string; value?: string }[]): string[] {
  const options = new Map<string, string>();
  for (const op of existing) {
    const i = op.indexOf(':');
    options.set(i >= 0 ? op.slice(0, i) : op, i >= 0 ? op.slice(i + 1) : '');
  }
  for (const op of extra) options.set(op.name, op.value ?? '');
  return [...options].map(([name, value]) => (value ? `${name}:${value}` : name));
}

function fitSearches(searches: string[], warnings: DnsWarning[]): string[] {
  let exceeded = false;
  let list = searches;
  if (list.length > MAX_DNS_SEARCH_PATHS) {
    list = list.slice(0, MAX_DNS_SEARCH_PATHS);
    exceeded = true;
  }
  const short = list.filter((s) => s.length <= MAX_DOMAIN_LENGTH);
  if (short.length !== list.length) exceeded = true;
  list = short;
  let length = list.join(' ').length;
  while (length > MAX_DNS_SEARCH_LIST_CHARS && list.length > 0) {
    length -= list[list.length - 1].length + 1;
    list = list.slice(0, -1);
    exceeded = true;
  }
  if (exceeded) {
    warnings.push({ reason: 'DNSConfigForming', message: `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${list.join(' ')}` });
  }
  return list;
}

function fitNameservers(nameservers: string[], warnings: DnsWarning[]): string[] {
  if (nameservers.length <= MAX_DNS_NAMESERVERS) return nameservers;
  const kept = nameservers.slice(0, MAX_DNS_NAMESERVERS);
  warnings.push({ reason: 'DNSConfigForming', message: `Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${kept.join(' ')}` });
  return kept;
}

/**
 * The pod's DNS configuration for its dnsPolicy: ClusterFirst (Default for hostNetwork pods),
 * ClusterFirstWithHostNet, Default, None; then pod.spec.dnsConfig merged in and upstream's limits.
 */
export function podDnsConfig(pod: Pod, settings: DnsSettings): { conf: ResolvConf; warnings: DnsWarning[] } {
  const warnings: DnsWarning[] = [];
  const host = settings.hostResolvConf === undefined ? undefined : parseResolvConf(settings.hostResolvConf);
  let conf: ResolvConf = { nameservers: host?.nameservers ?? [], searches: host?.searches ?? [], options: host?.options ?? [] };
  const policy = pod.spec.dnsPolicy ?? 'ClusterFirst';
  let type: 'cluster' | 'host' | 'none' = 'cluster';
  if (policy === 'None') type = 'none';
  else if (policy === 'Default' || (policy === 'ClusterFirst' && pod.spec.hostNetwork)) type = 'host';

  if (type === 'none') {
    conf = { nameservers: [], searches: [], options: [] };
  } else if (type === 'cluster' && settings.clusterDNS.length > 0) {
    const domain = settings.clusterDomain;
    const clusterSearch = domain ? [`${pod.metadata.namespace ?? 'default'}.svc.${domain}`, `svc.${domain}`, domain] : [];
    conf = { nameservers: [...settings.clusterDNS], searches: unique([...clusterSearch, ...conf.searches]), options: ['ndots:5'] };
  } else {
    if (type === 'cluster') {
      const nodeMessage = `kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.`;
      warnings.push({ reason: 'MissingClusterDNS', message: `pod: "${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})". ${nodeMessage}` });
    }
    if (host === undefined) {
      const nodeIPs = settings.nodeIPs ?? [];
      conf.nameservers = nodeIPs.length > 0 ? nodeIPs.map((ip) => (ip.includes(':') ? '::1' : '127.0.0.1')) : ['127.0.0.1'];
      conf.searches = ['.'];
    }
  }

  const extra = pod.spec.dnsConfig;
  if (extra) {
    conf = {
      nameservers: unique([...conf.nameservers, ...(extra.nameservers ?? [])]),
      searches: unique([...conf.searches, ...(extra.searches ?? [])]),
      options: mergeOptions(conf.options, extra.options ?? []),
    };
  }
  return { conf: { ...conf, nameservers: fitNameservers(conf.nameservers, warnings), searches: fitSearches(conf.searches, warnings) }, warnings };
}
