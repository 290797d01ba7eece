// A pod's /etc/hosts and hostname as the kubelet writes them (kubelet_pods.go): the managed file
// with the pod's IPs and name (FQDN first when it has a subdomain), or for hostNetwork pods the
// node's own file; hostAliases last.

import type { Pod } from '../../kube/types.js';

const HOSTNAME_MAX = 63;

/** The pod's hostname and, with spec.subdomain, its domain "<subdomain>.<namespace>.svc.<cluster domain>". */
export function podHostnameAndDomain(pod: Pod, clusterDomain: string): { hostname: string; domain: string } {
  let hostname = pod.spec.hostname || pod.metadata.name || '';
  if (hostname.length > HOSTNAME_MAX) hostname = hostname.slice(0, HOSTNAME_MAX).replace(/[-.]+$/, '');
  const domain = pod.spec.subdomain ? `${pod.spec.subdomain}.${pod.metadata.namespace ?? 'default'}.svc.${clusterDomain}` : '';
  return { hostname, domain };
}

function aliasLines(pod: Pod): string {
  const aliases = pod.spec.hostAliases ?? [];
  if (aliases.length === 0) return '';
  return '\n# Entries added by HostAliases.\n' + aliases.map((a) => `${a.ip}\t${(a.hostnames ?? []).join('\t')}\n`).join('');
}

/**
 * The hosts file for the pod. `podIPs` are the pod's addresses; `nodeHosts` is the node's
 * /etc/hosts, used instead of the managed entries for hostNetwork pods.
 */
export function podHostsFile(pod: Pod, podIPs: string[], clusterDomain: string, nodeHosts = ''): string {
  if (pod.spec.hostNetwork) return `# Kubernetes-managed hosts file (host network).\n${nodeHosts}${aliasLines(pod)}`;
  const { hostname, domain } = podHostnameAndDomain(pod, clusterDomain);
  let out = '# Kubernetes-managed hosts file.\n'
    + '127.0.0.1\tlocalhost\n'
    + '::1\tlocalhost ip6-localhost ip6-loopback\n'
    + 'fe00::0\tip6-localnet\n'
    + 'fe00::0\tip6-mcastprefix\n'
    + 'fe00::1\tip6-allnodes\n'
    + 'fe00::2\tip6-allrouters\n';
  for (const ip of podIPs) out += domain ? `${ip}\t${hostname}.${domain}\t${hostname}\n` : `${ip}\t${hostname}\n`;
  return out + aliasLines(pod);
}
