// A container's environment as the kubelet builds it (makeEnvironmentVariables): envFrom first,
// then env in order with $(VAR) expansion and valueFrom sources, then the Service link variables
// (envvars.FromServices) that are not already set.

import { cpus, totalmem } from 'node:os';
import type { Container, EnvVar, Pod, Service } from '../../kube/types.js';
import { expand, mappingFor } from './expand.js';

/** Reads ConfigMaps and Secrets of the pod's namespace; undefined when the object does not exist. */
export interface EnvSourceResolver {
  configMap(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  /** Secret data, already base64-decoded. */
  secret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
}

/** An error that keeps the container from being created: it waits with CreateContainerConfigError. */
export class ContainerConfigError extends Error {}

export interface PodAddresses {
  podIPs: string[];
  hostIPs: string[];
}

const envName = (name: string) => {
  const upper = name.replace(/[.-]/g, '_').toUpperCase();
  return /^[0-9]/.test(upper) ? `_${upper}` : upper;
};

const isServiceIPSet = (s: Service) => !!s.spec.clusterIP && s.spec.clusterIP !== 'None';

/** Docker-link style variables for Services (pkg/kubelet/envvars). */
export function serviceLinkEnv(services: Service[]): Map<string, string> {
  const env = new Map<string, string>();
  for (const svc of services) {
    if (!isServiceIPSet(svc) || !svc.spec.ports?.length) continue;
    const prefix = envName(svc.metadata.name ?? '');
    const ip = svc.spec.clusterIP!;
    env.set(`${prefix}_SERVICE_HOST`, ip);
    env.set(`${prefix}_SERVICE_PORT`, String(svc.spec.ports[0].port));
    for (const p of svc.spec.ports) if (p.name) env.set(`${prefix}_SERVICE_PORT_${envName(p.name)}`, String(p.port));
    svc.spec.ports.forEach((p, i) => {
      const proto = (p.protocol ?? 'TCP').toLowerCase();
      const url = `${proto}://${ip}:${p.port}`;
      if (i === 0) env.set(`${prefix}_PORT`, url);
      const portPrefix = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
      env.set(portPrefix, url);
      env.set(`${portPrefix}_PROTO`, proto);
      env.set(`${portPrefix}_PORT`, String(p.port));
      env.set(`${portPrefix}_ADDR`, ip);
    });
  }
  return env;
}

/**
 * The Services a pod in `namespace` sees: `kubernetes` in default always, its own namespace's
 * Services when enableServiceLinks (default true).
 */
export function servicesForPod(all: Service[], namespace: string, enableServiceLinks = true): Service[] {
  const picked = new Map<string, Service>();
  for (const svc of all) {
    if (!isServiceIPSet(svc)) continue;
    const name = svc.metadata.name ?? '';
    if (svc.metadata.namespace === 'default' && name === 'kubernetes') {
      if (!picked.has(name)) picked.set(name, svc);
    } else if (svc.metadata.namespace === namespace && enableServiceLinks) {
      picked.set(name, svc);
    }
  }
  return [...picked.keys()].sort().map((k) => picked.get(k)!);
}

function fieldValue(pod: Pod, path: string, addr: PodAddresses): string {
  const mapKey = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  if (mapKey) return pod.metadata[mapKey[1] as 'labels' | 'annotations']?.[mapKey[2]] ?? '';
  switch (path) {
    case 'metadata.name': return pod.metadata.name ?? '';
    case 'metadata.namespace': return pod.metadata.namespace ?? '';
    case 'metadata.uid': return pod.metadata.uid ?? '';
    case 'metadata.labels':
    case 'metadata.annotations':
      return Object.entries(pod.metadata[path === 'metadata.labels' ? 'labels' : 'annotations'] ?? {})
        .sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join('\n');
    case 'spec.nodeName': return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName': return pod.spec.serviceAccountName ?? '';
    case 'status.hostIP': return addr.hostIPs[0] ?? '';
    case 'status.hostIPs': return addr.hostIPs.join(',');
    case 'status.podIP': return addr.podIPs[0] ?? '';
    case 'status.podIPs': return addr.podIPs.join(',');
  }
  throw new ContainerConfigError(`unsupported fieldPath: ${path}`);
}

const SUFFIX: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** A resource.Quantity as a number ("500m" is 0.5, "1Gi" is 1073741824). */
export function parseQuantity(q: string | number): number {
  if (typeof q === 'number') return q;
  const m = /^([+-]?\d*\.?\d+(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]?)$/.exec(q.trim());
  if (!m) throw new ContainerConfigError(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
  return Number(m[1]) * SUFFIX[m[2]];
}

/** resourceFieldRef: the container's limit or request, a limit defaulting to the node's capacity. */
function resourceValue(container: Container, ref: { resource: string; divisor?: string }): string {
  const [kind, resource] = ref.resource.split('.');
  const resources = (container.resources ?? {}) as { limits?: Record<string, string>; requests?: Record<string, string> };
  const capacity: Record<string, number> = { cpu: cpus().length, memory: totalmem(), 'ephemeral-storage': 0 };
  const set = kind === 'limits' ? resources.limits : kind === 'requests' ? resources.requests : undefined;
  if (set === undefined && kind !== 'limits' && kind !== 'requests') throw new ContainerConfigError(`unsupported container resource : ${ref.resource}`);
  let value = set?.[resource] !== undefined ? parseQuantity(set[resource]) : undefined;
  if (value === undefined) value = kind === 'limits' ? capacity[resource] ?? 0 : 0;
  const divisor = parseQuantity(ref.divisor ?? '1') || 1;
  return String(Math.ceil(value / divisor - 1e-9));
}

/** The container's env in the kubelet's order. Throws ContainerConfigError with the kubelet's message. */
export async function containerEnv(pod: Pod, container: Container, addr: PodAddresses, services: Service[], resolver: EnvSourceResolver): Promise<EnvVar[]> {
  const ns = pod.metadata.namespace ?? 'default';
  const serviceEnv = serviceLinkEnv(servicesForPod(services, ns, pod.spec.enableServiceLinks ?? true));
  const env = new Map<string, string>();
  const cache = new Map<string, Record<string, string> | undefined>();
  const load = async (kind: 'configmap' | 'secret', name: string, optional: boolean): Promise<Record<string, string> | undefined> => {
    const key = `${kind}/${name}`;
    if (!cache.has(key)) cache.set(key, kind === 'configmap' ? await resolver.configMap(ns, name) : await resolver.secret(ns, name));
    const data = cache.get(key);
    if (data === undefined && !optional) throw new ContainerConfigError(`${kind} ${JSON.stringify(name)} not found`);
    return data;
  };

  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref) continue;
    const data = await load(from.configMapRef ? 'configmap' : 'secret', ref.name, ref.optional ?? false);
    for (const [k, v] of Object.entries(data ?? {})) env.set(`${from.prefix ?? ''}${k}`, v);
  }

  const mapping = mappingFor(env, serviceEnv);
  for (const v of container.env ?? []) {
    let value = v.value ?? '';
    if (value !== '') {
      value = expand(value, mapping);
    } else if (v.valueFrom?.fieldRef) {
      value = fieldValue(pod, v.valueFrom.fieldRef.fieldPath, addr);
    } else if (v.valueFrom?.resourceFieldRef) {
      value = resourceValue(container, v.valueFrom.resourceFieldRef);
    } else if (v.valueFrom?.configMapKeyRef || v.valueFrom?.secretKeyRef) {
      const isCM = !!v.valueFrom.configMapKeyRef;
      const ref = (v.valueFrom.configMapKeyRef ?? v.valueFrom.secretKeyRef)!;
      const data = await load(isCM ? 'configmap' : 'secret', ref.name, ref.optional ?? false);
      if (data === undefined) continue;
      if (!(ref.key in data)) {
        if (ref.optional) continue;
        throw new ContainerConfigError(`couldn't find key ${ref.key} in ${isCM ? 'ConfigMap' : 'Secret'} ${ns}/${ref.name}`);
      }
      value = data[ref.key];
    }
    env.set(v.name, value);
  }

  for (const [k, v] of serviceEnv) if (!env.has(k)) env.set(k, v);
  return [...env].map(([name, value]) => ({ name, value }));
}

/** command and args with $(VAR) references to the final env expanded (ExpandContainerCommandAndArgs). */
export function expandCommand(container: Container, env: EnvVar[]): Pick<Container, 'command' | 'args'> {
  const mapping = mappingFor(new Map(env.map((e) => [e.name, e.value ?? ''])));
  return { command: container.command?.map((c) => expand(c, mapping)), args: container.args?.map((a) => expand(a, mapping)) };
}
