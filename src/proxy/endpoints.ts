// EndpointSlices turned into endpoints per service port (upstream's EndpointSliceCache), and the
// choice of which endpoints each traffic policy uses (upstream's CategorizeEndpoints).

import type { EndpointSlice } from '../kube/types.js';
import { isIPv4 } from '../common/ipv4.js';
import {
  type EndpointInfo,
  type Protocol,
  type ServicePortInfo,
  compareStrings,
  namespacedName,
  servicePortKey,
  servicePortName,
  usesClusterEndpoints,
  usesLocalEndpoints,
} from './types.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** "ns/svc" of the Service a slice belongs to, or null when the slice carries no service label. */
export function serviceOfSlice(slice: EndpointSlice): string | null {
  const svc = slice.metadata.labels?.[SERVICE_NAME_LABEL];
  return svc ? namespacedName(slice.metadata.namespace ?? 'default', svc) : null;
}

/**
 * Endpoints of every port of one Service, from all of its slices: keyed by servicePortKey,
 * each list sorted by "ip:port" and free of duplicates (a local copy wins).
 */
export function endpointsOfService(service: string, slices: Iterable<EndpointSlice>, nodeName: string): Map<string, EndpointInfo[]> {
  const byPort = new Map<string, Map<string, EndpointInfo>>();
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4') continue;
    for (const port of slice.ports ?? []) {
      if (!port.port) continue;
      const portName = port.name ?? '';
      const key = servicePortKey(servicePortName(service, portName), (port.protocol ?? 'TCP') as Protocol);
      let set = byPort.get(key);
      if (!set) byPort.set(key, (set = new Map()));
      for (const ep of slice.endpoints ?? []) {
        const ip = ep.addresses?.[0];
        if (!ip || !isIPv4(ip)) continue;
        const isLocal = ep.nodeName !== undefined && ep.nodeName === nodeName;
        const address = `${ip}:${port.port}`;
        if (set.has(address) && !isLocal) continue;
        set.set(address, {
          ip,
          port: port.port,
          address,
          isLocal,
          // Unset conditions mean ready and serving, not terminating.
          ready: ep.conditions?.ready ?? true,
          serving: ep.conditions?.serving ?? true,
          terminating: ep.conditions?.terminating ?? false,
        });
      }
    }
  }
  const out = new Map<string, EndpointInfo[]>();
  for (const [key, set] of byPort) {
    out.set(key, [...set.values()].sort((a, b) => compareStrings(a.address, b.address)));
  }
  return out;
}

export interface CategorizedEndpoints {
  /** Endpoints for "Cluster" policy traffic. */
  clusterEndpoints: EndpointInfo[];
  /** This node's endpoints, for "Local" policy traffic. */
  localEndpoints: EndpointInfo[];
  /** Every endpoint some traffic from this node can reach (each gets a chain). */
  allReachable: EndpointInfo[];
  /** Any usable endpoint anywhere in the cluster. */
  hasAnyEndpoints: boolean;
}

const usable = (ep: EndpointInfo): boolean => ep.ready;
const fallback = (ep: EndpointInfo): boolean => ep.serving && ep.terminating;

/**
 * Ready endpoints; when none are ready, serving-and-terminating ones (so that connections keep
 * working during a rollout's last moments), as upstream decides.
 */
export function categorizeEndpoints(endpoints: readonly EndpointInfo[], svc: ServicePortInfo): CategorizedEndpoints {
  let clusterEndpoints: EndpointInfo[] = [];
  let localEndpoints: EndpointInfo[] = [];
  let hasAnyEndpoints = false;

  if (usesClusterEndpoints(svc)) {
    clusterEndpoints = endpoints.filter(usable);
    if (clusterEndpoints.length === 0) clusterEndpoints = endpoints.filter(fallback);
    hasAnyEndpoints = clusterEndpoints.length > 0;
  }
  if (!usesLocalEndpoints(svc)) return { clusterEndpoints, localEndpoints, allReachable: clusterEndpoints, hasAnyEndpoints };

  let localReady = false;
  let localFallback = false;
  for (const ep of endpoints) {
    if (usable(ep)) {
      hasAnyEndpoints = true;
      if (ep.isLocal) localReady = true;
    } else if (fallback(ep)) {
      hasAnyEndpoints = true;
      if (ep.isLocal) localFallback = true;
    }
  }
  if (localReady) localEndpoints = endpoints.filter((ep) => ep.isLocal && usable(ep));
  else if (localFallback) localEndpoints = endpoints.filter((ep) => ep.isLocal && fallback(ep));

  if (!usesClusterEndpoints(svc)) return { clusterEndpoints, localEndpoints, allReachable: localEndpoints, hasAnyEndpoints };
  if (localEndpoints.length === 0) return { clusterEndpoints, localEndpoints, allReachable: clusterEndpoints, hasAnyEndpoints };
  // Both policies in use: the union, still sorted by address.
  const chosen = new Set([...clusterEndpoints, ...localEndpoints]);
  return { clusterEndpoints, localEndpoints, allReachable: endpoints.filter((ep) => chosen.has(ep)), hasAnyEndpoints };
}
