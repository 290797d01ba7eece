// Objects for the policy component's tests: pods, namespaces and policies as the API serves them.

import type { ClusterNetworkPolicy, Namespace, NetworkPolicy, Pod } from '../kube/types.js';

export interface PodOptions {
  node?: string;
  ip?: string;
  labels?: Record<string, string>;
  ports?: { name: string; port: number; protocol?: string }[];
  hostNetwork?: boolean;
  phase?: string;
}

export function pod(key: string, o: PodOptions = {}): Pod {
  const [namespace, name] = key.split('/');
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { namespace, name, uid: `uid-${namespace}-${name}`, labels: o.labels ?? { pod: name } },
    spec: {
      nodeName: o.node ?? 'node-1', hostNetwork: o.hostNetwork,
      containers: [{ name: 'c', image: 'agnhost', ports: (o.ports ?? []).map((p) => ({ name: p.name, containerPort: p.port, protocol: p.protocol ?? 'TCP' })) }],
    },
    status: { phase: o.phase ?? 'Running', podIP: o.ip, podIPs: o.ip ? [{ ip: o.ip }] : undefined },
  } as Pod;
}

export function namespace(name: string, labels: Record<string, string> = {}): Namespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } } };
}

export function policy(key: string, spec: Partial<NetworkPolicy['spec']>, annotations?: Record<string, string>): NetworkPolicy {
  const [namespace, name] = key.split('/');
  return {
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy',
    metadata: { namespace, name, annotations },
    spec: { podSelector: {}, ...spec },
  };
}

export function clusterPolicy(name: string, spec: ClusterNetworkPolicy['spec']): ClusterNetworkPolicy {
  return { apiVersion: 'policy.networking.k8s.io/v1alpha2', kind: 'ClusterNetworkPolicy', metadata: { name }, spec };
}
