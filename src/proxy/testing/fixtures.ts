// Service and EndpointSlice objects for proxy tests, written the way upstream's proxier tests
// write them (makeTestService / makeTestEndpointSlice).

import type { EndpointSlice, EndpointSliceEndpoint, Service, ServiceSpec } from '../../kube/types.js';
import { ProxyState } from '../changes.js';
import { SERVICE_NAME_LABEL } from '../endpoints.js';
import { type ServicePortPlan, planAll } from '../plan.js';

export function makeService(namespace: string, name: string, spec: Partial<ServiceSpec>, lbIPs: string[] = []): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace, name },
    spec: { type: 'ClusterIP', sessionAffinity: 'None', ...spec },
    status: { loadBalancer: { ingress: lbIPs.map((ip) => ({ ip })) } },
  };
}

export interface SlicePort {
  name?: string;
  port: number;
  protocol?: string;
}

export function makeSlice(namespace: string, service: string, suffix: number | string, endpoints: EndpointSliceEndpoint[], ports: SlicePort[]): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace, name: `${service}-${suffix}`, labels: { [SERVICE_NAME_LABEL]: service } },
    addressType: 'IPv4',
    endpoints,
    ports: ports.map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' })),
  };
}

/** An endpoint at `ip`, on `nodeName` when given. */
export function ep(ip: string, nodeName?: string, conditions?: EndpointSliceEndpoint['conditions']): EndpointSliceEndpoint {
  return { addresses: [ip], ...(nodeName ? { nodeName } : {}), ...(conditions ? { conditions } : {}) };
}

/** Plans for these objects as the node `nodeName` sees them. */
export function plansOf(nodeName: string, services: Service[], slices: EndpointSlice[]): ServicePortPlan[] {
  const state = new ProxyState(nodeName);
  for (const s of services) state.updateService(s);
  for (const s of slices) state.updateEndpointSlice(s);
  return planAll(state);
}

export const TEST_NODE = 'test-node';

/**
 * The six Services of upstream's TestOverallIPTablesRules / TestOverallNFTablesRules: ClusterIP,
 * LoadBalancer with Local policy, NodePort, external IP, LoadBalancer with source ranges and
 * affinity, and a Service without endpoints.
 */
export function upstreamOverallFixture(): { services: Service[]; slices: EndpointSlice[] } {
  const p80 = [{ name: 'p80', port: 80, protocol: 'TCP' as const }];
  const services = [
    makeService('ns1', 'svc1', { clusterIP: '172.30.0.41', ports: p80 }),
    makeService('ns2', 'svc2', {
      type: 'LoadBalancer', externalTrafficPolicy: 'Local', clusterIP: '172.30.0.42',
      ports: [{ name: 'p80', port: 80, protocol: 'TCP', nodePort: 3001 }], externalIPs: ['192.168.99.22'], healthCheckNodePort: 30000,
    }, ['1.2.3.4']),
    makeService('ns3', 'svc3', { type: 'NodePort', clusterIP: '172.30.0.43', ports: [{ name: 'p80', port: 80, protocol: 'TCP', nodePort: 3003 }] }),
    makeService('ns4', 'svc4', { type: 'NodePort', clusterIP: '172.30.0.44', externalIPs: ['192.168.99.33'], ports: [{ name: 'p80', port: 80, protocol: 'TCP', targetPort: 80 }] }),
    makeService('ns5', 'svc5', {
      type: 'LoadBalancer', externalTrafficPolicy: 'Cluster', clusterIP: '172.30.0.45',
      ports: [{ name: 'p80', port: 80, protocol: 'TCP', nodePort: 3002 }], healthCheckNodePort: 30000,
      loadBalancerSourceRanges: [' 203.0.113.0/25'], sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
    }, ['5.6.7.8']),
    makeService('ns6', 'svc6', { clusterIP: '172.30.0.46', ports: [{ name: 'p80', port: 80, protocol: 'TCP', targetPort: 80 }] }),
  ];
  const port = [{ name: 'p80', port: 80 }];
  const slices = [
    makeSlice('ns1', 'svc1', 1, [ep('10.180.0.1')], port),
    makeSlice('ns2', 'svc2', 1, [ep('10.180.0.2')], port),
    makeSlice('ns3', 'svc3', 1, [ep('10.180.0.3')], port),
    makeSlice('ns4', 'svc4', 1, [ep('10.180.0.4'), ep('10.180.0.5', TEST_NODE)], port),
    makeSlice('ns5', 'svc5', 1, [ep('10.180.0.3')], port),
  ];
  return { services, slices };
}
