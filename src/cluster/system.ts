// The cluster's own workloads, as kubeadm installs them: kube-proxy (a hostNetwork DaemonSet
// configured by the ConfigMap kube-system/kube-proxy), cluster DNS (the Deployment coredns
// behind the Service kube-dns at 10.96.0.10, configured by the ConfigMap kube-system/coredns), and
// NetworkPolicy enforcement (the hostNetwork DaemonSet kube-network-policies, as kind runs it);
// and what each may do (systemRbacObjects): no more than it needs.

import { isApiError } from '../kube/errors.js';
import type { KubeObject } from '../kube/types.js';
import type { ApiClient } from '../client/client.js';
import { R, type ResourceRef } from '../client/resources.js';
import type { ClusterConfig } from './config.js';
import { bundledCrds, STARTUP_BUNDLES } from './crds.js';

export const KUBE_PROXY_IMAGE = 'registry.k8s.io/kube-proxy:v1.32.0';
export const COREDNS_IMAGE = 'registry.k8s.io/coredns/coredns:v1.11.3';
export const NETWORK_POLICY_IMAGE = 'registry.k8s.io/networking/kube-network-policies:v1.1.1';

/**
 * The KubeProxyConfiguration kubeadm writes, with knit's cluster CIDR and mode ("" = iptables),
 * and a minSyncPeriod of 100ms for iptables and nftables instead of 0s (which means 1s): the 1s
 * default is sized for clusters whose syncs take seconds, a knit cluster's take tens of
 * milliseconds; with 1s, a Service's creation and its EndpointSlice (two syncs) use up the burst
 * of two and every change after them waits up to a second.
 */
export function kubeProxyConfig(cfg: ClusterConfig, mode: string): string {
  return [
    'apiVersion: kubeproxy.config.k8s.io/v1alpha1',
    'bindAddress: 0.0.0.0',
    'bindAddressHardFail: false',
    'clientConnection:',
    '  acceptContentTypes: ""',
    '  burst: 0',
    '  contentType: ""',
    '  kubeconfig: /var/lib/kube-proxy/kubeconfig.conf',
    '  qps: 0',
    `clusterCIDR: ${cfg.clusterCIDR}`,
    'configSyncPeriod: 0s',
    'conntrack:',
    '  maxPerCore: null',
    '  min: null',
    '  tcpCloseWaitTimeout: null',
    '  tcpEstablishedTimeout: null',
    'healthzBindAddress: ""',
    'iptables:',
    '  masqueradeAll: false',
    '  masqueradeBit: null',
    '  minSyncPeriod: 100ms',
    '  syncPeriod: 0s',
    'ipvs:',
    '  excludeCIDRs: null',
    '  minSyncPeriod: 0s',
    '  scheduler: ""',
    '  strictARP: false',
    '  syncPeriod: 0s',
    'kind: KubeProxyConfiguration',
    'metricsBindAddress: ""',
    `mode: ${JSON.stringify(mode)}`,
    'nftables:',
    '  masqueradeAll: false',
    '  masqueradeBit: null',
    '  minSyncPeriod: 100ms',
    '  syncPeriod: 0s',
    'nodePortAddresses: null',
    'oomScoreAdj: null',
    'portRange: ""',
    'showHiddenMetricsForAlphaFeatures: ""',
    'udpIdleTimeout: 0s',
    '',
  ].join('\n');
}

export function kubeadmCorefile(domain: string, upstreams: string[]): string {
  const forward = upstreams.length ? upstreams.join(' ') : '/etc/resolv.conf';
  return `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes ${domain} in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . ${forward} {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
`;
}

export function systemObjects(cfg: ClusterConfig, apiServer: string): { ref: ResourceRef; obj: KubeObject }[] {
  const ns = 'kube-system';
  const proxyMode = cfg.proxyMode === 'iptables' ? '' : cfg.proxyMode;
  const criticalTolerations = [{ operator: 'Exists' }];
  return [
    { ref: R.serviceaccounts, obj: { metadata: { name: 'kube-proxy', namespace: ns } } },
    { ref: R.serviceaccounts, obj: { metadata: { name: 'coredns', namespace: ns } } },
    { ref: R.serviceaccounts, obj: { metadata: { name: 'kube-network-policies', namespace: ns } } },
    {
      ref: R.configmaps,
      obj: {
        metadata: { name: 'kube-proxy', namespace: ns, labels: { app: 'kube-proxy' } },
        data: {
          'config.conf': kubeProxyConfig(cfg, proxyMode),
          'kubeconfig.conf': [
            'apiVersion: v1', 'kind: Config', 'clusters:', '- cluster:',
            '    certificate-authority: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
            `    server: ${apiServer}`, '  name: default', 'contexts:', '- context:', '    cluster: default', '    namespace: default',
            '    user: default', '  name: default', 'current-context: default', 'users:', '- name: default', '  user:',
            '    tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token', '',
          ].join('\n'),
        },
      },
    },
    {
      ref: R.daemonsets,
      obj: {
        metadata: { name: 'kube-proxy', namespace: ns, labels: { 'k8s-app': 'kube-proxy' } },
        spec: {
          selector: { matchLabels: { 'k8s-app': 'kube-proxy' } },
          updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
          template: {
            metadata: { labels: { 'k8s-app': 'kube-proxy' } },
            spec: {
              hostNetwork: true,
              priorityClassName: 'system-node-critical',
              serviceAccountName: 'kube-proxy',
              tolerations: criticalTolerations,
              nodeSelector: { 'kubernetes.io/os': 'linux' },
              containers: [{
                name: 'kube-proxy',
                image: KUBE_PROXY_IMAGE,
                imagePullPolicy: 'IfNotPresent',
                command: ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf', '--hostname-override=$(NODE_NAME)', `--master=${apiServer}`],
                env: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } }],
                securityContext: { privileged: true },
              }],
            },
          },
        },
      },
    },
    {
      ref: R.daemonsets,
      obj: {
        metadata: { name: 'kube-network-policies', namespace: ns, labels: { app: 'kube-network-policies', 'k8s-app': 'kube-network-policies' } },
        spec: {
          selector: { matchLabels: { app: 'kube-network-policies' } },
          updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
          template: {
            metadata: { labels: { app: 'kube-network-policies', 'k8s-app': 'kube-network-policies' } },
            spec: {
              hostNetwork: true,
              priorityClassName: 'system-node-critical',
              serviceAccountName: 'kube-network-policies',
              tolerations: criticalTolerations,
              nodeSelector: { 'kubernetes.io/os': 'linux' },
              containers: [{
                name: 'kube-network-policies',
                image: NETWORK_POLICY_IMAGE,
                imagePullPolicy: 'IfNotPresent',
                // Like kube-proxy, it reaches the API server directly, not through a Service that
                // kube-proxy may not have programmed yet.
                command: ['/bin/kube-network-policies', '--hostname-override=$(NODE_NAME)', `--master=${apiServer}`],
                env: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } }],
                ports: [{ name: 'metrics', containerPort: 9080, protocol: 'TCP' }],
                readinessProbe: { httpGet: { path: '/healthz', port: 9080, scheme: 'HTTP' }, periodSeconds: 2, timeoutSeconds: 1, failureThreshold: 3 },
                securityContext: { privileged: true },
              }],
            },
          },
        },
      },
    },
    {
      ref: R.configmaps,
      obj: { metadata: { name: 'coredns', namespace: ns }, data: { Corefile: kubeadmCorefile(cfg.dnsDomain, cfg.dnsUpstreams) } },
    },
    {
      ref: R.deployments,
      obj: {
        metadata: { name: 'coredns', namespace: ns, labels: { 'k8s-app': 'kube-dns' } },
        spec: {
          replicas: 2,
          selector: { matchLabels: { 'k8s-app': 'kube-dns' } },
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
          template: {
            metadata: { labels: { 'k8s-app': 'kube-dns' } },
            spec: {
              priorityClassName: 'system-cluster-critical',
              serviceAccountName: 'coredns',
              dnsPolicy: 'Default',
              tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }, { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
              affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: { matchExpressions: [{ key: 'k8s-app', operator: 'In', values: ['kube-dns'] }] }, topologyKey: 'kubernetes.io/hostname' } }] } },
              containers: [{
                name: 'coredns',
                image: COREDNS_IMAGE,
                imagePullPolicy: 'IfNotPresent',
                args: ['-conf', '/etc/coredns/Corefile'],
                // knit's DNS forwards names outside the cluster only for pods, the nodes (it watches
                // them) and the host (the API server's address on the node network), not for other
                // clients on that network such as the external client.
                env: [{ name: 'KNIT_CLUSTER_CIDRS', value: `${cfg.clusterCIDR},${new URL(apiServer).hostname}/32` }],
                ports: [
                  { name: 'dns', containerPort: 53, protocol: 'UDP' },
                  { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
                  { name: 'metrics', containerPort: 9153, protocol: 'TCP' },
                ],
                livenessProbe: { httpGet: { path: '/health', port: 8080, scheme: 'HTTP' }, initialDelaySeconds: 60, timeoutSeconds: 5, successThreshold: 1, failureThreshold: 5 },
                readinessProbe: { httpGet: { path: '/ready', port: 8181, scheme: 'HTTP' }, periodSeconds: 1, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
              }],
            },
          },
        },
      },
    },
    {
      ref: R.services,
      obj: {
        metadata: {
          name: 'kube-dns', namespace: ns,
          labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' },
          annotations: { 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' },
        },
        spec: {
          selector: { 'k8s-app': 'kube-dns' },
          clusterIP: cfg.dnsIP,
          ports: [
            { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
            { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
            { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
          ],
        },
      },
    },
  ];
}

const RBAC = 'rbac.authorization.k8s.io';
const sa = (name: string) => ({ kind: 'ServiceAccount', name, namespace: 'kube-system' });
const clusterRole = (name: string, rules: unknown[]) => ({ ref: R.clusterroles, obj: { metadata: { name }, rules } });
const clusterRoleBinding = (name: string, role: string, subjects: unknown[]) => ({
  ref: R.clusterrolebindings, obj: { metadata: { name }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role }, subjects },
});
const role = (name: string, rules: unknown[]) => ({ ref: R.roles, obj: { metadata: { name, namespace: 'kube-system' }, rules } });
const roleBinding = (name: string, roleName: string, subjects: unknown[]) => ({
  ref: R.rolebindings, obj: { metadata: { name, namespace: 'kube-system' }, roleRef: { apiGroup: RBAC, kind: 'Role', name: roleName }, subjects },
});

/**
 * What the system workloads and the node agents may do beyond upstream's default policy.
 * kubeadm's: kube-proxy's service account bound to system:node-proxier (kubeadm:node-proxier),
 * coredns's to system:coredns. kind's: kube-network-policies' ClusterRole. knit's own (named
 * knit:*): knit's kube-proxy and DNS read their ConfigMaps from the API (upstream's read them from
 * files the kubelet mounts), DNS lists nodes (it forwards names only for the cluster's own
 * clients), and the node agents, which also do flannel's work, list the Nodes to route to them.
 */
export function systemRbacObjects(): { ref: ResourceRef; obj: KubeObject }[] {
  const readOnly = ['get', 'list', 'watch'];
  return [
    clusterRoleBinding('kubeadm:node-proxier', 'system:node-proxier', [sa('kube-proxy')]),
    role('knit:kube-proxy-config', [{ verbs: readOnly, apiGroups: [''], resources: ['configmaps'], resourceNames: ['kube-proxy'] }]),
    roleBinding('knit:kube-proxy-config', 'knit:kube-proxy-config', [sa('kube-proxy')]),
    clusterRole('system:coredns', [
      { verbs: ['list', 'watch'], apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'] },
      { verbs: ['list', 'watch'], apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'] },
    ]),
    clusterRoleBinding('system:coredns', 'system:coredns', [sa('coredns')]),
    clusterRole('knit:coredns', [{ verbs: ['list', 'watch'], apiGroups: [''], resources: ['nodes'] }]),
    clusterRoleBinding('knit:coredns', 'knit:coredns', [sa('coredns')]),
    role('knit:coredns-config', [{ verbs: readOnly, apiGroups: [''], resources: ['configmaps'], resourceNames: ['coredns'] }]),
    roleBinding('knit:coredns-config', 'knit:coredns-config', [sa('coredns')]),
    clusterRole('kube-network-policies', [
      { verbs: ['list', 'watch'], apiGroups: [''], resources: ['pods', 'namespaces', 'nodes'] },
      { verbs: ['list', 'watch'], apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'] },
      { verbs: ['list', 'watch'], apiGroups: ['policy.networking.k8s.io'], resources: ['clusternetworkpolicies'] },
    ]),
    clusterRoleBinding('kube-network-policies', 'kube-network-policies', [sa('kube-network-policies')]),
    clusterRole('knit:node-network', [{ verbs: ['list', 'watch'], apiGroups: [''], resources: ['nodes'] }]),
    clusterRoleBinding('knit:node-network', 'knit:node-network', [{ kind: 'Group', apiGroup: RBAC, name: 'system:nodes' }]),
  ];
}

/** Creates the RBAC objects of systemRbacObjects() that are missing; before the node agents can reach the API server. */
export async function ensureSystemRbac(client: ApiClient): Promise<void> {
  await ensureObjects(client, systemRbacObjects());
}

/**
 * Creates the system objects that are missing; existing ones (perhaps edited by the user) stay as
 * they are. The node network is no longer needed (callers may stop passing it).
 */
const AUTOUPDATE = 'rbac.authorization.kubernetes.io/autoupdate';

export async function ensureSystemObjects(client: ApiClient, cfg: ClusterConfig, apiServer: string): Promise<void> {
  const crds = STARTUP_BUNDLES.flatMap(bundledCrds).map((obj) => ({ ref: R.customresourcedefinitions, obj }));
  await ensureObjects(client, [...crds, ...systemObjects(cfg, apiServer)]);
}

async function ensureObjects(client: ApiClient, objects: { ref: ResourceRef; obj: KubeObject }[]): Promise<void> {
  for (const { ref, obj } of objects) {
    const existing = await client.get(ref, obj.metadata.namespace, obj.metadata.name!).catch((err) => {
      if (isApiError(err, 'NotFound')) return undefined;
      throw err;
    });
    if (existing) {
      // The roles knit gives its own components follow what this version of knit needs (a
      // cluster kept from an older one gets the new rules), unless the user said not to, as
      // upstream's bootstrap policy honours rbac.authorization.kubernetes.io/autoupdate.
      const rbacRole = ref === R.clusterroles || ref === R.roles;
      if (rbacRole && existing.metadata.annotations?.[AUTOUPDATE] !== 'false' && JSON.stringify(existing.rules) !== JSON.stringify(obj.rules)) {
        await client.update(ref, { ...existing, rules: obj.rules });
      }
      continue;
    }
    try {
      await client.create(ref, obj.metadata.namespace, obj);
    } catch (err) {
      if (!isApiError(err, 'AlreadyExists')) throw err;
    }
  }
}
