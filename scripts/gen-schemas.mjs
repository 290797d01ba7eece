#!/usr/bin/env node
// Generates src/api/openapi/schemas.json: a compact schema of every type reachable from the kinds
// knit serves. Field names, types and formats come from @kubernetes/client-node's generated models
// (their attributeTypeMap; required fields from the .d.ts declarations). What those models do not
// carry is added by hand below, as facts read from upstream's struct tags and markers
// (k8s.io/api and k8s.io/apimachinery, Kubernetes 1.32): patch strategies and merge keys, list and
// map types for server-side apply, quantities, atomic structs and the Go type names that upstream's
// decoding errors print.
//
// Run: node scripts/gen-schemas.mjs            (writes the file)
//      node scripts/gen-schemas.mjs --check    (exits 1 if the committed file is stale)
import { readFileSync, writeFileSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const modelsDir = new URL('node_modules/@kubernetes/client-node/dist/gen/models/', root);
const outFile = new URL('src/api/openapi/schemas.json', root);

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const APIEXTENSIONS = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1';
const pkgPrefix = (pkg) => (pkg === 'meta' ? META : pkg === 'apiextensions' ? APIEXTENSIONS : `io.k8s.api.${pkg}.v1`);

// Seeds, in the order that decides which package a nested model belongs to: a model belongs to the
// package of the first seed group that reaches it. Entries are [model class, kind or null]; a kind
// makes the type served (it gets x-kubernetes-group-version-kind). Null entries only place nested
// types (core's PodTemplate and PersistentVolumeClaim own PodTemplateSpec, TypedLocalObjectReference).
const SEEDS = [
  ['meta', '', [['V1Status', 'Status'], ['V1DeleteOptions', 'DeleteOptions'], ['V1WatchEvent', 'WatchEvent'],
    ['V1ObjectMeta', null], ['V1ListMeta', null], ['V1LabelSelector', null], ['V1Condition', null], ['V1FieldSelectorRequirement', null]]],
  ['core', '', [['V1Namespace', 'Namespace'], ['V1Node', 'Node'], ['V1Pod', 'Pod'], ['V1Service', 'Service'],
    ['V1Endpoints', 'Endpoints'], ['V1Secret', 'Secret'], ['V1ConfigMap', 'ConfigMap'], ['CoreV1Event', 'Event'],
    ['V1ServiceAccount', 'ServiceAccount'], ['V1Binding', 'Binding'], ['V1PodTemplate', null], ['V1PersistentVolumeClaim', null]]],
  ['autoscaling', 'autoscaling', [['V1Scale', 'Scale']]],
  ['policy', 'policy', [['V1Eviction', 'Eviction']]],
  ['authentication', 'authentication.k8s.io', [['AuthenticationV1TokenRequest', 'TokenRequest'], ['V1TokenReview', 'TokenReview'], ['V1SelfSubjectReview', 'SelfSubjectReview']]],
  ['authorization', 'authorization.k8s.io', [['V1SelfSubjectAccessReview', 'SelfSubjectAccessReview'], ['V1SelfSubjectRulesReview', 'SelfSubjectRulesReview'],
    ['V1SubjectAccessReview', 'SubjectAccessReview'], ['V1LocalSubjectAccessReview', 'LocalSubjectAccessReview']]],
  ['rbac', 'rbac.authorization.k8s.io', [['V1Role', 'Role'], ['V1ClusterRole', 'ClusterRole'], ['V1RoleBinding', 'RoleBinding'], ['V1ClusterRoleBinding', 'ClusterRoleBinding']]],
  ['apps', 'apps', [['V1Deployment', 'Deployment'], ['V1ReplicaSet', 'ReplicaSet'], ['V1StatefulSet', 'StatefulSet'],
    ['V1DaemonSet', 'DaemonSet'], ['V1ControllerRevision', 'ControllerRevision']]],
  ['batch', 'batch', [['V1Job', 'Job'], ['V1CronJob', 'CronJob']]],
  ['discovery', 'discovery.k8s.io', [['V1EndpointSlice', 'EndpointSlice']]],
  ['networking', 'networking.k8s.io', [['V1Ingress', 'Ingress'], ['V1IngressClass', 'IngressClass'], ['V1NetworkPolicy', 'NetworkPolicy']]],
  ['coordination', 'coordination.k8s.io', [['V1Lease', 'Lease']]],
  ['apiextensions', 'apiextensions.k8s.io', [['V1CustomResourceDefinition', 'CustomResourceDefinition']]],
];
// Kinds served with a list (GET on the collection).
const LISTED = new Set(['Namespace', 'Node', 'Pod', 'Service', 'Endpoints', 'Secret', 'ConfigMap', 'Event', 'ServiceAccount',
  'Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'ControllerRevision', 'EndpointSlice', 'Ingress', 'IngressClass',
  'NetworkPolicy', 'Lease', 'CustomResourceDefinition', 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding', 'Job', 'CronJob']);
// Meta kinds registered in every served group version.
const EVERY_GROUP_VERSION = new Set(['DeleteOptions', 'WatchEvent']);
// Class-name prefixes the generator uses where two packages define the same name.
const CLASS_PREFIX = { CoreV1: 'core', DiscoveryV1: 'discovery', AuthenticationV1: 'authentication', ApiextensionsV1: 'apiextensions', RbacV1: 'rbac' };

// ---- facts from upstream struct tags (`patchStrategy`, `patchMergeKey`) and markers ----
// Per field, space-separated: a patch strategy with an optional merge key (`merge:name`,
// `merge,retainKeys:name`, `retainKeys`, `replace`); a list type (`map:key1,key2`, `set`, `atomic`);
// `atomicMap` for +mapType=atomic; `default:X` for a string default that server-side apply uses
// for a missing list-map key. Lists without an entry are atomic for server-side apply and
// replaced whole by a strategic merge patch.
const FIELD_FACTS = {
  'meta.ObjectMeta': { ownerReferences: 'merge:uid map:uid', finalizers: 'merge set', managedFields: 'atomic' },
  'meta.LabelSelector': { matchExpressions: 'atomic' },
  'meta.LabelSelectorRequirement': { values: 'atomic' },
  'meta.FieldSelectorRequirement': { values: 'atomic' },
  'meta.Status': { details: 'atomic' },
  'meta.StatusDetails': { causes: 'atomic' },
  'meta.DeleteOptions': { dryRun: 'atomic' },
  'core.ConfigMapVolumeSource': { items: 'atomic' },
  'core.ConfigMapProjection': { items: 'atomic' },
  'core.SecretVolumeSource': { items: 'atomic' },
  'core.SecretProjection': { items: 'atomic' },
  'core.DownwardAPIVolumeSource': { items: 'atomic' },
  'core.DownwardAPIProjection': { items: 'atomic' },
  'core.ProjectedVolumeSource': { sources: 'atomic' },
  'core.RBDVolumeSource': { monitors: 'atomic' },
  'core.CephFSVolumeSource': { monitors: 'atomic' },
  'core.ISCSIVolumeSource': { portals: 'atomic' },
  'core.FCVolumeSource': { targetWWNs: 'atomic', wwids: 'atomic' },
  'core.PersistentVolumeClaimSpec': { accessModes: 'atomic' },
  'core.PersistentVolumeClaimStatus': { accessModes: 'atomic', conditions: 'merge:type map:type', allocatedResourceStatuses: 'granularMap' },
  'core.HTTPGetAction': { httpHeaders: 'atomic' },
  'core.ExecAction': { command: 'atomic' },
  'core.Capabilities': { add: 'atomic', drop: 'atomic' },
  'core.ResourceRequirements': { claims: 'map:name' },
  'core.ContainerPort': { protocol: 'default:TCP' },
  'core.ServicePort': { protocol: 'default:TCP' },
  'core.Container': {
    command: 'atomic', args: 'atomic', ports: 'merge:containerPort map:containerPort,protocol', envFrom: 'atomic',
    env: 'merge:name map:name', resizePolicy: 'atomic', volumeMounts: 'merge:mountPath map:mountPath',
    volumeDevices: 'merge:devicePath map:devicePath',
  },
  'core.EphemeralContainer': {
    command: 'atomic', args: 'atomic', ports: 'merge:containerPort map:containerPort,protocol', envFrom: 'atomic',
    env: 'merge:name map:name', resizePolicy: 'atomic', volumeMounts: 'merge:mountPath map:mountPath',
    volumeDevices: 'merge:devicePath map:devicePath',
  },
  'core.ContainerStatus': { volumeMounts: 'merge:mountPath map:mountPath', allocatedResourcesStatus: 'merge:name map:name' },
  'core.ResourceStatus': { resources: 'map:resourceID' },
  'core.LinuxContainerUser': { supplementalGroups: 'atomic' },
  'core.NodeSelector': { nodeSelectorTerms: 'atomic' },
  'core.NodeSelectorTerm': { matchExpressions: 'atomic', matchFields: 'atomic' },
  'core.NodeSelectorRequirement': { values: 'atomic' },
  'core.PodAffinity': { requiredDuringSchedulingIgnoredDuringExecution: 'atomic', preferredDuringSchedulingIgnoredDuringExecution: 'atomic' },
  'core.PodAntiAffinity': { requiredDuringSchedulingIgnoredDuringExecution: 'atomic', preferredDuringSchedulingIgnoredDuringExecution: 'atomic' },
  'core.PodAffinityTerm': { namespaces: 'atomic', matchLabelKeys: 'atomic', mismatchLabelKeys: 'atomic' },
  'core.NodeAffinity': { preferredDuringSchedulingIgnoredDuringExecution: 'atomic' },
  'core.PodSpec': {
    volumes: 'merge,retainKeys:name map:name', initContainers: 'merge:name map:name', containers: 'merge:name map:name',
    ephemeralContainers: 'merge:name map:name', nodeSelector: 'atomicMap', imagePullSecrets: 'merge:name map:name',
    tolerations: 'atomic', hostAliases: 'merge:ip map:ip', readinessGates: 'atomic',
    topologySpreadConstraints: 'merge:topologyKey map:topologyKey,whenUnsatisfiable', schedulingGates: 'merge:name map:name',
    resourceClaims: 'merge,retainKeys:name map:name',
  },
  'core.TopologySpreadConstraint': { matchLabelKeys: 'atomic' },
  'core.HostAlias': { hostnames: 'atomic' },
  'core.PodSecurityContext': { supplementalGroups: 'atomic', sysctls: 'atomic' },
  'core.PodDNSConfig': { nameservers: 'atomic', searches: 'atomic', options: 'atomic' },
  'core.PodStatus': {
    conditions: 'merge:type map:type', hostIPs: 'merge:ip atomic', podIPs: 'merge:ip map:ip', initContainerStatuses: 'atomic',
    containerStatuses: 'atomic', ephemeralContainerStatuses: 'atomic', resourceClaimStatuses: 'merge,retainKeys:name map:name',
  },
  'core.ServiceStatus': { conditions: 'merge:type map:type' },
  'core.LoadBalancerStatus': { ingress: 'atomic' },
  'core.LoadBalancerIngress': { ports: 'atomic' },
  'core.ServiceSpec': {
    ports: 'merge:port map:port,protocol', selector: 'atomicMap', clusterIPs: 'atomic', externalIPs: 'atomic',
    loadBalancerSourceRanges: 'atomic', ipFamilies: 'atomic',
  },
  'core.ServiceAccount': { secrets: 'merge:name map:name', imagePullSecrets: 'atomic' },
  'core.Endpoints': { subsets: 'atomic' },
  'core.EndpointSubset': { addresses: 'atomic', notReadyAddresses: 'atomic', ports: 'atomic' },
  'core.NodeSpec': { podCIDRs: 'merge set', taints: 'atomic' },
  'core.NodeStatus': {
    conditions: 'merge:type map:type', addresses: 'merge:type map:type', images: 'atomic', volumesInUse: 'atomic',
    volumesAttached: 'atomic', runtimeHandlers: 'atomic',
  },
  'core.ContainerImage': { names: 'atomic' },
  'core.NamespaceSpec': { finalizers: 'atomic' },
  'core.NamespaceStatus': { conditions: 'merge:type map:type' },
  'apps.StatefulSetSpec': { volumeClaimTemplates: 'atomic' },
  'apps.StatefulSetStatus': { conditions: 'merge:type map:type' },
  'apps.DeploymentSpec': { strategy: 'retainKeys' },
  'apps.DeploymentStatus': { conditions: 'merge:type map:type' },
  'apps.DaemonSetStatus': { conditions: 'merge:type map:type' },
  'apps.ReplicaSetStatus': { conditions: 'merge:type map:type' },
  'batch.JobStatus': { conditions: 'merge:type atomic' },
  'batch.UncountedTerminatedPods': { succeeded: 'set', failed: 'set' },
  'batch.PodFailurePolicy': { rules: 'atomic' },
  'batch.PodFailurePolicyRule': { onPodConditions: 'atomic' },
  'batch.PodFailurePolicyOnExitCodesRequirement': { values: 'set' },
  'batch.SuccessPolicy': { rules: 'atomic' },
  'batch.CronJobStatus': { active: 'atomic' },
  'discovery.EndpointSlice': { endpoints: 'atomic', ports: 'atomic' },
  'discovery.Endpoint': { addresses: 'set' },
  'discovery.EndpointHints': { forZones: 'atomic' },
  'networking.NetworkPolicySpec': { ingress: 'atomic', egress: 'atomic', policyTypes: 'atomic' },
  'networking.NetworkPolicyIngressRule': { ports: 'atomic', from: 'atomic' },
  'networking.NetworkPolicyEgressRule': { ports: 'atomic', to: 'atomic' },
  'networking.IPBlock': { except: 'atomic' },
  'networking.IngressSpec': { tls: 'atomic', rules: 'atomic' },
  'networking.IngressTLS': { hosts: 'atomic' },
  'networking.IngressLoadBalancerStatus': { ingress: 'atomic' },
  'networking.IngressLoadBalancerIngress': { ports: 'atomic' },
  'networking.HTTPIngressRuleValue': { paths: 'atomic' },
  'authentication.TokenRequestSpec': { audiences: 'atomic' },
  'apiextensions.CustomResourceDefinitionSpec': { versions: 'atomic' },
  'apiextensions.CustomResourceDefinitionNames': { shortNames: 'atomic', categories: 'atomic' },
  'apiextensions.CustomResourceDefinitionVersion': { additionalPrinterColumns: 'atomic', selectableFields: 'atomic' },
  'apiextensions.CustomResourceDefinitionStatus': { conditions: 'map:type', storedVersions: 'atomic' },
  'apiextensions.WebhookConversion': { conversionReviewVersions: 'atomic' },
  'apiextensions.JSONSchemaProps': {
    enum: 'atomic', required: 'atomic', allOf: 'atomic', oneOf: 'atomic', anyOf: 'atomic',
    'x-kubernetes-list-map-keys': 'atomic', 'x-kubernetes-validations': 'merge:rule map:rule',
  },
  'authentication.TokenReviewSpec': { audiences: 'atomic' },
  'authentication.TokenReviewStatus': { audiences: 'atomic' },
  'authentication.UserInfo': { groups: 'atomic' },
  'authorization.SubjectAccessReviewSpec': { groups: 'atomic' },
  'authorization.LabelSelectorAttributes': { requirements: 'atomic' },
  'authorization.FieldSelectorAttributes': { requirements: 'atomic' },
  'authorization.SubjectRulesReviewStatus': { resourceRules: 'atomic', nonResourceRules: 'atomic' },
  'authorization.ResourceRule': { verbs: 'atomic', apiGroups: 'atomic', resources: 'atomic', resourceNames: 'atomic' },
  'authorization.NonResourceRule': { verbs: 'atomic', nonResourceURLs: 'atomic' },
  'rbac.PolicyRule': { verbs: 'atomic', apiGroups: 'atomic', resources: 'atomic', resourceNames: 'atomic', nonResourceURLs: 'atomic' },
  'rbac.Role': { rules: 'atomic' },
  'rbac.ClusterRole': { rules: 'atomic' },
  'rbac.AggregationRule': { clusterRoleSelectors: 'atomic' },
  'rbac.RoleBinding': { subjects: 'atomic' },
  'rbac.ClusterRoleBinding': { subjects: 'atomic' },
};

// +structType=atomic: server-side apply replaces these whole (x-kubernetes-map-type: atomic).
const ATOMIC_STRUCTS = new Set([
  'meta.LabelSelector', 'meta.OwnerReference', 'core.ObjectFieldSelector', 'core.ResourceFieldSelector',
  'core.ConfigMapKeySelector', 'core.SecretKeySelector', 'core.NodeSelector', 'core.NodeSelectorTerm',
  'core.ObjectReference', 'core.LocalObjectReference', 'core.TypedLocalObjectReference', 'core.EndpointAddress',
  'core.EndpointPort', 'discovery.EndpointPort', 'networking.ServiceBackendPort', 'rbac.Subject', 'rbac.RoleRef',
]);

// resource.Quantity fields (the models call them strings; JSON accepts a number too).
const QUANTITIES = new Set([
  'core.ResourceRequirements.limits', 'core.ResourceRequirements.requests', 'core.VolumeResourceRequirements.limits',
  'core.VolumeResourceRequirements.requests', 'core.NodeStatus.capacity', 'core.NodeStatus.allocatable',
  'core.ContainerStatus.allocatedResources', 'core.PersistentVolumeClaimStatus.capacity',
  'core.PersistentVolumeClaimStatus.allocatedResources', 'core.PodSpec.overhead', 'core.EmptyDirVolumeSource.sizeLimit',
  'core.ResourceFieldSelector.divisor',
]);

// Go type names that upstream's decoding errors print where they differ from the plain JSON type
// ("of type v1.Protocol" rather than "of type string"); `v1.` is implied unless a package is given.
const GO_TYPE_NAMES = {
  'apps.DaemonSetCondition': 'status=ConditionStatus type=DaemonSetConditionType',
  'apps.DaemonSetUpdateStrategy': 'type=DaemonSetUpdateStrategyType',
  'apps.DeploymentCondition': 'status=ConditionStatus type=DeploymentConditionType',
  'apps.DeploymentStrategy': 'type=DeploymentStrategyType',
  'apps.ReplicaSetCondition': 'status=ConditionStatus type=ReplicaSetConditionType',
  'apps.StatefulSetCondition': 'status=ConditionStatus type=StatefulSetConditionType',
  'apps.StatefulSetPersistentVolumeClaimRetentionPolicy': 'whenDeleted=PersistentVolumeClaimRetentionPolicyType whenScaled=PersistentVolumeClaimRetentionPolicyType',
  'apps.StatefulSetSpec': 'podManagementPolicy=PodManagementPolicyType',
  'apps.StatefulSetUpdateStrategy': 'type=StatefulSetUpdateStrategyType',
  'authentication.BoundObjectReference': 'uid=types.UID',
  'batch.CronJobSpec': 'concurrencyPolicy=ConcurrencyPolicy',
  'batch.JobCondition': 'status=ConditionStatus type=JobConditionType',
  'batch.JobSpec': 'completionMode=CompletionMode podReplacementPolicy=PodReplacementPolicy',
  'batch.PodFailurePolicyOnExitCodesRequirement': 'operator=PodFailurePolicyOnExitCodesOperator',
  'batch.PodFailurePolicyOnPodConditionsPattern': 'status=ConditionStatus type=PodConditionType',
  'batch.PodFailurePolicyRule': 'action=PodFailurePolicyAction',
  'batch.UncountedTerminatedPods': 'failed=[]types.UID succeeded=[]types.UID',
  'coordination.LeaseSpec': 'strategy=CoordinatedLeaseStrategy',
  'core.AppArmorProfile': 'type=AppArmorProfileType',
  'core.AttachedVolume': 'name=UniqueVolumeName',
  'core.AzureDiskVolumeSource': 'cachingMode=AzureDataDiskCachingMode kind=AzureDataDiskKind',
  'core.Capabilities': 'add=[]Capability drop=[]Capability',
  'core.ConfigMapNodeConfigSource': 'uid=types.UID',
  'core.Container': 'imagePullPolicy=PullPolicy restartPolicy=ContainerRestartPolicy terminationMessagePolicy=TerminationMessagePolicy',
  'core.ContainerPort': 'protocol=Protocol',
  'core.ContainerResizePolicy': 'resourceName=ResourceName restartPolicy=ResourceResizeRestartPolicy',
  'core.ContainerRestartRule': 'action=ContainerRestartRuleAction',
  'core.ContainerRestartRuleOnExitCodes': 'operator=ContainerRestartRuleOnExitCodesOperator',
  'core.ContainerStatus': 'allocatedResources=ResourceList stopSignal=Signal',
  'core.EmptyDirVolumeSource': 'medium=StorageMedium',
  'core.EndpointPort': 'protocol=Protocol',
  'core.HostPathVolumeSource': 'type=HostPathType',
  'core.HTTPGetAction': 'scheme=URIScheme',
  'core.ImageVolumeSource': 'pullPolicy=PullPolicy',
  'core.Lifecycle': 'stopSignal=Signal',
  'core.LoadBalancerIngress': 'ipMode=LoadBalancerIPMode',
  'core.ModifyVolumeStatus': 'status=PersistentVolumeClaimModifyVolumeStatus',
  'core.NamespaceCondition': 'status=ConditionStatus type=NamespaceConditionType',
  'core.NamespaceSpec': 'finalizers=[]FinalizerName',
  'core.NamespaceStatus': 'phase=NamespacePhase',
  'core.NodeAddress': 'type=NodeAddressType',
  'core.NodeCondition': 'status=ConditionStatus type=NodeConditionType',
  'core.NodeSelectorRequirement': 'operator=NodeSelectorOperator',
  'core.NodeStatus': 'allocatable=ResourceList capacity=ResourceList phase=NodePhase volumesInUse=[]UniqueVolumeName',
  'core.ObjectReference': 'uid=types.UID',
  'core.PersistentVolumeClaimCondition': 'status=ConditionStatus type=PersistentVolumeClaimConditionType',
  'core.PersistentVolumeClaimSpec': 'accessModes=[]PersistentVolumeAccessMode volumeMode=PersistentVolumeMode',
  'core.PersistentVolumeClaimStatus': 'accessModes=[]PersistentVolumeAccessMode allocatedResourceStatuses=map[v1.ResourceName]v1.ClaimResourceStatus allocatedResources=ResourceList capacity=ResourceList phase=PersistentVolumeClaimPhase',
  'core.PodCondition': 'status=ConditionStatus type=PodConditionType',
  'core.PodOS': 'name=OSName',
  'core.PodReadinessGate': 'conditionType=PodConditionType',
  'core.PodSecurityContext': 'fsGroupChangePolicy=PodFSGroupChangePolicy seLinuxChangePolicy=PodSELinuxChangePolicy supplementalGroupsPolicy=SupplementalGroupsPolicy',
  'core.PodSpec': 'dnsPolicy=DNSPolicy overhead=ResourceList preemptionPolicy=PreemptionPolicy restartPolicy=RestartPolicy',
  'core.PodStatus': 'phase=PodPhase qosClass=PodQOSClass resize=PodResizeStatus',
  'core.PortStatus': 'protocol=Protocol',
  'core.ResourceHealth': 'health=ResourceHealthStatus resourceID=ResourceID',
  'core.ResourceRequirements': 'limits=ResourceList requests=ResourceList',
  'core.ResourceStatus': 'name=ResourceName',
  'core.SeccompProfile': 'type=SeccompProfileType',
  'core.Secret': 'type=SecretType',
  'core.SecurityContext': 'procMount=ProcMountType',
  'core.ServicePort': 'protocol=Protocol',
  'core.ServiceSpec': 'externalTrafficPolicy=ServiceExternalTrafficPolicy internalTrafficPolicy=ServiceInternalTrafficPolicy ipFamilies=[]IPFamily ipFamilyPolicy=IPFamilyPolicy sessionAffinity=ServiceAffinity type=ServiceType',
  'core.Taint': 'effect=TaintEffect',
  'core.Toleration': 'effect=TaintEffect operator=TolerationOperator',
  'core.TopologySpreadConstraint': 'nodeAffinityPolicy=NodeInclusionPolicy nodeTaintsPolicy=NodeInclusionPolicy whenUnsatisfiable=UnsatisfiableConstraintAction',
  'core.VolumeMount': 'mountPropagation=MountPropagationMode recursiveReadOnly=RecursiveReadOnlyMode',
  'core.VolumeMountStatus': 'recursiveReadOnly=RecursiveReadOnlyMode',
  'core.VolumeResourceRequirements': 'limits=ResourceList requests=ResourceList',
  'discovery.EndpointPort': 'protocol=Protocol',
  'discovery.EndpointSlice': 'addressType=AddressType',
  'networking.HTTPIngressPath': 'pathType=PathType',
  'networking.IngressPortStatus': 'protocol=Protocol',
  'networking.NetworkPolicyPort': 'protocol=Protocol',
  'networking.NetworkPolicySpec': 'policyTypes=[]PolicyType',
  'meta.Condition': 'status=ConditionStatus',
  'meta.DeleteOptions': 'propagationPolicy=DeletionPropagation',
  'meta.LabelSelectorRequirement': 'operator=LabelSelectorOperator',
  'meta.ManagedFieldsEntry': 'operation=ManagedFieldsOperationType',
  'meta.ObjectMeta': 'uid=types.UID',
  'meta.OwnerReference': 'uid=types.UID',
  'meta.Preconditions': 'uid=types.UID',
  'meta.Status': 'reason=StatusReason',
  'meta.StatusCause': 'reason=CauseType',
  'meta.StatusDetails': 'uid=types.UID',
};

// ---- reading the models ----

const modelCache = new Map();
async function loadModel(cls) {
  if (modelCache.has(cls)) return modelCache.get(cls);
  const mod = await import(new URL(`${cls}.js`, modelsDir).href);
  const decl = readFileSync(new URL(`${cls}.d.ts`, modelsDir), 'utf8');
  const required = new Set([...decl.matchAll(/^\s+'([^']+)': /gm)].map((m) => m[1]));
  const attrs = mod[cls].attributeTypeMap.map((a) => ({ name: a.baseName, type: a.type, format: a.format, required: required.has(a.name) }));
  modelCache.set(cls, attrs);
  return attrs;
}

/** The model class a client-node type string refers to ("Array<V1Container>" -> V1Container), if any. */
function referencedClasses(type) {
  let inner = type;
  for (let prev; prev !== inner;) {
    prev = inner;
    inner = inner.replace(/^Array<(.*)>$/, '$1').replace(/^\{ \[key: string\]: (.*); \}$/, '$1');
  }
  return /^(V1|CoreV1|DiscoveryV1|AuthenticationV1|ApiextensionsV1|RbacV1)[A-Za-z0-9]+$/.test(inner) && inner !== 'V1MicroTime' ? [inner] : [];
}

function shortName(cls) {
  for (const p of Object.keys(CLASS_PREFIX)) if (cls.startsWith(p)) return cls.slice(p.length);
  return cls.replace(/^V1/, '');
}

// ---- assigning packages and names ----

const pkgOf = new Map(); // class -> package
const served = new Map(); // class -> [{group, version, kind}]
for (const [pkg, group, entries] of SEEDS) {
  const queue = [];
  for (const [cls, kind] of entries) {
    if (kind) served.set(cls, [{ group, version: 'v1', kind }]);
    queue.push(cls);
    if (kind && LISTED.has(kind)) {
      const listCls = cls === 'CoreV1Event' ? 'CoreV1EventList' : `${cls}List`;
      served.set(listCls, [{ group, version: 'v1', kind: `${kind}List` }]);
      queue.push(listCls);
    }
  }
  while (queue.length) {
    const cls = queue.shift();
    const prefixed = Object.keys(CLASS_PREFIX).find((p) => cls.startsWith(p));
    if (pkgOf.has(cls) || (prefixed && CLASS_PREFIX[prefixed] !== pkg)) continue;
    pkgOf.set(cls, pkg);
    for (const a of await loadModel(cls)) queue.push(...referencedClasses(a.type));
  }
}
const everyGV = SEEDS.filter(([pkg]) => pkg !== 'meta').map(([, group]) => ({ group, version: 'v1' }))
  .filter((gv, i, all) => all.findIndex((o) => o.group === gv.group) === i);
for (const [cls, gvks] of served) {
  if (EVERY_GROUP_VERSION.has(gvks[0].kind)) served.set(cls, everyGV.map((gv) => ({ ...gv, kind: gvks[0].kind })));
}

const fullName = (cls) => `${pkgPrefix(pkgOf.get(cls))}.${shortName(cls)}`;
const factKey = (cls) => `${pkgOf.get(cls)}.${shortName(cls)}`;

function typeString(cls, a) {
  const t = a.type;
  if (QUANTITIES.has(`${factKey(cls)}.${a.name}`)) return t.startsWith('{') ? '{}quantity' : 'quantity';
  const array = /^Array<(.*)>$/.exec(t);
  if (array) return `[]${typeString(cls, { ...a, type: array[1] })}`;
  const map = /^\{ \[key: string\]: (.*); \}$/.exec(t);
  if (map) return `{}${typeString(cls, { ...a, type: map[1] })}`;
  switch (t) {
    case 'string': return a.format === 'byte' ? 'byte' : 'string';
    case 'number': return a.format === 'int32' || a.format === 'int64' ? a.format : 'double';
    case 'boolean': return 'boolean';
    case 'Date': return 'date-time';
    case 'V1MicroTime': return 'micro-time';
    case 'IntOrString': return 'int-or-string';
    case 'any': return 'object';
  }
  if (pkgOf.has(t)) return fullName(t);
  throw new Error(`${cls}.${a.name}: unknown type ${t}`);
}

function parseFacts(text) {
  const out = {};
  for (const tok of text.split(' ')) {
    const [head, arg] = tok.split(':');
    if (head === 'map') { out.listType = 'map'; out.listMapKeys = arg.split(','); }
    else if (head === 'set' || head === 'atomic') out.listType = head;
    else if (head === 'atomicMap') out.mapType = 'atomic';
    else if (head === 'granularMap') out.mapType = 'granular';
    else if (head === 'default') out.default = arg;
    else {
      out.patchStrategy = head;
      if (arg) out.patchMergeKey = arg;
    }
  }
  return out;
}

// ---- output ----

/** Go type name as printed by encoding/json: `Protocol` -> `v1.Protocol`, `[]Capability` -> `[]v1.Capability`. */
function goTypeName(text) {
  const list = text.startsWith('[]') ? '[]' : '';
  const name = text.slice(list.length);
  return list + (name.includes('.') ? name : `v1.${name}`);
}

// Only types reachable from served kinds are written (the placing-only seeds reach more).
const reachable = new Set();
const pending = [...served.keys()];
while (pending.length) {
  const cls = pending.pop();
  if (reachable.has(cls)) continue;
  reachable.add(cls);
  for (const a of await loadModel(cls)) pending.push(...referencedClasses(a.type));
}

const types = {};
const usedFacts = new Set();
const classes = [...reachable].sort((a, b) => (fullName(a) < fullName(b) ? -1 : 1));
for (const cls of classes) {
  const attrs = await loadModel(cls);
  const key = factKey(cls);
  const t = {};
  if (served.has(cls)) t.gvk = served.get(cls);
  if (ATOMIC_STRUCTS.has(key)) t.mapType = 'atomic';
  const required = attrs.filter((a) => a.required).map((a) => a.name);
  if (required.length) t.required = required;
  const facts = FIELD_FACTS[key] ?? {};
  const goNames = Object.fromEntries((GO_TYPE_NAMES[key] ?? '').split(' ').filter(Boolean).map((e) => e.split('=')));
  t.fields = {};
  for (const a of attrs) {
    const field = { type: typeString(cls, a) };
    if (facts[a.name]) Object.assign(field, parseFacts(facts[a.name]));
    if (goNames[a.name]) field.go = goTypeName(goNames[a.name]);
    for (const f of [facts[a.name] && 'f', goNames[a.name] && 'g']) if (f) usedFacts.add(`${f}:${key}.${a.name}`);
    t.fields[a.name] = Object.keys(field).length === 1 ? field.type : field;
  }
  types[fullName(cls)] = t;
}
// A fact that matched no field is a typo or a model change: fail loudly.
const unused = [
  ...Object.entries(FIELD_FACTS).flatMap(([k, v]) => Object.keys(v).map((f) => `f:${k}.${f}`)),
  ...Object.entries(GO_TYPE_NAMES).flatMap(([k, v]) => v.split(' ').map((e) => `g:${k}.${e.split('=')[0]}`)),
].filter((f) => !usedFacts.has(f));
const unknownStructs = [...ATOMIC_STRUCTS, ...[...QUANTITIES].map((q) => q.split('.').slice(0, 2).join('.'))]
  .filter((k) => !classes.some((c) => factKey(c) === k)).map((k) => `type ${k}`);
if (unused.length || unknownStructs.length) {
  console.error(`facts that match no reachable field or type:\n  ${[...unused, ...unknownStructs].join('\n  ')}`);
  process.exit(1);
}

const version = JSON.parse(readFileSync(new URL('node_modules/@kubernetes/client-node/package.json', root), 'utf8')).version;
const lines = Object.entries(types).map(([name, t]) => `    ${JSON.stringify(name)}: ${JSON.stringify(t)}`);
const text = `{\n  "source": ${JSON.stringify(`@kubernetes/client-node ${version} models; patch and apply facts from Kubernetes 1.32 struct tags`)},\n  "types": {\n${lines.join(',\n')}\n  }\n}\n`;

if (process.argv.includes('--check')) {
  const current = readFileSync(outFile, 'utf8');
  if (current !== text) { console.error('src/api/openapi/schemas.json is stale: run node scripts/gen-schemas.mjs'); process.exit(1); }
  console.log('schemas.json is up to date');
} else {
  writeFileSync(outFile, text);
  console.log(`wrote ${Object.keys(types).length} types, ${text.length} bytes`);
}
