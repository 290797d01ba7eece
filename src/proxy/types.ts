// The shared model both backends program from: one ServicePortInfo per Service port and the
// endpoints behind it, as upstream's BaseServicePortInfo and BaseEndpointInfo hold them.

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export type ProxyMode = 'iptables' | 'nftables';

/** One port of one Service, as kube-proxy programs it. */
export interface ServicePortInfo {
  namespace: string;
  name: string;
  /** The Service's port name; '' when unnamed. */
  portName: string;
  /** upstream's ServicePortName string: "ns/svc:port", or "ns/svc" when unnamed. */
  nameString: string;
  protocol: Protocol;
  clusterIP: string;
  port: number;
  /** 0 when the port has none. */
  nodePort: number;
  externalIPs: string[];
  /** status.loadBalancer.ingress IPs (ipMode VIP). */
  loadBalancerVIPs: string[];
  /** Normalised CIDRs; invalid entries dropped. */
  loadBalancerSourceRanges: string[];
  sessionAffinityClientIP: boolean;
  stickyMaxAgeSeconds: number;
  externalPolicyLocal: boolean;
  internalPolicyLocal: boolean;
  /** 0 unless type LoadBalancer with externalTrafficPolicy Local. */
  healthCheckNodePort: number;
}

/** One endpoint (address and port) of one service port. */
export interface EndpointInfo {
  ip: string;
  port: number;
  /** "ip:port", upstream's Endpoint.String(). */
  address: string;
  /** On this node (endpoint nodeName equals ours). */
  isLocal: boolean;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
}

/** upstream's ServicePortName string: "ns/svc:port", or "ns/svc" when the port is unnamed. */
export function servicePortName(service: string, portName: string): string {
  return portName ? `${service}:${portName}` : service;
}

/** Byte-order comparison of strings (as Go sorts them), not locale order. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Map key of a service port: its name string and protocol ("ns/svc:p80/TCP"). */
export function servicePortKey(nameString: string, protocol: Protocol): string {
  return `${nameString}/${protocol}`;
}

/** "ns/name", the key of a Service (and of the EndpointSlices that belong to it). */
export function namespacedName(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** Reached from outside the cluster: a NodePort, an external IP or a load-balancer IP. */
export function externallyAccessible(svc: ServicePortInfo): boolean {
  return svc.nodePort !== 0 || svc.loadBalancerVIPs.length > 0 || svc.externalIPs.length > 0;
}

/** Some traffic uses "Cluster" policy (all endpoints). */
export function usesClusterEndpoints(svc: ServicePortInfo): boolean {
  return !svc.internalPolicyLocal || (externallyAccessible(svc) && !svc.externalPolicyLocal);
}

/** Some traffic uses "Local" policy (this node's endpoints only). */
export function usesLocalEndpoints(svc: ServicePortInfo): boolean {
  return svc.internalPolicyLocal || (externallyAccessible(svc) && svc.externalPolicyLocal);
}
