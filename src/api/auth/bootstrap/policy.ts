// The default RBAC policy kube-apiserver 1.32 creates at start (plugin/pkg/auth/authorizer/rbac/
// bootstrappolicy, with the default feature gates): the cluster roles and their bindings. Every
// object carries the label kubernetes.io/bootstrapping=rbac-defaults and the annotation
// rbac.authorization.kubernetes.io/autoupdate=true (see reconcile.ts).

import { rule, urlRule, type PolicyRule } from '../rbac/rules.js';
import { controllerPolicy } from './controllers.js';

export const READ = ['get', 'list', 'watch'];
export const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection'];
export const READ_WRITE = [...READ, ...WRITE];
export const READ_UPDATE = ['get', 'list', 'watch', 'update', 'patch'];

export interface ClusterRoleSpec {
  name: string;
  rules?: PolicyRule[];
  labels?: Record<string, string>;
  /** Labels whose ClusterRoles' rules this one gathers (admin, edit, view). */
  aggregateFrom?: string;
}

export interface BindingSpec {
  name: string;
  role: string;
  /** "Group:system:masters", "User:system:kube-proxy", "ServiceAccount:kube-system:kube-dns". */
  subjects: string[];
}

const AGGREGATE = 'rbac.authorization.k8s.io/aggregate-to-';

/** create, update and patch on core events and events.k8s.io events (eventsRule). */
export const eventsRule = (): PolicyRule => rule(['create', 'update', 'patch'], ['', 'events.k8s.io'], ['events']);

/** What every kubelet may do (NodeRules); the Node authorizer narrows it to the node's own objects. */
export function nodeRules(): PolicyRule[] {
  return [
    rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
    rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews', 'localsubjectaccessreviews']),
    rule(READ, [''], ['services']),
    rule(['create', 'get', 'list', 'watch'], [''], ['nodes']),
    rule(['update', 'patch'], [''], ['nodes/status']),
    rule(['update', 'patch'], [''], ['nodes']),
    rule(['create', 'update', 'patch'], [''], ['events']),
    rule(READ, [''], ['pods']),
    rule(['create', 'delete'], [''], ['pods']),
    rule(['update', 'patch'], [''], ['pods/status']),
    rule(['create'], [''], ['pods/eviction']),
    rule(['get', 'list', 'watch'], [''], ['secrets', 'configmaps']),
    rule(['get'], [''], ['persistentvolumeclaims', 'persistentvolumes']),
    rule(['get'], [''], ['endpoints']),
    rule(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests']),
    rule(['get', 'create', 'update', 'patch', 'delete'], ['coordination.k8s.io'], ['leases']),
    rule(['get'], ['storage.k8s.io'], ['volumeattachments']),
    rule(['create'], [''], ['serviceaccounts/token']),
    rule(['get', 'update', 'patch'], [''], ['persistentvolumeclaims/status']),
    rule(['get', 'watch', 'list'], ['storage.k8s.io'], ['csidrivers']),
    rule(['get', 'create', 'update', 'patch', 'delete'], ['storage.k8s.io'], ['csinodes']),
    rule(['get', 'list', 'watch'], ['node.k8s.io'], ['runtimeclasses']),
  ];
}

function clusterRoles(): ClusterRoleSpec[] {
  return [
    { name: 'cluster-admin', rules: [rule(['*'], ['*'], ['*']), urlRule(['*'], ['*'])] },
    { name: 'system:discovery', rules: [urlRule(['get'], ['/livez', '/readyz', '/healthz', '/version', '/version/', '/openapi', '/openapi/*', '/api', '/api/*', '/apis', '/apis/*'])] },
    { name: 'system:monitoring', rules: [urlRule(['get'], ['/metrics', '/metrics/slis', '/livez', '/readyz', '/healthz', '/livez/*', '/readyz/*', '/healthz/*'])] },
    {
      name: 'system:basic-user',
      rules: [
        rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
        rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']),
      ],
    },
    { name: 'system:public-info-viewer', rules: [urlRule(['get'], ['/livez', '/readyz', '/healthz', '/version', '/version/'])] },
    { name: 'admin', aggregateFrom: `${AGGREGATE}admin` },
    { name: 'edit', labels: { [`${AGGREGATE}admin`]: 'true' }, aggregateFrom: `${AGGREGATE}edit` },
    { name: 'view', labels: { [`${AGGREGATE}edit`]: 'true' }, aggregateFrom: `${AGGREGATE}view` },
    {
      name: 'system:aggregate-to-admin', labels: { [`${AGGREGATE}admin`]: 'true' },
      rules: [
        rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']),
        rule(READ_WRITE, ['rbac.authorization.k8s.io'], ['roles', 'rolebindings']),
      ],
    },
    {
      name: 'system:aggregate-to-edit', labels: { [`${AGGREGATE}edit`]: 'true' },
      rules: [
        rule(READ, [''], ['pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy']),
        rule(['impersonate'], [''], ['serviceaccounts']),
        rule(WRITE, [''], ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward']),
        rule(['create'], [''], ['pods/eviction']),
        rule(WRITE, [''], ['replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/proxy', 'persistentvolumeclaims', 'configmaps', 'secrets', 'events']),
        rule(['create'], [''], ['serviceaccounts/token']),
        rule(WRITE, ['apps'], ['statefulsets', 'statefulsets/scale', 'daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'replicasets', 'replicasets/scale']),
        rule(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
        rule(WRITE, ['batch'], ['jobs', 'cronjobs']),
        rule(WRITE, ['extensions'], ['daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'ingresses', 'replicasets', 'replicasets/scale', 'replicationcontrollers/scale', 'networkpolicies']),
        rule(WRITE, ['policy'], ['poddisruptionbudgets']),
        rule(WRITE, ['networking.k8s.io'], ['networkpolicies', 'ingresses']),
        rule(READ_WRITE, ['coordination.k8s.io'], ['leases']),
      ],
    },
    {
      name: 'system:aggregate-to-view', labels: { [`${AGGREGATE}view`]: 'true' },
      rules: [
        rule(READ, [''], ['pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'configmaps']),
        rule(READ, [''], ['limitranges', 'resourcequotas', 'bindings', 'events', 'pods/status', 'resourcequotas/status', 'namespaces/status', 'replicationcontrollers/status', 'pods/log']),
        rule(READ, [''], ['namespaces']),
        rule(READ, ['discovery.k8s.io'], ['endpointslices']),
        rule(READ, ['apps'], ['controllerrevisions', 'statefulsets', 'statefulsets/status', 'statefulsets/scale', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/status', 'deployments/scale', 'replicasets', 'replicasets/status', 'replicasets/scale']),
        rule(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
        rule(READ, ['batch'], ['jobs', 'cronjobs', 'cronjobs/status', 'jobs/status']),
        rule(READ, ['extensions'], ['daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'ingresses', 'ingresses/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'replicationcontrollers/scale', 'networkpolicies']),
        rule(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
        rule(READ, ['networking.k8s.io'], ['networkpolicies', 'ingresses', 'ingresses/status']),
      ],
    },
    {
      name: 'system:heapster',
      rules: [rule(READ, [''], ['events', 'pods', 'nodes', 'namespaces']), rule(READ, ['extensions'], ['deployments'])],
    },
    { name: 'system:node', rules: nodeRules() },
    { name: 'system:node-problem-detector', rules: [rule(['get'], [''], ['nodes']), rule(['patch'], [''], ['nodes/status']), eventsRule()] },
    { name: 'system:node-bootstrapper', rules: [rule(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests'])] },
    {
      name: 'system:auth-delegator',
      rules: [rule(['create'], ['authentication.k8s.io'], ['tokenreviews']), rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews'])],
    },
    { name: 'system:kube-aggregator', rules: [rule(READ, [''], ['services', 'endpoints'])] },
    {
      name: 'system:kube-controller-manager',
      rules: [
        eventsRule(),
        rule(['create'], ['coordination.k8s.io'], ['leases']),
        rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-controller-manager']),
        rule(['create'], [''], ['secrets', 'serviceaccounts']),
        rule(['delete'], [''], ['secrets']),
        rule(['get'], [''], ['namespaces', 'secrets', 'serviceaccounts', 'configmaps']),
        rule(['update'], [''], ['secrets', 'serviceaccounts']),
        rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
        rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
        rule(['list', 'watch'], ['*'], ['*']),
        rule(['create'], [''], ['serviceaccounts/token']),
      ],
    },
    { name: 'system:kube-dns', rules: [rule(['list', 'watch'], [''], ['endpoints', 'services'])] },
    {
      name: 'system:persistent-volume-provisioner',
      rules: [
        rule(['get', 'list', 'watch', 'create', 'delete'], [''], ['persistentvolumes']),
        rule(['get', 'list', 'watch', 'update'], [''], ['persistentvolumeclaims']),
        rule(READ, ['storage.k8s.io'], ['storageclasses']),
        rule(['watch'], [''], ['events']),
        eventsRule(),
      ],
    },
    { name: 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', rules: [rule(['create'], ['certificates.k8s.io'], ['certificatesigningrequests/nodeclient'])] },
    { name: 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', rules: [rule(['create'], ['certificates.k8s.io'], ['certificatesigningrequests/selfnodeclient'])] },
    {
      name: 'system:volume-scheduler',
      rules: [rule(READ_UPDATE, [''], ['persistentvolumes']), rule(READ, ['storage.k8s.io'], ['storageclasses']), rule(READ_UPDATE, [''], ['persistentvolumeclaims'])],
    },
    { name: 'system:certificates.k8s.io:legacy-unknown-approver', rules: [rule(['approve'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/legacy-unknown'])] },
    { name: 'system:certificates.k8s.io:kubelet-serving-approver', rules: [rule(['approve'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kubelet-serving'])] },
    { name: 'system:certificates.k8s.io:kube-apiserver-client-approver', rules: [rule(['approve'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kube-apiserver-client'])] },
    { name: 'system:certificates.k8s.io:kube-apiserver-client-kubelet-approver', rules: [rule(['approve'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet'])] },
    { name: 'system:service-account-issuer-discovery', rules: [urlRule(['get'], ['/.well-known/openid-configuration', '/.well-known/openid-configuration/', '/openid/v1/jwks', '/openid/v1/jwks/'])] },
    {
      name: 'system:kubelet-api-admin',
      rules: [
        rule(['get', 'list', 'watch'], [''], ['nodes']),
        rule(['proxy'], [''], ['nodes']),
        rule(['*'], [''], ['nodes/proxy', 'nodes/metrics', 'nodes/stats', 'nodes/log']),
      ],
    },
    {
      name: 'system:node-proxier',
      rules: [
        rule(['list', 'watch'], [''], ['services', 'endpoints']),
        rule(['get', 'list', 'watch'], [''], ['nodes']),
        eventsRule(),
        rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
      ],
    },
    {
      name: 'system:kube-scheduler',
      rules: [
        eventsRule(),
        rule(['create'], ['coordination.k8s.io'], ['leases']),
        rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-scheduler']),
        rule(READ, [''], ['nodes']),
        rule(['get', 'list', 'watch', 'delete'], [''], ['pods']),
        rule(['create'], [''], ['pods/binding', 'bindings']),
        rule(['patch', 'update'], [''], ['pods/status']),
        rule(READ, [''], ['services', 'replicationcontrollers']),
        rule(READ, ['apps', 'extensions'], ['replicasets']),
        rule(READ, ['apps'], ['statefulsets']),
        rule(READ, ['policy'], ['poddisruptionbudgets']),
        rule(READ, [''], ['persistentvolumeclaims', 'persistentvolumes']),
        rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
        rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
        rule(READ, ['storage.k8s.io'], ['csinodes']),
        rule(READ, [''], ['namespaces']),
        rule(READ, ['storage.k8s.io'], ['csidrivers']),
        rule(READ, ['storage.k8s.io'], ['csistoragecapacities']),
      ],
    },
  ];
}

function clusterRoleBindings(): BindingSpec[] {
  return [
    { name: 'cluster-admin', role: 'cluster-admin', subjects: ['Group:system:masters'] },
    { name: 'system:monitoring', role: 'system:monitoring', subjects: ['Group:system:monitoring'] },
    { name: 'system:discovery', role: 'system:discovery', subjects: ['Group:system:authenticated'] },
    { name: 'system:basic-user', role: 'system:basic-user', subjects: ['Group:system:authenticated'] },
    { name: 'system:public-info-viewer', role: 'system:public-info-viewer', subjects: ['Group:system:authenticated', 'Group:system:unauthenticated'] },
    { name: 'system:node-proxier', role: 'system:node-proxier', subjects: ['User:system:kube-proxy'] },
    { name: 'system:kube-controller-manager', role: 'system:kube-controller-manager', subjects: ['User:system:kube-controller-manager'] },
    { name: 'system:kube-dns', role: 'system:kube-dns', subjects: ['ServiceAccount:kube-system:kube-dns'] },
    { name: 'system:kube-scheduler', role: 'system:kube-scheduler', subjects: ['User:system:kube-scheduler'] },
    { name: 'system:volume-scheduler', role: 'system:volume-scheduler', subjects: ['User:system:kube-scheduler'] },
    // Kept without subjects since the Node authorizer replaced it (1.7).
    { name: 'system:node', role: 'system:node', subjects: [] },
    { name: 'system:service-account-issuer-discovery', role: 'system:service-account-issuer-discovery', subjects: ['Group:system:serviceaccounts'] },
  ];
}

export interface RoleSpec extends ClusterRoleSpec {
  namespace: string;
}

export interface RoleBindingSpec extends BindingSpec {
  namespace: string;
  /** The binding names a ClusterRole rather than a Role of its namespace. */
  clusterRole?: boolean;
}

/** The namespaced roles and bindings (namespace_policy.go) of kube-system and kube-public. */
function namespaceRoles(): RoleSpec[] {
  return [
    { namespace: 'kube-system', name: 'extension-apiserver-authentication-reader', rules: [rule(['get', 'list', 'watch'], [''], ['configmaps'], ['extension-apiserver-authentication'])] },
    { namespace: 'kube-system', name: 'system::leader-locking-kube-controller-manager', rules: [rule(['watch'], [''], ['configmaps']), rule(['get', 'update'], [''], ['configmaps'], ['kube-controller-manager'])] },
    { namespace: 'kube-system', name: 'system::leader-locking-kube-scheduler', rules: [rule(['watch'], [''], ['configmaps']), rule(['get', 'update'], [''], ['configmaps'], ['kube-scheduler'])] },
    { namespace: 'kube-system', name: 'system:controller:bootstrap-signer', rules: [rule(['get', 'list', 'watch'], [''], ['secrets'])] },
    { namespace: 'kube-system', name: 'system:controller:cloud-provider', rules: [rule(['create', 'get', 'list', 'watch'], [''], ['configmaps'])] },
    { namespace: 'kube-system', name: 'system:controller:token-cleaner', rules: [rule(['delete', 'get', 'list', 'watch'], [''], ['secrets']), eventsRule()] },
    { namespace: 'kube-public', name: 'system:controller:bootstrap-signer', rules: [rule(['get', 'list', 'watch'], [''], ['configmaps']), rule(['update'], [''], ['configmaps'], ['cluster-info']), eventsRule()] },
  ];
}

function namespaceRoleBindings(): RoleBindingSpec[] {
  return [
    { namespace: 'kube-system', name: 'system::extension-apiserver-authentication-reader', role: 'extension-apiserver-authentication-reader', subjects: ['User:system:kube-controller-manager', 'User:system:kube-scheduler'] },
    { namespace: 'kube-system', name: 'system::leader-locking-kube-controller-manager', role: 'system::leader-locking-kube-controller-manager', subjects: ['User:system:kube-controller-manager', 'ServiceAccount:kube-system:kube-controller-manager'] },
    { namespace: 'kube-system', name: 'system::leader-locking-kube-scheduler', role: 'system::leader-locking-kube-scheduler', subjects: ['User:system:kube-scheduler', 'ServiceAccount:kube-system:kube-scheduler'] },
    { namespace: 'kube-system', name: 'system:controller:bootstrap-signer', role: 'system:controller:bootstrap-signer', subjects: ['ServiceAccount:kube-system:bootstrap-signer'] },
    { namespace: 'kube-system', name: 'system:controller:cloud-provider', role: 'system:controller:cloud-provider', subjects: ['ServiceAccount:kube-system:cloud-provider'] },
    { namespace: 'kube-system', name: 'system:controller:token-cleaner', role: 'system:controller:token-cleaner', subjects: ['ServiceAccount:kube-system:token-cleaner'] },
    { namespace: 'kube-public', name: 'system:controller:bootstrap-signer', role: 'system:controller:bootstrap-signer', subjects: ['ServiceAccount:kube-system:bootstrap-signer'] },
  ];
}

export interface BootstrapPolicy {
  clusterRoles: ClusterRoleSpec[];
  clusterRoleBindings: BindingSpec[];
  roles: RoleSpec[];
  roleBindings: RoleBindingSpec[];
}

/** The whole default policy: cluster roles, then the controllers' (system:controller:*), and the bindings of both. */
export function bootstrapPolicy(): BootstrapPolicy {
  const controllers = controllerPolicy();
  return {
    clusterRoles: [...clusterRoles(), ...controllers.roles],
    clusterRoleBindings: [...clusterRoleBindings(), ...controllers.bindings],
    roles: namespaceRoles(),
    roleBindings: namespaceRoleBindings(),
  };
}
