// Names of the kinds knit's components work with, as the client addresses them.

export interface ResourceRef {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

const core = (plural: string, kind: string, namespaced = true): ResourceRef => ({ group: '', version: 'v1', plural, kind, namespaced });
const apps = (plural: string, kind: string): ResourceRef => ({ group: 'apps', version: 'v1', plural, kind, namespaced: true });
const rbac = (plural: string, kind: string, namespaced: boolean): ResourceRef => ({ group: 'rbac.authorization.k8s.io', version: 'v1', plural, kind, namespaced });

export const R = {
  namespaces: core('namespaces', 'Namespace', false),
  nodes: core('nodes', 'Node', false),
  pods: core('pods', 'Pod'),
  services: core('services', 'Service'),
  endpoints: core('endpoints', 'Endpoints'),
  secrets: core('secrets', 'Secret'),
  configmaps: core('configmaps', 'ConfigMap'),
  events: core('events', 'Event'),
  serviceaccounts: core('serviceaccounts', 'ServiceAccount'),
  deployments: apps('deployments', 'Deployment'),
  replicasets: apps('replicasets', 'ReplicaSet'),
  statefulsets: apps('statefulsets', 'StatefulSet'),
  daemonsets: apps('daemonsets', 'DaemonSet'),
  controllerrevisions: apps('controllerrevisions', 'ControllerRevision'),
  jobs: { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job', namespaced: true } as ResourceRef,
  cronjobs: { group: 'batch', version: 'v1', plural: 'cronjobs', kind: 'CronJob', namespaced: true } as ResourceRef,
  endpointslices: { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', kind: 'EndpointSlice', namespaced: true } as ResourceRef,
  ingresses: { group: 'networking.k8s.io', version: 'v1', plural: 'ingresses', kind: 'Ingress', namespaced: true } as ResourceRef,
  ingressclasses: { group: 'networking.k8s.io', version: 'v1', plural: 'ingressclasses', kind: 'IngressClass', namespaced: false } as ResourceRef,
  networkpolicies: { group: 'networking.k8s.io', version: 'v1', plural: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true } as ResourceRef,
  leases: { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', namespaced: true } as ResourceRef,
  roles: rbac('roles', 'Role', true),
  clusterroles: rbac('clusterroles', 'ClusterRole', false),
  rolebindings: rbac('rolebindings', 'RoleBinding', true),
  clusterrolebindings: rbac('clusterrolebindings', 'ClusterRoleBinding', false),
  customresourcedefinitions: { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false } as ResourceRef,
  // Served through network-policy-api's CustomResourceDefinition.
  clusternetworkpolicies: { group: 'policy.networking.k8s.io', version: 'v1alpha2', plural: 'clusternetworkpolicies', kind: 'ClusterNetworkPolicy', namespaced: false } as ResourceRef,
} as const;

export function apiVersionOf(ref: ResourceRef): string {
  return ref.group ? `${ref.group}/${ref.version}` : ref.version;
}

/** The URL path of a collection or an object: /api/v1/namespaces/default/pods/web/status. */
export function pathOf(ref: ResourceRef, namespace?: string, name?: string, subresource?: string): string {
  let p = ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`;
  if (ref.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${ref.plural}`;
  if (name) p += `/${encodeURIComponent(name)}`;
  if (subresource) p += `/${subresource}`;
  return p;
}
