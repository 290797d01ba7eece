// What an API server creates at start, as upstream's does: the namespaces default, kube-system,
// kube-public and kube-node-lease, and the `kubernetes` Service in default with its Endpoints
// and EndpointSlice pointing at the API server's advertised address.

import { isApiError } from '../kube/errors.js';
import type { ResourceDef, WriteContext } from './resource.js';
import type { Registry } from './rest/registry.js';
import type { KubeObject } from '../kube/types.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export interface BootstrapOptions {
  registry: Registry;
  def: (group: string, plural: string) => ResourceDef;
  /** ClusterIP of the `kubernetes` Service (the first address of the service CIDR). */
  kubernetesServiceIP: string;
  /** Where pods reach the API server: the advertised address and port. */
  endpointIP: string;
  endpointPort: number;
}

const systemContext = (registry: Registry, def: BootstrapOptions['def']): WriteContext => ({
  dryRun: false,
  user: 'system:apiserver',
  fieldManager: 'kube-apiserver',
  get: (group, plural, namespace, name) => registry.tryGet(def(group, plural), namespace, name),
});

async function ensure(registry: Registry, def: ResourceDef, obj: KubeObject, ctx: WriteContext, update?: (current: KubeObject) => KubeObject | undefined): Promise<void> {
  const current = await registry.tryGet(def, obj.metadata.namespace, obj.metadata.name!);
  if (!current) {
    try {
      await registry.create(def, obj.metadata.namespace, obj, ctx);
    } catch (err) {
      if (!isApiError(err, 'AlreadyExists')) throw err;
    }
    return;
  }
  const next = update?.(structuredClone(current));
  if (next) await registry.update(def, obj.metadata.namespace, obj.metadata.name!, next, ctx);
}

export async function bootstrap(o: BootstrapOptions): Promise<void> {
  const { registry } = o;
  const ctx = systemContext(registry, o.def);
  for (const name of SYSTEM_NAMESPACES) {
    await ensure(registry, o.def('', 'namespaces'), { metadata: { name } }, ctx);
  }
  await ensure(registry, o.def('', 'services'), {
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: { type: 'ClusterIP', clusterIP: o.kubernetesServiceIP, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: o.endpointPort }], sessionAffinity: 'None' },
  }, ctx);
  // A loopback address is no endpoint (upstream refuses one): without nodes, nothing could use it anyway.
  if (o.endpointIP.startsWith('127.')) return;
  const subsets = [{ addresses: [{ ip: o.endpointIP }], ports: [{ name: 'https', port: o.endpointPort, protocol: 'TCP' }] }];
  await ensure(registry, o.def('', 'endpoints'), {
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets,
  }, ctx, (cur) => (JSON.stringify(cur.subsets) === JSON.stringify(subsets) ? undefined : { ...cur, subsets }));
  const endpoints = [{ addresses: [o.endpointIP], conditions: { ready: true } }];
  const ports = [{ name: 'https', port: o.endpointPort, protocol: 'TCP' }];
  await ensure(registry, o.def('discovery.k8s.io', 'endpointslices'), {
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
    addressType: 'IPv4', endpoints, ports,
  }, ctx, (cur) => (JSON.stringify(cur.endpoints) === JSON.stringify(endpoints) && JSON.stringify(cur.ports) === JSON.stringify(ports) ? undefined : { ...cur, endpoints, ports }));
}
