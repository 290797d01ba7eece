// The API client the DNS process's informers use: lists and watches hand over only the fields DNS
// answers need, as CoreDNS's object transforms do. The informers' caches then hold a few hundred
// bytes per Service, EndpointSlice, Pod, Namespace or Node instead of whole objects (a Pod alone
// is several KB), which is most of the memory a large cluster would cost (bench/dns.bench.ts).

import type { EndpointSlice, KubeList, KubeObject, Node, ObjectMeta, Pod, Service } from '../kube/types.js';
import { ApiClient, type ListOptions, type WatchEventType, type WatchHandle, type WatchOptions } from '../client/client.js';
import type { ResourceRef } from '../client/resources.js';

/** The metadata an informer keys and diffs on. */
const meta = (m: ObjectMeta): ObjectMeta => ({ name: m.name, namespace: m.namespace, resourceVersion: m.resourceVersion });

const TRIMS: Record<string, (obj: any) => KubeObject> = {
  Namespace: (n: KubeObject) => ({ metadata: meta(n.metadata) }),
  Service: (s: Service) => ({
    metadata: meta(s.metadata),
    spec: {
      type: s.spec?.type, clusterIP: s.spec?.clusterIP, clusterIPs: s.spec?.clusterIPs, externalName: s.spec?.externalName,
      ports: s.spec?.ports?.map((p) => ({ name: p.name, protocol: p.protocol, port: p.port })),
    },
  }),
  EndpointSlice: (e: EndpointSlice) => ({
    metadata: { ...meta(e.metadata), labels: { 'kubernetes.io/service-name': e.metadata.labels?.['kubernetes.io/service-name'] ?? '' } },
    addressType: e.addressType,
    ports: e.ports?.map((p) => ({ name: p.name, protocol: p.protocol, port: p.port })),
    endpoints: (e.endpoints ?? []).map((ep) => ({
      addresses: ep.addresses, conditions: { ready: ep.conditions?.ready }, hostname: ep.hostname, targetRef: { name: ep.targetRef?.name },
    })),
  }),
  Pod: (p: Pod) => ({ metadata: { ...meta(p.metadata), deletionTimestamp: p.metadata.deletionTimestamp }, status: { podIP: p.status?.podIP } }),
  Node: (n: Node) => ({ metadata: meta(n.metadata), spec: {}, status: { addresses: n.status?.addresses } }),
};

/** What the DNS process keeps of an object of this kind (the object itself for other kinds). */
export function trimForDns<T extends KubeObject>(kind: string, obj: T): T {
  const trim = TRIMS[kind];
  return trim ? (trim(obj) as T) : obj;
}

export class TrimmingClient extends ApiClient {
  override async list<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace?: string, o: ListOptions = {}): Promise<KubeList<T>> {
    const list = await super.list<T>(ref, namespace, o);
    return { ...list, items: list.items.map((item) => trimForDns(ref.kind, item)) };
  }

  override watch<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string | undefined, o: WatchOptions, onEvent: (type: WatchEventType, obj: T) => void): WatchHandle {
    // a BOOKMARK carries only a resourceVersion
    return super.watch<T>(ref, namespace, o, (type, obj) => onEvent(type, type === 'BOOKMARK' ? obj : trimForDns(ref.kind, obj)));
  }
}
