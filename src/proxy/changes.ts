// The change tracker both backends share (upstream's ServiceChangeTracker and
// EndpointsChangeTracker): it keeps the current value per object and, for objects changed since
// the last sync, the value they had then. A change that brings an object back to that value is
// dropped, so resyncs and no-op updates cause no kernel work.

import type { EndpointSlice, Service } from '../kube/types.js';
import { endpointsOfService, serviceOfSlice } from './endpoints.js';
import { servicePortsOf } from './serviceport.js';
import { type EndpointInfo, type ServicePortInfo, compareStrings, namespacedName } from './types.js';

type PortMap<V> = Map<string, V>;

/** Deep equality of the plain-data maps this module stores (fixed key order, no cycles). */
function samePortMap<V>(a: ReadonlyMap<string, V>, b: ReadonlyMap<string, V>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w === undefined || JSON.stringify(v) !== JSON.stringify(w)) return false;
  }
  return true;
}

const EMPTY: ReadonlyMap<string, never> = new Map<string, never>();
const NO_ENDPOINTS: readonly EndpointInfo[] = Object.freeze([]);

/** "ns/svc" of a servicePortKey ("ns/svc:port/PROTO" or "ns/svc/PROTO"). */
function serviceOfKey(key: string): string {
  const [namespace, nameAndPort] = key.split('/');
  return namespacedName(namespace, nameAndPort.split(':')[0]);
}

/** Current value per key, plus the value each changed key had at the last checkout. */
class Tracker<V> {
  readonly current = new Map<string, PortMap<V>>();
  private previous = new Map<string, PortMap<V>>();

  /** Records the key's new value; returns whether any change is pending. */
  set(key: string, value: PortMap<V>): boolean {
    if (!this.previous.has(key)) this.previous.set(key, this.current.get(key) ?? new Map());
    if (value.size === 0) this.current.delete(key);
    else this.current.set(key, value);
    if (samePortMap(this.previous.get(key)!, value)) this.previous.delete(key);
    return this.pending;
  }

  get pending(): boolean {
    return this.previous.size > 0;
  }

  /** The changed keys with their value at the last checkout; clears them. */
  checkout(): Map<string, PortMap<V>> {
    const changed = this.previous;
    this.previous = new Map();
    return changed;
  }
}

/** What a sync must know beyond the current state: what changed since the last sync. */
export interface ChangeSet {
  /** "ns/svc" of every Service whose ports or endpoints changed (partial syncs rewrite these). */
  updatedServices: Set<string>;
  /** Cluster IPs of UDP service ports that went away (their conntrack entries are stale). */
  deletedUDPClusterIPs: Set<string>;
  /** UDP endpoints that stopped receiving traffic: conntrack entries to them must go. */
  staleUDPEndpoints: { servicePort: string; endpoint: EndpointInfo }[];
  /** UDP service ports that had no serving endpoint and now have one. */
  newlyActiveUDPServices: string[];
}

/** Services and EndpointSlices as this node's kube-proxy sees them. */
export class ProxyState {
  private readonly services = new Tracker<ServicePortInfo>();
  private readonly endpoints = new Tracker<EndpointInfo[]>();
  private readonly slices = new Map<string, Map<string, EndpointSlice>>();
  /** servicePorts() in key order, until a Service changes. */
  private sorted: { key: string; service: string; port: ServicePortInfo }[] | null = null;

  constructor(private readonly nodeName: string) {}

  /** Records a Service (or its deletion); returns whether any change is pending. */
  updateService(svc: Service, deleted = false): boolean {
    const key = namespacedName(svc.metadata.namespace ?? 'default', svc.metadata.name ?? '');
    this.sorted = null;
    return this.services.set(key, deleted ? new Map() : servicePortsOf(svc));
  }

  /** Records an EndpointSlice (or its deletion); returns whether any change is pending. */
  updateEndpointSlice(slice: EndpointSlice, deleted = false): boolean {
    const service = serviceOfSlice(slice);
    if (!service) return false;
    let bySlice = this.slices.get(service);
    if (!bySlice) this.slices.set(service, (bySlice = new Map()));
    const sliceName = slice.metadata.name ?? '';
    if (deleted) bySlice.delete(sliceName);
    else bySlice.set(sliceName, slice);
    if (bySlice.size === 0) this.slices.delete(service);
    return this.endpoints.set(service, endpointsOfService(service, bySlice.values(), this.nodeName));
  }

  /** Whether anything changed since the last checkout. */
  hasPendingChanges(): boolean {
    return this.services.pending || this.endpoints.pending;
  }

  /**
   * Every service port with its endpoints, sorted by key so that rendering is deterministic. The
   * order is kept until a Service changes (a sync after an endpoint change does not sort again).
   */
  servicePorts(): [key: string, port: ServicePortInfo, endpoints: readonly EndpointInfo[]][] {
    if (!this.sorted) {
      const all: { key: string; service: string; port: ServicePortInfo }[] = [];
      for (const [service, ports] of this.services.current) for (const [key, port] of ports) all.push({ key, service, port });
      this.sorted = all.sort((a, b) => compareStrings(a.key, b.key));
    }
    return this.sorted.map(({ key, service, port }) => [key, port, this.endpoints.current.get(service)?.get(key) ?? NO_ENDPOINTS]);
  }

  /** The service port with this servicePortKey ("ns/svc:port/PROTO"), if it exists. */
  servicePort(key: string): ServicePortInfo | undefined {
    return this.services.current.get(serviceOfKey(key))?.get(key);
  }

  /** Endpoints of one service port (by servicePortKey); the same array until they change. */
  endpointsOf(key: string): readonly EndpointInfo[] {
    return this.endpoints.current.get(serviceOfKey(key))?.get(key) ?? NO_ENDPOINTS;
  }

  /** Number of endpoints of every service port (for the sync log). */
  endpointCount(): number {
    let n = 0;
    for (const ports of this.endpoints.current.values()) for (const eps of ports.values()) n += eps.length;
    return n;
  }

  /** Local ready endpoints per "ns/svc" (what health check node ports report). */
  localReadyEndpoints(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [service, ports] of this.endpoints.current) {
      const ips = new Set<string>();
      for (const eps of ports.values()) for (const ep of eps) if (ep.isLocal && ep.ready) ips.add(ep.ip);
      if (ips.size > 0) out.set(service, ips.size);
    }
    return out;
  }

  /** healthCheckNodePort per "ns/svc" that has one. */
  healthCheckNodePorts(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [service, ports] of this.services.current) {
      for (const sp of ports.values()) if (sp.healthCheckNodePort) out.set(service, sp.healthCheckNodePort);
    }
    return out;
  }

  /** Takes the changes since the last checkout. */
  checkout(): ChangeSet {
    const services = this.services.checkout();
    const endpoints = this.endpoints.checkout();
    const updatedServices = new Set<string>([...services.keys(), ...endpoints.keys()]);

    const deletedUDPClusterIPs = new Set<string>();
    for (const [service, before] of services) {
      const now = this.services.current.get(service) ?? EMPTY;
      for (const [key, sp] of before) {
        if (sp.protocol === 'UDP' && !now.has(key)) deletedUDPClusterIPs.add(sp.clusterIP);
      }
    }

    const staleUDPEndpoints: ChangeSet['staleUDPEndpoints'] = [];
    const newlyActiveUDPServices: string[] = [];
    for (const [service, before] of endpoints) {
      const now = this.endpoints.current.get(service) ?? EMPTY;
      for (const [key, eps] of before) {
        if (!key.endsWith('/UDP')) continue;
        const still = new Set((now.get(key) ?? []).map((ep) => ep.address));
        for (const ep of eps) if (ep.serving && !still.has(ep.address)) staleUDPEndpoints.push({ servicePort: key, endpoint: ep });
      }
      for (const [key, eps] of now) {
        if (!key.endsWith('/UDP')) continue;
        const had = (before.get(key) ?? []).some((ep) => ep.serving);
        if (!had && eps.some((ep) => ep.serving)) newlyActiveUDPServices.push(key);
      }
    }
    return { updatedServices, deletedUDPClusterIPs, staleUDPEndpoints, newlyActiveUDPServices };
  }
}
