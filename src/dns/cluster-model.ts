// What the DNS server knows of the cluster: the few fields of Services, EndpointSlices, Pods and
// Namespaces that DNS answers need, indexed by name and by IP. Informer handlers feed it; every
// change is visible to the very next query (nothing is cached above it for the cluster zone).
// Kept small on purpose (see bench/dns.bench.ts): maps nest by namespace so no composite key
// strings are kept, namespace names and port lists are shared, endpoints are parallel arrays.

import type { EndpointSlice, Namespace, Pod, Service } from '../kube/types.js';
import { canonicalIP } from './wire/ip.js';

/** A Service or EndpointSlice port as DNS uses it: name and protocol in lower case; port -1 when absent. */
export interface PortInfo {
  readonly name: string;
  readonly protocol: string;
  readonly port: number;
}

export type ServiceKind = 'ClusterIP' | 'Headless' | 'ExternalName';

export interface ServiceInfo {
  readonly name: string;
  readonly namespace: string;
  readonly kind: ServiceKind;
  /** Canonical ClusterIPs (empty for headless and ExternalName Services). */
  readonly clusterIPs: readonly string[];
  readonly ports: readonly PortInfo[];
  /** ExternalName target, fully qualified, or '' for other kinds. */
  readonly externalName: string;
}

/** An EndpointSlice's ready endpoints, one entry per address in each of the parallel arrays. */
export interface SliceInfo {
  readonly service: string;
  readonly namespace: string;
  readonly ports: readonly PortInfo[];
  /** Canonical IPs of the ready endpoints. */
  readonly ips: readonly string[];
  /** The endpoints' hostname fields ('' when unset), or null when no endpoint has one. */
  readonly hostnames: readonly string[] | null;
  /** targetRef names shorter than 64 characters ('' otherwise), or null when there are none. */
  readonly podNames: readonly string[] | null;
}

interface NamespaceData {
  /** The one shared copy of the namespace's name. */
  readonly name: string;
  readonly services: Map<string, ServiceInfo>;
  /** slice name -> slice */
  readonly slices: Map<string, SliceInfo>;
  /** Service name -> its slices */
  readonly slicesByService: Map<string, SliceInfo[]>;
  /** pod name -> pod IP */
  readonly pods: Map<string, string>;
}

const NO_STRINGS: readonly string[] = Object.freeze([]);
const NO_SLICES: readonly SliceInfo[] = Object.freeze([]);
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

function metaOf(obj: { metadata?: { name?: string; namespace?: string } }, kind: string): { name: string; namespace: string } {
  const name = obj?.metadata?.name;
  const namespace = obj?.metadata?.namespace;
  if (!name || !namespace) throw new Error(`${kind} without metadata.name and metadata.namespace`);
  return { name: name.toLowerCase(), namespace: namespace.toLowerCase() };
}

/** Adds or removes `item` in a map whose values are one item or several (most keys hold one). */
function addTo<T>(map: Map<string, T | T[]>, key: string, item: T): void {
  const held = map.get(key);
  if (held === undefined) map.set(key, item);
  else if (Array.isArray(held)) held.push(item);
  else map.set(key, [held, item]);
}

function removeFrom<T>(map: Map<string, T | T[]>, key: string, item: T): void {
  const held = map.get(key);
  if (held === item) { map.delete(key); return; }
  if (!Array.isArray(held)) return;
  const i = held.indexOf(item);
  if (i >= 0) held.splice(i, 1);
  if (held.length === 1) map.set(key, held[0]);
  else if (held.length === 0) map.delete(key);
}

function listOf<T>(held: T | T[] | undefined): readonly T[] {
  return held === undefined ? [] : Array.isArray(held) ? held : [held];
}

export class ClusterModel {
  private readonly data = new Map<string, NamespaceData>();
  private readonly namespaceSet = new Set<string>();
  /** ClusterIP -> Service. */
  private readonly serviceByIP = new Map<string, ServiceInfo>();
  /** endpoint IP -> the slices holding it. */
  private readonly slicesByIP = new Map<string, SliceInfo | SliceInfo[]>();
  /** pod IP -> namespace of each pod with that IP (repeated per pod). */
  private readonly podsByIP = new Map<string, string | string[]>();
  private readonly portLists = new Map<string, readonly PortInfo[]>();
  private syncedFlag = false;
  private modifiedAt = Math.floor(Date.now() / 1000);
  private services = 0;

  /** True once markSynced() was called: every informer has listed its objects. */
  get synced(): boolean { return this.syncedFlag; }

  /** Unix time (seconds) of the last change: the SOA serial, as CoreDNS uses it. */
  get serial(): number { return this.modifiedAt >>> 0; }

  markSynced(): void { this.syncedFlag = true; }

  get serviceCount(): number { return this.services; }

  // ---- writes (informer handlers) ----

  upsertNamespace(ns: Namespace): void {
    const name = ns?.metadata?.name;
    if (!name) throw new Error('Namespace without metadata.name');
    this.namespaceSet.add(name.toLowerCase());
    this.touch();
  }

  deleteNamespace(name: string): void {
    this.namespaceSet.delete(name.toLowerCase());
    this.touch();
  }

  upsertService(svc: Service): void {
    const { name, namespace } = metaOf(svc, 'Service');
    const ns = this.ns(namespace);
    this.dropService(ns, name);
    const spec = svc.spec ?? {};
    let kind: ServiceKind = 'ClusterIP';
    let clusterIPs: readonly string[] = NO_STRINGS;
    let externalName = '';
    if (spec.type === 'ExternalName') {
      kind = 'ExternalName';
      const target = (spec.externalName ?? '').trim();
      if (target) externalName = target.endsWith('.') ? target : target + '.';
    } else {
      const ips = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
      if (ips[0] === 'None') {
        kind = 'Headless';
      } else {
        const canon = ips.map((ip) => canonicalIP(ip)?.text).filter((ip): ip is string => !!ip);
        if (canon.length) clusterIPs = canon;
      }
    }
    const ports = this.internPorts((spec.ports ?? []).map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port })));
    const info: ServiceInfo = { name, namespace: ns.name, kind, clusterIPs, ports, externalName };
    ns.services.set(name, info);
    this.services++;
    for (const ip of clusterIPs) this.serviceByIP.set(ip, info);
    this.touch();
  }

  deleteService(namespace: string, name: string): void {
    const ns = this.data.get(namespace.toLowerCase());
    if (ns) this.dropService(ns, name.toLowerCase());
    this.touch();
  }

  upsertEndpointSlice(slice: EndpointSlice): void {
    const { name, namespace } = metaOf(slice, 'EndpointSlice');
    const ns = this.ns(namespace);
    this.dropSlice(ns, name);
    const svcName = slice.metadata.labels?.[SERVICE_NAME_LABEL];
    if (!svcName || (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6')) {
      this.touch();
      return;
    }
    const ips: string[] = [];
    const hostnames: string[] = [];
    const podNames: string[] = [];
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue; // unset means ready
      const podName = ep.targetRef?.name && ep.targetRef.name.length < 64 ? ep.targetRef.name.toLowerCase() : '';
      for (const addr of ep.addresses ?? []) {
        const ip = canonicalIP(addr);
        if (!ip) continue;
        ips.push(ip.text);
        hostnames.push((ep.hostname ?? '').toLowerCase());
        podNames.push(podName);
      }
    }
    const info: SliceInfo = {
      service: svcName.toLowerCase(),
      namespace: ns.name,
      ports: this.internPorts((slice.ports ?? []).map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port ?? -1 }))),
      ips,
      hostnames: hostnames.some(Boolean) ? hostnames : null,
      podNames: podNames.some(Boolean) ? podNames : null,
    };
    ns.slices.set(name, info);
    const list = ns.slicesByService.get(info.service);
    if (list) list.push(info);
    else ns.slicesByService.set(info.service, [info]);
    for (const ip of ips) addTo(this.slicesByIP, ip, info);
    this.touch();
  }

  deleteEndpointSlice(namespace: string, name: string): void {
    const ns = this.data.get(namespace.toLowerCase());
    if (ns) this.dropSlice(ns, name.toLowerCase());
    this.touch();
  }

  /** Pods matter only for `pods verified`; terminating pods and pods without an IP are left out. */
  upsertPod(pod: Pod): void {
    const { name, namespace } = metaOf(pod, 'Pod');
    const ns = this.ns(namespace);
    this.dropPod(ns, name);
    const ip = pod.status?.podIP ? canonicalIP(pod.status.podIP)?.text : undefined;
    if (ip && !pod.metadata.deletionTimestamp) {
      ns.pods.set(name, ip);
      addTo(this.podsByIP, ip, ns.name);
    }
    this.touch();
  }

  deletePod(namespace: string, name: string): void {
    const ns = this.data.get(namespace.toLowerCase());
    if (ns) this.dropPod(ns, name.toLowerCase());
    this.touch();
  }

  // ---- reads (queries; all names in lower case) ----

  hasNamespace(name: string): boolean { return this.namespaceSet.has(name); }

  service(name: string, namespace: string): ServiceInfo | undefined {
    return this.data.get(namespace)?.services.get(name);
  }

  /** The EndpointSlices of a Service. */
  slicesOf(name: string, namespace: string): readonly SliceInfo[] {
    return this.data.get(namespace)?.slicesByService.get(name) ?? NO_SLICES;
  }

  /** The Service whose ClusterIP this is. */
  serviceByClusterIP(ip: string): ServiceInfo | undefined {
    return this.serviceByIP.get(ip);
  }

  /** Every slice holding a ready endpoint with this IP. */
  slicesWithEndpoint(ip: string): readonly SliceInfo[] {
    return listOf(this.slicesByIP.get(ip));
  }

  /** True when a (non-terminating) pod in `namespace` has this IP. */
  hasPod(ip: string, namespace: string): boolean {
    return listOf(this.podsByIP.get(ip)).includes(namespace);
  }

  // ---- internals ----

  private touch(): void {
    this.modifiedAt = Math.floor(Date.now() / 1000);
  }

  private ns(namespace: string): NamespaceData {
    let d = this.data.get(namespace);
    if (!d) {
      d = { name: namespace, services: new Map(), slices: new Map(), slicesByService: new Map(), pods: new Map() };
      this.data.set(namespace, d);
    }
    return d;
  }

  private internPorts(ports: PortInfo[]): readonly PortInfo[] {
    const list = ports.length ? ports.map((p) => ({ name: p.name.toLowerCase(), protocol: p.protocol.toLowerCase(), port: p.port })) : [{ name: '', protocol: '', port: -1 }];
    const sig = list.map((p) => `${p.name}/${p.protocol}/${p.port}`).join(',');
    let shared = this.portLists.get(sig);
    if (!shared) {
      shared = Object.freeze(list.map((p) => Object.freeze(p)));
      this.portLists.set(sig, shared);
    }
    return shared;
  }

  private dropService(ns: NamespaceData, name: string): void {
    const old = ns.services.get(name);
    if (!old) return;
    ns.services.delete(name);
    this.services--;
    for (const ip of old.clusterIPs) if (this.serviceByIP.get(ip) === old) this.serviceByIP.delete(ip);
  }

  private dropSlice(ns: NamespaceData, name: string): void {
    const old = ns.slices.get(name);
    if (!old) return;
    ns.slices.delete(name);
    const rest = (ns.slicesByService.get(old.service) ?? []).filter((s) => s !== old);
    if (rest.length) ns.slicesByService.set(old.service, rest);
    else ns.slicesByService.delete(old.service);
    for (const ip of old.ips) removeFrom(this.slicesByIP, ip, old);
  }

  private dropPod(ns: NamespaceData, name: string): void {
    const ip = ns.pods.get(name);
    if (ip === undefined) return;
    ns.pods.delete(name);
    removeFrom(this.podsByIP, ip, ns.name);
  }
}
