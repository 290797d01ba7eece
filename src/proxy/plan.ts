// What each service port needs, decided once for both backends: which endpoints each traffic
// policy uses, which per-service chains exist, and what happens when there are no endpoints.

import type { ProxyState } from './changes.js';
import { categorizeEndpoints } from './endpoints.js';
import { type EndpointInfo, type ServicePortInfo, externallyAccessible } from './types.js';

/** The verdict for traffic that has no endpoint to go to. */
export type NoEndpointVerdict = 'reject' | 'drop';

export interface ServicePortPlan {
  key: string;
  svc: ServicePortInfo;
  /** Every endpoint the slices list, usable or not (sizes "large cluster" mode). */
  endpointCount: number;
  /** "tcp", "udp" or "sctp". */
  protocol: string;
  clusterEndpoints: EndpointInfo[];
  localEndpoints: EndpointInfo[];
  /** Endpoints that get an endpoint chain. */
  allReachable: EndpointInfo[];
  /** Any usable endpoint anywhere in the cluster. */
  hasEndpoints: boolean;
  /** The chain balancing over clusterEndpoints exists. */
  usesClusterPolicyChain: boolean;
  /** The chain balancing over localEndpoints exists. */
  usesLocalPolicyChain: boolean;
  /** Cluster-IP traffic has somewhere to go (internalTrafficPolicy Local needs a local endpoint). */
  hasInternalEndpoints: boolean;
  /** External traffic has somewhere to go (externalTrafficPolicy Local needs a local endpoint). */
  hasExternalEndpoints: boolean;
  /** The external chain exists (it short-circuits local traffic even without local endpoints). */
  usesExternalChain: boolean;
  /** Verdict for cluster-IP traffic when hasInternalEndpoints is false. */
  internalVerdict: NoEndpointVerdict | null;
  /** Verdict for external traffic when hasExternalEndpoints is false. */
  externalVerdict: NoEndpointVerdict | null;
}

export function planServicePort(key: string, svc: ServicePortInfo, endpoints: readonly EndpointInfo[]): ServicePortPlan {
  const { clusterEndpoints, localEndpoints, allReachable, hasAnyEndpoints: hasEndpoints } = categorizeEndpoints(endpoints, svc);
  const hasInternalEndpoints = hasEndpoints && !(svc.internalPolicyLocal && localEndpoints.length === 0);
  const hasExternalEndpoints = hasEndpoints && !(svc.externalPolicyLocal && localEndpoints.length === 0);
  const noEndpoints: NoEndpointVerdict = hasEndpoints ? 'drop' : 'reject';
  return {
    key,
    svc,
    endpointCount: endpoints.length,
    protocol: svc.protocol.toLowerCase(),
    clusterEndpoints,
    localEndpoints,
    allReachable,
    hasEndpoints,
    usesClusterPolicyChain: clusterEndpoints.length > 0,
    usesLocalPolicyChain: localEndpoints.length > 0,
    hasInternalEndpoints,
    hasExternalEndpoints,
    usesExternalChain: hasEndpoints && externallyAccessible(svc),
    internalVerdict: hasInternalEndpoints ? null : noEndpoints,
    externalVerdict: hasExternalEndpoints ? null : noEndpoints,
  };
}

// The change tracker keeps a service port's objects until they change: a plan is made again only
// for service ports whose Service or endpoints changed (a sync of 10,000 Services plans one).
const plans = new WeakMap<ServicePortInfo, { endpoints: readonly EndpointInfo[]; plan: ServicePortPlan }>();

/** Plans for every service port of the state, in the state's (sorted) order. */
export function planAll(state: ProxyState): ServicePortPlan[] {
  return state.servicePorts().map(([key, svc, endpoints]) => {
    const known = plans.get(svc);
    if (known?.endpoints === endpoints) return known.plan;
    const plan = planServicePort(key, svc, endpoints);
    plans.set(svc, { endpoints, plan });
    return plan;
  });
}
