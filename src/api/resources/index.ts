// Every kind the API server serves, as ResourceDefs. Each call makes fresh allocator state, so
// each API server instance (and each test) owns its own ClusterIPs and node ports.

import type { ResourceDef } from '../resource.js';
import { bigIntToIP, formatIP, ipToBigInt, parseCIDR } from '../validation/ip.js';
import { customResourceDefinitionResource } from './apiextensions/customresourcedefinition.js';
import { controllerRevisionResource } from './apps/controllerrevision.js';
import { daemonSetResource } from './apps/daemonset.js';
import { deploymentResource, replicaSetResource } from './apps/deployment.js';
import { statefulSetResource } from './apps/statefulset.js';
import { cronJobResource } from './batch/cronjob.js';
import { jobResource } from './batch/job.js';
import { leaseResource } from './coordination/lease.js';
import { configMapResource } from './core/configmap.js';
import { endpointsResource } from './core/endpoints.js';
import { eventResource } from './core/event.js';
import { namespaceResource } from './core/namespace.js';
import { nodeResource } from './core/node.js';
import { secretResource } from './core/secret.js';
import { serviceAccountResource } from './core/serviceaccount.js';
import { endpointSliceResource } from './discovery/endpointslice.js';
import { ingressResource } from './networking/ingress.js';
import { ingressClassResource } from './networking/ingressclass.js';
import { networkPolicyResource } from './networking/networkpolicy.js';
import { podResource } from './pods/pod.js';
import { rbacResources } from './rbac/rbac.js';
import { ServiceAllocations } from './services/allocations.js';
import { serviceResource } from './services/service.js';

export interface ResourceOptions {
  /** The Service CIDR, e.g. "10.96.0.0/12". */
  serviceCIDR: string;
  /** The NodePort range, e.g. [30000, 32767] or "30000-32767". */
  nodePortRange: [number, number] | string;
  /**
   * Service IPs handed out only when a Service asks for them by name. Default: the first and the
   * tenth address of the CIDR (10.96.0.1 for `kubernetes`, 10.96.0.10 for `kube-dns`).
   */
  reservedIPs?: string[];
}

/** The kubernetes Service's and the DNS Service's addresses in a service CIDR, as kubeadm picks them. */
export function wellKnownServiceIPs(serviceCIDR: string): { kubernetes: string; dns: string } {
  const cidr = parseCIDR(serviceCIDR);
  if (!cidr) throw new Error(`invalid service CIDR ${JSON.stringify(serviceCIDR)}`);
  const base = ipToBigInt(cidr.ip);
  return { kubernetes: formatIP(bigIntToIP(base + 1n, cidr.ip.family)), dns: formatIP(bigIntToIP(base + 10n, cidr.ip.family)) };
}

export function createResources(options: ResourceOptions): ResourceDef[] {
  const { kubernetes, dns } = wellKnownServiceIPs(options.serviceCIDR);
  const alloc = new ServiceAllocations({
    serviceCIDR: options.serviceCIDR,
    nodePortRange: options.nodePortRange,
    reservedIPs: options.reservedIPs ?? [kubernetes, dns],
  });
  return [
    namespaceResource(),
    nodeResource(),
    podResource(),
    serviceResource(alloc),
    endpointsResource(),
    secretResource(),
    configMapResource(),
    eventResource(),
    serviceAccountResource(),
    deploymentResource(),
    replicaSetResource(),
    statefulSetResource(),
    daemonSetResource(),
    controllerRevisionResource(),
    jobResource(),
    cronJobResource(),
    endpointSliceResource(),
    ingressResource(),
    ingressClassResource(),
    networkPolicyResource(),
    leaseResource(),
    customResourceDefinitionResource(),
    ...rbacResources(),
  ];
}

export { validateBinding } from './pods/updates.js';
export { ServiceAllocations } from './services/allocations.js';
