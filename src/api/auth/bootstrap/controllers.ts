// The controllers' cluster roles (controller_policy.go): system:controller:<name>, each bound to
// the service account kube-system/<name> that kube-controller-manager's controller of that name
// runs as (--use-service-account-credentials, as kubeadm sets it). Roles of controllers behind
// feature gates that are off by default in 1.32 are left out.

import { rule, type PolicyRule } from '../rbac/rules.js';
import type { BindingSpec, ClusterRoleSpec } from './policy.js';

const events = (): PolicyRule => rule(['create', 'update', 'patch'], ['', 'events.k8s.io'], ['events']);

const CONTROLLER_ROLES: Record<string, PolicyRule[]> = {
  'attachdetach-controller': [
    rule(['list', 'watch'], [''], ['persistentvolumes', 'persistentvolumeclaims']),
    rule(['get', 'list', 'watch'], [''], ['nodes']),
    rule(['patch', 'update'], [''], ['nodes/status']),
    rule(['list', 'watch'], [''], ['pods']),
    events(),
    rule(['get', 'create', 'delete', 'list', 'watch'], ['storage.k8s.io'], ['volumeattachments']),
    rule(['get', 'watch', 'list'], ['storage.k8s.io'], ['csidrivers']),
    rule(['get', 'watch', 'list'], ['storage.k8s.io'], ['csinodes']),
  ],
  'clusterrole-aggregation-controller': [
    rule(['escalate', 'get', 'list', 'watch', 'update', 'patch'], ['rbac.authorization.k8s.io'], ['clusterroles']),
  ],
  'cronjob-controller': [
    rule(['get', 'list', 'watch', 'update'], ['batch'], ['cronjobs']),
    rule(['get', 'list', 'watch', 'create', 'update', 'delete', 'patch'], ['batch'], ['jobs']),
    rule(['update'], ['batch'], ['cronjobs/status']),
    rule(['update'], ['batch'], ['cronjobs/finalizers']),
    rule(['list', 'delete'], [''], ['pods']),
    events(),
  ],
  'daemon-set-controller': [
    rule(['get', 'list', 'watch'], ['extensions', 'apps'], ['daemonsets']),
    rule(['update'], ['extensions', 'apps'], ['daemonsets/status']),
    rule(['update'], ['extensions', 'apps'], ['daemonsets/finalizers']),
    rule(['list', 'watch'], [''], ['nodes']),
    rule(['list', 'watch', 'create', 'delete', 'patch'], [''], ['pods']),
    rule(['create'], [''], ['pods/binding']),
    rule(['get', 'list', 'watch', 'create', 'delete', 'update', 'patch'], ['apps'], ['controllerrevisions']),
    events(),
  ],
  'deployment-controller': [
    rule(['get', 'list', 'watch', 'update'], ['extensions', 'apps'], ['deployments']),
    rule(['update'], ['extensions', 'apps'], ['deployments/status']),
    rule(['update'], ['extensions', 'apps'], ['deployments/finalizers']),
    rule(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], ['apps', 'extensions'], ['replicasets']),
    rule(['get', 'list', 'watch', 'update'], [''], ['pods']),
    events(),
  ],
  'disruption-controller': [
    rule(['get', 'list', 'watch'], ['extensions', 'apps'], ['deployments']),
    rule(['get', 'list', 'watch'], ['apps', 'extensions'], ['replicasets']),
    rule(['get', 'list', 'watch'], [''], ['replicationcontrollers']),
    rule(['get', 'list', 'watch'], ['policy'], ['poddisruptionbudgets']),
    rule(['get', 'list', 'watch'], ['apps'], ['statefulsets']),
    rule(['update'], ['policy'], ['poddisruptionbudgets/status']),
    rule(['patch', 'update'], [''], ['pods/status']),
    rule(['get'], ['*'], ['*/scale']),
    events(),
  ],
  'endpoint-controller': [
    rule(['get', 'list', 'watch'], [''], ['services', 'pods']),
    rule(['get', 'list', 'watch', 'create', 'update', 'delete'], [''], ['endpoints']),
    rule(['create'], [''], ['endpoints/restricted']),
    events(),
  ],
  'endpointslice-controller': [
    rule(['get', 'list', 'watch'], [''], ['services', 'pods', 'nodes']),
    rule(['update'], [''], ['services/finalizers']),
    rule(['get', 'list', 'watch', 'create', 'update', 'delete'], ['discovery.k8s.io'], ['endpointslices']),
    events(),
  ],
  'endpointslicemirroring-controller': [
    rule(['get', 'list', 'watch'], [''], ['services', 'endpoints']),
    rule(['update'], [''], ['services/finalizers']),
    rule(['update'], [''], ['endpoints/finalizers']),
    rule(['get', 'list', 'watch', 'create', 'update', 'delete'], ['discovery.k8s.io'], ['endpointslices']),
    events(),
  ],
  'expand-controller': [
    rule(['get', 'list', 'watch', 'update', 'patch'], [''], ['persistentvolumes']),
    rule(['update', 'patch'], [''], ['persistentvolumeclaims/status']),
    rule(['get', 'list', 'watch'], [''], ['persistentvolumeclaims']),
    events(),
    rule(['get'], [''], ['services']),
  ],
  'ephemeral-volume-controller': [
    rule(['get', 'list', 'watch'], [''], ['pods']),
    rule(['update'], [''], ['pods/finalizers']),
    rule(['get', 'list', 'watch', 'create'], [''], ['persistentvolumeclaims']),
    events(),
  ],
  'generic-garbage-collector': [
    rule(['get', 'list', 'watch', 'patch', 'update', 'delete'], ['*'], ['*']),
    events(),
  ],
  'horizontal-pod-autoscaler': [
    rule(['get', 'list', 'watch'], ['autoscaling'], ['horizontalpodautoscalers']),
    rule(['update'], ['autoscaling'], ['horizontalpodautoscalers/status']),
    rule(['get', 'update'], ['*'], ['*/scale']),
    rule(['list', 'watch'], [''], ['pods']),
    rule(['list', 'watch'], ['metrics.k8s.io'], ['pods']),
    rule(['get', 'list', 'watch'], ['custom.metrics.k8s.io'], ['*']),
    rule(['get', 'list', 'watch'], ['external.metrics.k8s.io'], ['*']),
    events(),
  ],
  'job-controller': [
    rule(['get', 'list', 'watch', 'update', 'patch'], ['batch'], ['jobs']),
    rule(['update'], ['batch'], ['jobs/status']),
    rule(['update'], ['batch'], ['jobs/finalizers']),
    rule(['list', 'watch', 'create', 'delete', 'patch'], [''], ['pods']),
    events(),
  ],
  'namespace-controller': [
    rule(['get', 'list', 'watch', 'delete'], [''], ['namespaces']),
    rule(['update'], [''], ['namespaces/finalize', 'namespaces/status']),
    rule(['get', 'list', 'delete', 'deletecollection'], ['*'], ['*']),
  ],
  'node-controller': [
    rule(['get', 'list', 'update', 'delete', 'patch'], [''], ['nodes']),
    rule(['patch', 'update'], [''], ['nodes/status']),
    rule(['patch', 'update'], [''], ['pods/status']),
    rule(['list', 'delete'], [''], ['pods']),
    events(),
  ],
  'persistent-volume-binder': [
    rule(['get', 'list', 'watch', 'update', 'create', 'delete'], [''], ['persistentvolumes']),
    rule(['update'], [''], ['persistentvolumes/status']),
    rule(['get', 'list', 'watch', 'update'], [''], ['persistentvolumeclaims']),
    rule(['update'], [''], ['persistentvolumeclaims/status']),
    rule(['list', 'watch', 'get', 'create', 'delete'], [''], ['pods']),
    rule(['get', 'list', 'watch'], ['storage.k8s.io'], ['storageclasses']),
    rule(['list', 'watch'], [''], ['nodes']),
    events(),
    rule(['watch'], [''], ['events']),
    rule(['get'], [''], ['services']),
  ],
  'pod-garbage-collector': [
    rule(['list', 'watch', 'delete'], [''], ['pods']),
    rule(['get', 'list', 'watch'], [''], ['nodes']),
    rule(['patch'], [''], ['pods/status']),
  ],
  'replicaset-controller': [
    rule(['get', 'list', 'watch', 'update'], ['apps', 'extensions'], ['replicasets']),
    rule(['update'], ['apps', 'extensions'], ['replicasets/status']),
    rule(['update'], ['apps', 'extensions'], ['replicasets/finalizers']),
    rule(['list', 'watch', 'patch', 'create', 'delete'], [''], ['pods']),
    events(),
  ],
  'replication-controller': [
    rule(['get', 'list', 'watch', 'update'], [''], ['replicationcontrollers']),
    rule(['update'], [''], ['replicationcontrollers/status']),
    rule(['update'], [''], ['replicationcontrollers/finalizers']),
    rule(['list', 'watch', 'patch', 'create', 'delete'], [''], ['pods']),
    events(),
  ],
  'resourcequota-controller': [
    rule(['list', 'watch'], ['*'], ['*']),
    rule(['update'], [''], ['resourcequotas/status']),
    events(),
  ],
  'route-controller': [
    rule(['list', 'watch'], [''], ['nodes']),
    rule(['patch'], [''], ['nodes/status']),
    events(),
  ],
  'service-account-controller': [
    rule(['create'], [''], ['serviceaccounts']),
    events(),
  ],
  'service-controller': [
    rule(['get', 'list', 'watch'], [''], ['services']),
    rule(['patch', 'update'], [''], ['services/status']),
    rule(['list', 'watch'], [''], ['nodes']),
    events(),
  ],
  'statefulset-controller': [
    rule(['list', 'watch'], [''], ['pods']),
    rule(['get', 'list', 'watch'], ['apps'], ['statefulsets']),
    rule(['update'], ['apps'], ['statefulsets/status']),
    rule(['update'], ['apps'], ['statefulsets/finalizers']),
    rule(['get', 'create', 'delete', 'update', 'patch'], [''], ['pods']),
    rule(['get', 'create', 'delete', 'update', 'patch', 'list', 'watch'], ['apps'], ['controllerrevisions']),
    rule(['get', 'create', 'list', 'watch'], [''], ['persistentvolumeclaims']),
    rule(['update', 'delete'], [''], ['persistentvolumeclaims']),
    rule(['update'], [''], ['pods/finalizers']),
    events(),
  ],
  'ttl-controller': [
    rule(['update', 'patch', 'list', 'watch'], [''], ['nodes']),
    events(),
  ],
  'certificate-controller': [
    rule(['get', 'list', 'watch', 'delete'], ['certificates.k8s.io'], ['certificatesigningrequests']),
    rule(['update'], ['certificates.k8s.io'], ['certificatesigningrequests/status', 'certificatesigningrequests/approval']),
    rule(['approve'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet']),
    rule(['sign'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/legacy-unknown', 'kubernetes.io/kube-apiserver-client', 'kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving']),
    rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
    events(),
  ],
  'pvc-protection-controller': [
    rule(['get', 'list', 'watch', 'update'], [''], ['persistentvolumeclaims']),
    rule(['list', 'watch', 'get'], [''], ['pods']),
    events(),
  ],
  'pv-protection-controller': [
    rule(['get', 'list', 'watch', 'update'], [''], ['persistentvolumes']),
    events(),
  ],
  'ttl-after-finished-controller': [
    rule(['get', 'list', 'watch', 'delete'], ['batch'], ['jobs']),
    events(),
  ],
  'root-ca-cert-publisher': [
    rule(['create', 'update'], [''], ['configmaps']),
    events(),
  ],
  'validatingadmissionpolicy-status-controller': [
    rule(['get', 'list', 'watch'], ['admissionregistration.k8s.io'], ['validatingadmissionpolicies']),
    rule(['get', 'patch', 'update'], ['admissionregistration.k8s.io'], ['validatingadmissionpolicies/status']),
    events(),
  ],
  'legacy-service-account-token-cleaner': [
    rule(['get'], [''], ['configmaps'], ['kube-apiserver-legacy-service-account-token-tracking']),
    rule(['patch', 'delete'], [''], ['secrets']),
  ],
};

/** The name of a controller's cluster role (and its binding). */
export const controllerRoleName = (controller: string): string => `system:controller:${controller}`;

export function controllerPolicy(): { roles: ClusterRoleSpec[]; bindings: BindingSpec[] } {
  const names = Object.keys(CONTROLLER_ROLES);
  return {
    roles: names.map((n) => ({ name: controllerRoleName(n), rules: CONTROLLER_ROLES[n] })),
    bindings: names.map((n) => ({ name: controllerRoleName(n), role: controllerRoleName(n), subjects: [`ServiceAccount:kube-system:${n}`] })),
  };
}
