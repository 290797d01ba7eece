// A Service object turned into the service ports kube-proxy programs (upstream's
// newBaseServiceInfo), IPv4 only.

import type { Service } from '../kube/types.js';
import { formatCidr, isIPv4, parseCidrLenient } from '../common/ipv4.js';
import { type Protocol, type ServicePortInfo, namespacedName, servicePortKey, servicePortName } from './types.js';

/** API default for sessionAffinityConfig.clientIP.timeoutSeconds. */
export const DEFAULT_STICKY_SECONDS = 10800;

/** The Service's IPv4 cluster IP, or null when kube-proxy does not proxy it (headless, ExternalName). */
export function proxiedClusterIP(svc: Service): string | null {
  if (svc.spec?.type === 'ExternalName') return null;
  const candidates = svc.spec?.clusterIPs?.length ? svc.spec.clusterIPs : [svc.spec?.clusterIP ?? ''];
  return candidates.find((ip) => isIPv4(ip)) ?? null;
}

function isExternallyTyped(svc: Service): boolean {
  const t = svc.spec.type;
  return t === 'NodePort' || t === 'LoadBalancer' || (svc.spec.externalIPs?.length ?? 0) > 0;
}

/** One ServicePortInfo per port of the Service, keyed by servicePortKey; empty when not proxied. */
export function servicePortsOf(svc: Service): Map<string, ServicePortInfo> {
  const out = new Map<string, ServicePortInfo>();
  const clusterIP = proxiedClusterIP(svc);
  if (!clusterIP) return out;
  const spec = svc.spec;
  const namespace = svc.metadata.namespace ?? 'default';
  const name = svc.metadata.name ?? '';

  const externalIPs = (spec.externalIPs ?? []).filter((ip) => isIPv4(ip));
  const loadBalancerVIPs = (svc.status?.loadBalancer?.ingress ?? [])
    .filter((ing) => ing.ip && isIPv4(ing.ip) && (ing.ipMode === undefined || ing.ipMode === 'VIP'))
    .map((ing) => ing.ip as string);
  const loadBalancerSourceRanges: string[] = [];
  for (const range of spec.loadBalancerSourceRanges ?? []) {
    const cidr = parseCidrLenient(range);
    if (cidr) loadBalancerSourceRanges.push(formatCidr(cidr));
  }
  const sessionAffinityClientIP = spec.sessionAffinity === 'ClientIP';
  const stickyMaxAgeSeconds = sessionAffinityClientIP
    ? spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_STICKY_SECONDS
    : 0;
  const externalPolicyLocal = isExternallyTyped(svc) && spec.externalTrafficPolicy === 'Local';
  const internalPolicyLocal = spec.internalTrafficPolicy === 'Local';
  // Only LoadBalancer Services with Local policy get a health check node port.
  const healthCheckNodePort = spec.type === 'LoadBalancer' && externalPolicyLocal ? spec.healthCheckNodePort ?? 0 : 0;

  for (const port of spec.ports ?? []) {
    const protocol: Protocol = port.protocol ?? 'TCP';
    const portName = port.name ?? '';
    const nameString = servicePortName(namespacedName(namespace, name), portName);
    out.set(servicePortKey(nameString, protocol), {
      namespace,
      name,
      portName,
      nameString,
      protocol,
      clusterIP,
      port: port.port,
      nodePort: port.nodePort ?? 0,
      externalIPs,
      loadBalancerVIPs,
      loadBalancerSourceRanges,
      sessionAffinityClientIP,
      stickyMaxAgeSeconds,
      externalPolicyLocal,
      internalPolicyLocal,
      healthCheckNodePort,
    });
  }
  return out;
}
