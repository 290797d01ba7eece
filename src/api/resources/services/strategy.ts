// Service defaulting and the field juggling upstream does around writes: SetDefaults_Service
// (pkg/apis/core/v1/defaults.go), ClusterIP/ClusterIPs normalization, keeping allocated values on
// re-submitted manifests, IP family defaulting, and wiping fields a type change makes meaningless
// (pkg/registry/core/service/strategy.go and storage/storage.go).

import type { Service, ServiceSpec } from '../../../kube/types.js';
import { ipFamilyOf, type IPFamily } from '../../validation/ip.js';
import { deepEqual, isRecord, list, record } from '../../validation/values.js';

export const DEFAULT_CLIENT_IP_TIMEOUT = 10800;

export const specOf = (svc: Service): ServiceSpec => (isRecord(svc.spec) ? svc.spec : (svc.spec = {}));

export const needsClusterIP = (svc: Service): boolean => specOf(svc).type !== 'ExternalName';
export const needsNodePort = (svc: Service): boolean => specOf(svc).type === 'NodePort' || specOf(svc).type === 'LoadBalancer';
/** LoadBalancer with externalTrafficPolicy Local: kube-proxy answers health checks on a node port. */
export const needsHealthCheck = (svc: Service): boolean => specOf(svc).type === 'LoadBalancer' && specOf(svc).externalTrafficPolicy === 'Local';
export function externallyAccessible(svc: Service): boolean {
  const s = specOf(svc);
  return s.type === 'LoadBalancer' || s.type === 'NodePort' || (s.type === 'ClusterIP' && list(s.externalIPs).length > 0);
}
export const isHeadless = (svc: Service): boolean => {
  const ips = list<string>(specOf(svc).clusterIPs);
  return ips.length === 1 && ips[0] === 'None';
};
/** NodePort always allocates node ports; LoadBalancer unless allocateLoadBalancerNodePorts is false. */
export function shouldAllocateNodePorts(svc: Service): boolean {
  const s = specOf(svc);
  if (s.type === 'NodePort') return true;
  return s.type === 'LoadBalancer' && s.allocateLoadBalancerNodePorts !== false;
}

export const otherFamily = (f: IPFamily): IPFamily => (f === 'IPv4' ? 'IPv6' : 'IPv4');

/** SetDefaults_Service. */
export function setServiceDefaults(svc: Service): void {
  const s = specOf(svc);
  if (!s.sessionAffinity) s.sessionAffinity = 'None';
  if (s.sessionAffinity === 'None') delete s.sessionAffinityConfig;
  if (s.sessionAffinity === 'ClientIP') {
    const timeout = record(record(s.sessionAffinityConfig).clientIP).timeoutSeconds;
    if (timeout == null) s.sessionAffinityConfig = { clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_TIMEOUT } };
  }
  if (!s.type) s.type = 'ClusterIP';
  for (const p of list<Record<string, unknown>>(s.ports)) {
    if (!isRecord(p)) continue;
    if (!p.protocol) p.protocol = 'TCP';
    if (p.targetPort == null || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
    // 0 is Go's zero value, which the API omits: no node port asked for.
    if (p.nodePort === 0) delete p.nodePort;
  }
  if (s.healthCheckNodePort === 0) delete s.healthCheckNodePort;
  if (externallyAccessible(svc) && !s.externalTrafficPolicy) s.externalTrafficPolicy = 'Cluster';
  if (!s.internalTrafficPolicy && (s.type === 'NodePort' || s.type === 'LoadBalancer' || s.type === 'ClusterIP')) s.internalTrafficPolicy = 'Cluster';
  if (s.type === 'LoadBalancer' && s.allocateLoadBalancerNodePorts === undefined) s.allocateLoadBalancerNodePorts = true;
  if (s.type === 'LoadBalancer') {
    for (const ing of list<Record<string, unknown>>(record(record(svc.status).loadBalancer).ingress)) {
      if (isRecord(ing) && ing.ip && !ing.ipMode) ing.ipMode = 'VIP';
    }
  }
}

const sameStrings = (a: unknown, b: unknown): boolean => deepEqual(list(a), list(b));

/** Keeps clusterIP and clusterIPs in step for clients that only know the singular field. */
export function normalizeClusterIPs(svc: Service, old?: Service): void {
  const s = specOf(svc);
  if (!old) {
    if (s.clusterIP && list(s.clusterIPs).length === 0) s.clusterIPs = [s.clusterIP];
    return;
  }
  const o = specOf(old);
  if (list(o.clusterIPs).length > 0 && list(s.clusterIPs).length === 0 && (o.clusterIP ?? '') === (s.clusterIP ?? '')) {
    s.clusterIPs = [...list<string>(o.clusterIPs)];
  }
  if ((o.clusterIP ?? '') !== (s.clusterIP ?? '')) {
    if (o.clusterIP && !s.clusterIP) {
      if (sameStrings(o.clusterIPs, s.clusterIPs)) delete s.clusterIPs;
    } else if (sameStrings(o.clusterIPs, s.clusterIPs)) {
      s.clusterIPs = [s.clusterIP as string];
    }
  }
}

/** A re-submitted manifest without the allocated values keeps them (upstream's patchAllocatedValues). */
export function patchAllocatedValues(svc: Service, old: Service): void {
  const s = specOf(svc);
  const o = specOf(old);
  if (needsClusterIP(old) && needsClusterIP(svc)) {
    if (!s.clusterIP && o.clusterIP) s.clusterIP = o.clusterIP;
    if (list(s.clusterIPs).length === 0 && list(o.clusterIPs).length > 0) s.clusterIPs = [...list<string>(o.clusterIPs)];
  }
  if (needsNodePort(old) && needsNodePort(svc)) {
    const nodePorts = (ports: unknown) => new Set(list<Record<string, unknown>>(ports).map((p) => record(p).nodePort).filter((n): n is number => typeof n === 'number' && n !== 0));
    const oldUsed = nodePorts(o.ports);
    const newUsed = nodePorts(s.ports);
    const used = new Set([...oldUsed].filter((n) => newUsed.has(n)));
    const byName = new Map<string, number>();
    for (const p of list<Record<string, unknown>>(o.ports)) byName.set(String(record(p).name ?? ''), Number(record(p).nodePort ?? 0));
    for (const p of list<Record<string, unknown>>(s.ports)) {
      if (!isRecord(p) || p.nodePort) continue;
      const oldVal = byName.get(String(p.name ?? '')) ?? 0;
      if (oldVal && !used.has(oldVal)) p.nodePort = oldVal;
    }
  }
  if (needsHealthCheck(old) && needsHealthCheck(svc) && !s.healthCheckNodePort && o.healthCheckNodePort) {
    s.healthCheckNodePort = o.healthCheckNodePort;
  }
}

/**
 * Defaults ipFamilyPolicy and ipFamilies for this cluster (one family: the service CIDR's).
 * Combinations that cannot work are left for validateIPFamilyFields to report.
 */
export function defaultIPFamilyFields(svc: Service, old: Service | undefined, clusterFamily: IPFamily): void {
  const s = specOf(svc);
  if (s.type === 'ExternalName') return;
  const o = old ? specOf(old) : undefined;
  if (!s.ipFamilyPolicy) {
    if (o?.ipFamilyPolicy) s.ipFamilyPolicy = o.ipFamilyPolicy;
    else if (s.clusterIP === 'None' && Object.keys(record(s.selector)).length === 0) s.ipFamilyPolicy = 'RequireDualStack';
    else s.ipFamilyPolicy = 'SingleStack';
  }
  if (o && s.ipFamilyPolicy === 'SingleStack') {
    if (sameStrings(o.clusterIPs, s.clusterIPs) && list(s.clusterIPs).length > 1) s.clusterIPs = list<string>(s.clusterIPs).slice(0, 1);
    if (sameStrings(o.ipFamilies, s.ipFamilies) && list(s.ipFamilies).length > 1) s.ipFamilies = list<string>(s.ipFamilies).slice(0, 1);
  }
  const families = [...list<string>(s.ipFamilies)];
  const ips = list<string>(s.clusterIPs);
  for (let i = 0; i < ips.length; i++) {
    if (ips[i] === 'None') break;
    const fam = ipFamilyOf(ips[i]);
    // Only infer families we can serve; validateIPFamilyFields reports the others.
    if (!fam || (i >= families.length && fam !== clusterFamily)) return;
    if (i >= families.length) families.push(fam);
  }
  if (s.clusterIP === 'None' && Object.keys(record(s.selector)).length === 0) {
    if (families.length === 0) families.push(clusterFamily);
    if (families.length < 2 && s.ipFamilyPolicy !== 'SingleStack') families.push(otherFamily(families[0] as IPFamily));
  } else if (families.length === 0) {
    families.push(clusterFamily);
  }
  s.ipFamilies = families;
}

/** Clears fields a type change leaves without meaning, when the user did not also change them. */
export function dropTypeDependentFields(svc: Service, old: Service): void {
  const s = specOf(svc);
  const o = specOf(old);
  if (needsClusterIP(old) && !needsClusterIP(svc)) {
    if ((o.clusterIP ?? '') === (s.clusterIP ?? '') && sameStrings(o.clusterIPs, s.clusterIPs)) {
      delete s.clusterIP;
      delete s.clusterIPs;
    }
    if (deepEqual(o.ipFamilies, s.ipFamilies)) delete s.ipFamilies;
    if ((o.ipFamilyPolicy ?? '') === (s.ipFamilyPolicy ?? '')) delete s.ipFamilyPolicy;
  }
  if (needsNodePort(old) && !needsNodePort(svc)) {
    const ports = (x: unknown) => list<Record<string, unknown>>(x).map((p) => record(p).nodePort).filter((n) => n);
    const oldPorts = new Set(ports(o.ports));
    if (ports(s.ports).every((n) => oldPorts.has(n))) {
      for (const p of list<Record<string, unknown>>(s.ports)) if (isRecord(p)) delete p.nodePort;
    }
  }
  if (needsHealthCheck(old) && !needsHealthCheck(svc) && (o.healthCheckNodePort ?? 0) === (s.healthCheckNodePort ?? 0)) {
    delete s.healthCheckNodePort;
  }
  if (o.type === 'LoadBalancer' && s.type !== 'LoadBalancer') {
    if (s.allocateLoadBalancerNodePorts !== undefined && s.allocateLoadBalancerNodePorts === o.allocateLoadBalancerNodePorts) {
      delete s.allocateLoadBalancerNodePorts;
    }
    if ((o.loadBalancerClass ?? null) === (s.loadBalancerClass ?? null)) delete s.loadBalancerClass;
  }
  if (externallyAccessible(old) && !externallyAccessible(svc) && (o.externalTrafficPolicy ?? '') === (s.externalTrafficPolicy ?? '')) {
    delete s.externalTrafficPolicy;
  }
  if (s.type !== 'LoadBalancer' && isRecord(svc.status)) svc.status = { ...svc.status, loadBalancer: {} };
}

/** Upstream drops internalTrafficPolicy from ExternalName Services when it reads them. */
export function dropExternalNameTrafficPolicy(svc: Service): void {
  if (specOf(svc).type === 'ExternalName') delete specOf(svc).internalTrafficPolicy;
}
