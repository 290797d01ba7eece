// Services, Endpoints, EndpointSlices, Ingresses, IngressClasses and NetworkPolicies, as upstream's
// printService, printEndpoints, printEndpointSlice, printIngress, printIngressClass and
// printNetworkPolicy print them. The API server prints with wide=true, so load-balancer address
// lists are never clipped to 16 characters.

import type { TableDef } from '../resource.js';
import type { Endpoints, EndpointSlice, Ingress, NetworkPolicy, Service } from '../../kube/types.js';
import { doc } from './descriptions.js';
import { creationAge, formatLabels, formatLabelSelector, joinHostPort, listWithMore, loadBalancerIngress } from './format.js';
import { ageColumn, column, nameColumn } from './table.js';


/** Upstream's getServiceExternalIP. */
export function serviceExternalIP(svc: Service): string {
  const externalIPs = svc.spec?.externalIPs ?? [];
  switch (svc.spec?.type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerIngress(svc.status?.loadBalancer?.ingress);
      if (externalIPs.length) return [...(lb ? lb.split(',') : []), ...externalIPs].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return svc.spec.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** Upstream's makePortString: "80/TCP", "80:30080/TCP", comma-joined. */
export function servicePorts(svc: Service): string {
  const text = (svc.spec?.ports ?? [])
    .map((p) => (p.nodePort && p.nodePort > 0 ? `${p.port}:${p.nodePort}/${p.protocol ?? ''}` : `${p.port}/${p.protocol ?? ''}`))
    .join(',');
  return text || '<none>';
}

export const serviceTable: TableDef = {
  columns: [
    nameColumn(),
    column('Type', 'string', doc.serviceSpecType),
    column('Cluster-IP', 'string', doc.serviceSpecClusterIP),
    column('External-IP', 'string', doc.serviceSpecExternalIPs),
    column('Port(s)', 'string', doc.serviceSpecPorts),
    ageColumn(),
    column('Selector', 'string', doc.serviceSpecSelector, { priority: 1 }),
  ],
  cells(obj, now) {
    const svc = obj as Service;
    return [
      svc.metadata.name ?? '',
      svc.spec?.type ?? '',
      svc.spec?.clusterIPs?.[0] ?? '<none>',
      serviceExternalIP(svc),
      servicePorts(svc),
      creationAge(svc, now),
      formatLabels(svc.spec?.selector),
    ];
  },
};

/** Upstream's formatEndpoints: at most 3 "ip:port" (or bare IPs for port-less subsets), then " + N more...". */
export function formatEndpoints(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const max = 3;
  const list: string[] = [];
  let count = 0;
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    // Headless services may have no ports: each address counts once.
    const ports = ss.ports?.length ? ss.ports.map((p) => String(p.port)) : [undefined];
    for (const port of ports) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) break;
        list.push(port === undefined ? a.ip : joinHostPort(a.ip, port));
      }
    }
  }
  return count > max ? `${list.join(',')} + ${count - max} more...` : list.join(',');
}

export const endpointsTable: TableDef = {
  columns: [nameColumn(), column('Endpoints', 'string', doc.endpointsSubsets), ageColumn()],
  cells(obj, now) {
    return [obj.metadata.name ?? '', formatEndpoints(obj as Endpoints), creationAge(obj, now)];
  },
};

export const endpointSliceTable: TableDef = {
  columns: [
    nameColumn(),
    column('AddressType', 'string', doc.endpointSliceAddressType),
    column('Ports', 'string', doc.endpointSlicePorts),
    column('Endpoints', 'string', doc.endpointSliceEndpoints),
    ageColumn(),
  ],
  cells(obj, now) {
    const slice = obj as EndpointSlice;
    const ports = (slice.ports ?? []).map((p) => (p.port != null ? String(p.port) : p.name != null ? p.name : '*'));
    const addresses = (slice.endpoints ?? []).flatMap((e) => e.addresses ?? []);
    return [slice.metadata.name ?? '', slice.addressType ?? '', listWithMore(ports), listWithMore(addresses), creationAge(slice, now)];
  },
};

/** Upstream's formatHosts: up to 3 rule hosts, "*" when none. */
function ingressHosts(ing: Ingress): string {
  const rules = ing.spec?.rules ?? [];
  const max = 3;
  // Upstream stops collecting at max hosts and counts the remaining rules, not hosts.
  const list: string[] = [];
  let more = false;
  for (const rule of rules) {
    if (list.length === max) more = true;
    if (!more && rule.host) list.push(rule.host);
  }
  if (list.length === 0) return '*';
  return more ? `${list.join(',')} + ${rules.length - max} more...` : list.join(',');
}

export const ingressTable: TableDef = {
  columns: [
    nameColumn(),
    column('Class', 'string', 'The name of the IngressClass resource that should be used for additional configuration'),
    column('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
    column('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
    column('Ports', 'string', 'Ports of TLS configurations that open'),
    ageColumn(),
  ],
  cells(obj, now) {
    const ing = obj as Ingress;
    return [
      ing.metadata.name ?? '',
      ing.spec?.ingressClassName ?? '<none>',
      ingressHosts(ing),
      loadBalancerIngress(ing.status?.loadBalancer?.ingress),
      ing.spec?.tls?.length ? '80, 443' : '80',
      creationAge(ing, now),
    ];
  },
};

export const ingressClassTable: TableDef = {
  columns: [
    nameColumn(),
    column('Controller', 'string', 'Controller that is responsible for handling this class'),
    column('Parameters', 'string', 'A reference to a resource with additional parameters'),
    ageColumn(),
  ],
  cells(obj, now) {
    const spec = obj.spec ?? {};
    const p = spec.parameters as { apiGroup?: string; kind?: string; name?: string } | undefined;
    const parameters = p ? `${p.kind ?? ''}${p.apiGroup != null ? `.${p.apiGroup}` : ''}/${p.name ?? ''}` : '<none>';
    return [obj.metadata.name ?? '', spec.controller ?? '', parameters, creationAge(obj, now)];
  },
};

export const networkPolicyTable: TableDef = {
  columns: [nameColumn(), column('Pod-Selector', 'string', doc.networkPolicySpecPodSelector), ageColumn()],
  cells(obj, now) {
    const np = obj as NetworkPolicy;
    return [np.metadata.name ?? '', formatLabelSelector(np.spec?.podSelector), creationAge(np, now)];
  },
};
