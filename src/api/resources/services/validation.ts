// Service validation with upstream's rules and messages (pkg/apis/core/validation: ValidateService,
// ValidateServiceUpdate, ValidateServiceClusterIPsRelatedFields, and the IP family checks that
// upstream makes while allocating in pkg/registry/core/service/storage/alloc.go).

import { duplicate, forbidden, invalid, notSupported, required, type FieldError } from '../../../kube/errors.js';
import type { Service } from '../../../kube/types.js';
import { child, index, key } from '../../validation/fieldpath.js';
import { ipFamilyOf, isValidCIDR, isValidIP, parseIP, validateNonSpecialIP, type IPFamily } from '../../validation/ip.js';
import { validateLabels } from '../../validation/meta.js';
import { isValidPortNum, validatePortNumOrName, validateProtocol } from '../../validation/ports.js';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName } from '../../validation/strings.js';
import { isRecord, list, record, str } from '../../validation/values.js';
import { validateLoadBalancerHostname } from '../common.js';
import { externallyAccessible, isHeadless, needsHealthCheck, specOf } from './strategy.js';

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const AFFINITY_TYPES = ['ClientIP', 'None'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];
const IP_FAMILIES = ['IPv4', 'IPv6'];
const IP_FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
const MAX_CLIENT_IP_AFFINITY_SECONDS = 86400;
const LB_SOURCE_RANGES_ANNOTATION = 'service.beta.kubernetes.io/load-balancer-source-ranges';

function validateServicePort(p: unknown, requireName: boolean, names: Set<string>, field: string): FieldError[] {
  const port = record(p);
  const errs: FieldError[] = [];
  const name = str(port.name);
  if (requireName && !name) {
    errs.push(required(child(field, 'name')));
  } else if (name) {
    errs.push(...isDNS1123Label(name).map((m) => invalid(child(field, 'name'), name, m)));
    if (names.has(name)) errs.push(duplicate(child(field, 'name'), name));
    else names.add(name);
  }
  const num = typeof port.port === 'number' ? port.port : 0;
  errs.push(...isValidPortNum(num).map((m) => invalid(child(field, 'port'), num, m)));
  errs.push(...validateProtocol(child(field, 'protocol'), port.protocol));
  errs.push(...validatePortNumOrName(child(field, 'targetPort'), port.targetPort));
  if (port.appProtocol !== undefined) {
    const ap = str(port.appProtocol);
    errs.push(...isQualifiedName(ap).map((m) => invalid(child(field, 'appProtocol'), ap, m)));
  }
  return errs;
}

function validateClientIPAffinityConfig(config: unknown, field: string): FieldError[] {
  if (!isRecord(config)) return [required(field, 'when session affinity type is ClientIP')];
  if (!isRecord(config.clientIP)) return [required(child(field, 'clientIP'), 'when session affinity type is ClientIP')];
  const timeout = config.clientIP.timeoutSeconds;
  const path = child(field, 'clientIP', 'timeoutSeconds');
  if (timeout == null) return [required(path, 'when session affinity type is ClientIP')];
  if (typeof timeout !== 'number' || timeout <= 0 || timeout > MAX_CLIENT_IP_AFFINITY_SECONDS) {
    return [invalid(path, timeout, `must be greater than 0 and less than ${MAX_CLIENT_IP_AFFINITY_SECONDS}`)];
  }
  return [];
}

/** clusterIP vs clusterIPs vs ipFamilies vs ipFamilyPolicy, each on its own. */
export function validateServiceClusterIPsRelatedFields(svc: Service): FieldError[] {
  const s = specOf(svc);
  if (s.type === 'ExternalName') return [];
  const errs: FieldError[] = [];
  const clusterIPs = list<string>(s.clusterIPs);
  const families = list<string>(s.ipFamilies);
  if (s.clusterIP) {
    if (clusterIPs.length === 0) errs.push(required('spec.clusterIPs'));
    else if (clusterIPs[0] !== s.clusterIP) errs.push(invalid('spec.clusterIPs', clusterIPs, 'first value must match `clusterIP`'));
  } else if (clusterIPs.length !== 0) {
    errs.push(invalid('spec.clusterIPs', clusterIPs, 'must be empty when `clusterIP` is not specified'));
  }
  const seen = new Set<string>();
  families.forEach((f, i) => {
    if (!IP_FAMILIES.includes(f)) errs.push(notSupported(index('spec.ipFamilies', i), f, IP_FAMILIES));
    if (seen.has(f)) errs.push(duplicate(index('spec.ipFamilies', i), f));
    seen.add(f);
  });
  if (s.ipFamilyPolicy != null && !IP_FAMILY_POLICIES.includes(str(s.ipFamilyPolicy))) {
    errs.push(notSupported('spec.ipFamilyPolicy', s.ipFamilyPolicy, IP_FAMILY_POLICIES));
  }
  let badIPs = false;
  clusterIPs.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (clusterIPs.length > 1) {
        badIPs = true;
        errs.push(invalid('spec.clusterIPs', clusterIPs, "'None' must be the first and only value"));
      }
      return;
    }
    const e = isValidIP(index('spec.clusterIPs', i), ip);
    if (e.length) badIPs = true;
    errs.push(...e);
  });
  if (clusterIPs.length > 2) errs.push(invalid('spec.clusterIPs', clusterIPs, 'may only hold up to 2 values'));
  if (badIPs) return errs;
  if (clusterIPs.length > 1 && ipFamilyOf(clusterIPs[0]) === ipFamilyOf(clusterIPs[1])) {
    errs.push(invalid('spec.clusterIPs', clusterIPs, 'may specify no more than one IP for each IP family'));
  }
  if (!isHeadless(svc) && clusterIPs.length > 0 && families.length > 0) {
    clusterIPs.forEach((ip, i) => {
      if (i >= families.length) return;
      const fam = ipFamilyOf(ip);
      if (families[i] === 'IPv4' && fam === 'IPv6') errs.push(invalid(index('spec.clusterIPs', i), ip, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``));
      if (families[i] === 'IPv6' && fam !== 'IPv6') errs.push(invalid(index('spec.clusterIPs', i), ip, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``));
    });
  }
  return errs;
}

function validateExternalTrafficPolicy(svc: Service): FieldError[] {
  const s = specOf(svc);
  const errs: FieldError[] = [];
  if (!externallyAccessible(svc)) {
    if (s.externalTrafficPolicy) errs.push(invalid('spec.externalTrafficPolicy', s.externalTrafficPolicy, 'may only be set for externally-accessible services'));
  } else if (!s.externalTrafficPolicy) {
    errs.push(required('spec.externalTrafficPolicy'));
  } else if (!TRAFFIC_POLICIES.includes(s.externalTrafficPolicy)) {
    errs.push(notSupported('spec.externalTrafficPolicy', s.externalTrafficPolicy, TRAFFIC_POLICIES));
  }
  const hc = s.healthCheckNodePort ?? 0;
  if (!needsHealthCheck(svc)) {
    if (hc !== 0) errs.push(invalid('spec.healthCheckNodePort', hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
  } else if (hc !== 0) {
    // 0 is allowed here: the allocator assigns one when the write is admitted.
    errs.push(...isValidPortNum(hc).map((m) => invalid('spec.healthCheckNodePort', hc, m)));
  }
  return errs;
}

/** ValidateService without the metadata part (the registry checks metadata). */
export function validateService(svc: Service): FieldError[] {
  const s = specOf(svc);
  const errs: FieldError[] = [];
  const annotations = record(svc.metadata?.annotations);
  const hints = annotations['service.kubernetes.io/topology-aware-hints'];
  const mode = annotations['service.kubernetes.io/topology-mode'];
  if (hints !== undefined && mode !== undefined && hints !== mode) {
    errs.push(invalid(key('metadata.annotations', 'service.kubernetes.io/topology-mode'), mode, 'must match annotations[service.kubernetes.io/topology-aware-hints] when both are specified'));
  }
  const ports = list(s.ports);
  const clusterIPs = list<string>(s.clusterIPs);
  if (ports.length === 0 && !isHeadless(svc) && s.type !== 'ExternalName') errs.push(required('spec.ports'));
  if (s.type === 'LoadBalancer' && isHeadless(svc)) errs.push(invalid('spec.clusterIPs[0]', clusterIPs[0], "may not be set to 'None' for LoadBalancer services"));
  if (s.type === 'NodePort' && isHeadless(svc)) errs.push(invalid('spec.clusterIPs[0]', clusterIPs[0], "may not be set to 'None' for NodePort services"));
  if (s.type === 'ExternalName') {
    if (clusterIPs.length > 0) errs.push(forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
    if (list(s.ipFamilies).length > 0) errs.push(forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
    if (s.ipFamilyPolicy != null) errs.push(forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
    // A trailing dot marks the CNAME target as fully qualified.
    const cname = str(s.externalName).replace(/\.$/, '');
    if (cname) errs.push(...isDNS1123Subdomain(cname).map((m) => invalid('spec.externalName', cname, m)));
    else errs.push(required('spec.externalName'));
  }
  const names = new Set<string>();
  ports.forEach((p, i) => errs.push(...validateServicePort(p, ports.length > 1, names, index('spec.ports', i))));
  if (s.selector != null) errs.push(...validateLabels(s.selector, 'spec.selector'));

  if (!s.sessionAffinity) errs.push(required('spec.sessionAffinity'));
  else if (!AFFINITY_TYPES.includes(s.sessionAffinity)) errs.push(notSupported('spec.sessionAffinity', s.sessionAffinity, AFFINITY_TYPES));
  if (s.sessionAffinity === 'ClientIP') {
    errs.push(...validateClientIPAffinityConfig(s.sessionAffinityConfig, 'spec.sessionAffinityConfig'));
  } else if (s.sessionAffinity === 'None' && s.sessionAffinityConfig) {
    errs.push(forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None'));
  }

  errs.push(...validateServiceClusterIPsRelatedFields(svc));

  list<string>(s.externalIPs).forEach((ip, i) => {
    const e = isValidIP(index('spec.externalIPs', i), ip);
    errs.push(...(e.length ? e : validateNonSpecialIP(index('spec.externalIPs', i), ip)));
  });

  if (!s.type) errs.push(required('spec.type'));
  else if (!SERVICE_TYPES.includes(s.type)) errs.push(notSupported('spec.type', s.type, SERVICE_TYPES));

  if (s.type === 'ClusterIP') {
    ports.forEach((p, i) => {
      if (record(p).nodePort) errs.push(forbidden(child(index('spec.ports', i), 'nodePort'), "may not be used when `type` is 'ClusterIP'"));
    });
  }
  // A node port serves one protocol once; a port serves one protocol once.
  const nodePorts = new Set<string>();
  const portKeys = new Set<string>();
  ports.forEach((p, i) => {
    const r = record(p);
    if (r.nodePort) {
      const k = `${str(r.protocol)}/${String(r.nodePort)}`;
      if (nodePorts.has(k)) errs.push(duplicate(child(index('spec.ports', i), 'nodePort'), r.nodePort));
      nodePorts.add(k);
    }
    const k = `${str(r.protocol)}/${String(r.port)}`;
    if (portKeys.has(k)) errs.push(duplicate(index('spec.ports', i), { protocol: r.protocol, port: r.port }));
    portKeys.add(k);
  });

  const ranges = list<string>(s.loadBalancerSourceRanges);
  if (ranges.length > 0) {
    const path = 'spec.LoadBalancerSourceRanges';
    if (s.type !== 'LoadBalancer') errs.push(forbidden(path, "may only be used when `type` is 'LoadBalancer'"));
    ranges.forEach((r, i) => errs.push(...isValidCIDR(index(path, i), str(r).trim())));
  } else if (annotations[LB_SOURCE_RANGES_ANNOTATION] !== undefined) {
    const path = key('metadata.annotations', LB_SOURCE_RANGES_ANNOTATION);
    if (s.type !== 'LoadBalancer') errs.push(forbidden(path, "may only be used when `type` is 'LoadBalancer'"));
    const val = str(annotations[LB_SOURCE_RANGES_ANNOTATION]).trim();
    if (val) for (const r of val.split(',')) errs.push(...isValidCIDR(path, r.trim()));
  }

  if (s.allocateLoadBalancerNodePorts != null && s.type !== 'LoadBalancer') {
    errs.push(forbidden('spec.allocateLoadBalancerNodePorts', "may only be used when `type` is 'LoadBalancer'"));
  }
  if (s.type === 'LoadBalancer' && (s.allocateLoadBalancerNodePorts == null)) {
    errs.push(required('allocateLoadBalancerNodePorts'));
  }
  if (s.type === 'LoadBalancer') {
    if (s.loadBalancerClass != null) {
      const c = str(s.loadBalancerClass);
      errs.push(...isQualifiedName(c).map((m) => invalid('spec.loadBalancerClass', c, m)));
    }
  } else if (s.loadBalancerClass != null) {
    errs.push(forbidden('spec.loadBalancerClass', "may only be used when `type` is 'LoadBalancer'"));
  }
  errs.push(...validateExternalTrafficPolicy(svc));

  if (s.internalTrafficPolicy == null) {
    if (s.type === 'NodePort' || s.type === 'LoadBalancer' || s.type === 'ClusterIP') errs.push(required('spec.internalTrafficPolicy'));
  } else if (!TRAFFIC_POLICIES.includes(s.internalTrafficPolicy)) {
    errs.push(notSupported('spec.internalTrafficPolicy', s.internalTrafficPolicy, TRAFFIC_POLICIES));
  }
  if (s.trafficDistribution != null && s.trafficDistribution !== 'PreferClose') {
    errs.push(notSupported('spec.trafficDistribution', s.trafficDistribution, ['PreferClose']));
  }
  return errs;
}

/** Type changes to and from ExternalName re-allocate; anything else keeps the cluster IPs. */
function validateUpgradeDowngradeClusterIPs(old: Service, svc: Service): FieldError[] {
  const s = specOf(svc);
  const o = specOf(old);
  if (s.type === 'ExternalName' || o.type === 'ExternalName') return [];
  if (isHeadless(old) && isHeadless(svc)) return [];
  const oldIPs = list<string>(o.clusterIPs);
  const newIPs = list<string>(s.clusterIPs);
  const errs: FieldError[] = [];
  if (oldIPs.length === newIPs.length) {
    oldIPs.forEach((ip, i) => {
      if (ip !== newIPs[i]) errs.push(invalid(index('spec.clusterIPs', i), newIPs, 'may not change once set'));
    });
  } else if (oldIPs.length > newIPs.length) {
    if (newIPs.length === 0) errs.push(invalid('spec.clusterIPs[0]', newIPs, 'primary clusterIP can not be unset'));
    if (oldIPs.length > 0 && newIPs.length > 0 && newIPs[0] !== oldIPs[0]) errs.push(invalid('spec.clusterIPs[0]', newIPs, 'may not change once set'));
    if (newIPs.length === 1 && s.ipFamilyPolicy !== 'SingleStack') {
      errs.push(invalid('spec.ipFamilyPolicy', s.ipFamilyPolicy ?? null, "must be set to 'SingleStack' when releasing the secondary clusterIP"));
    }
  } else if (oldIPs.length > 0 && newIPs[0] !== oldIPs[0]) {
    errs.push(invalid('spec.clusterIPs[0]', newIPs, 'may not change once set'));
  }
  return errs;
}

function validateUpgradeDowngradeIPFamilies(old: Service, svc: Service): FieldError[] {
  const s = specOf(svc);
  const o = specOf(old);
  if (s.type === 'ExternalName' || o.type === 'ExternalName') return [];
  if (isHeadless(old) !== isHeadless(svc) || isHeadless(svc)) return [];
  const oldF = list<string>(o.ipFamilies);
  const newF = list<string>(s.ipFamilies);
  const errs: FieldError[] = [];
  if (oldF.length === newF.length) {
    oldF.forEach((f, i) => {
      if (f !== newF[i]) errs.push(invalid('spec.ipFamilies[0]', newF, 'may not change once set'));
    });
  } else if (oldF.length > newF.length) {
    if (list(s.clusterIPs).length === 0) errs.push(invalid('spec.ipFamilies[0]', newF, 'primary ipFamily can not be unset'));
    if (newF.length > 0 && newF[0] !== oldF[0]) errs.push(invalid('spec.ipFamilies[0]', list(s.clusterIPs), 'may not change once set'));
    if (newF.length === 1 && s.ipFamilyPolicy !== 'SingleStack') {
      errs.push(invalid('spec.ipFamilyPolicy', s.ipFamilyPolicy ?? null, "must be set to 'SingleStack' when releasing the secondary ipFamily"));
    }
  } else if (oldF.length > 0 && newF.length > 0 && newF[0] !== oldF[0]) {
    errs.push(invalid('spec.ipFamilies[0]', list(s.clusterIPs), 'may not change once set'));
  }
  return errs;
}

/** ValidateServiceUpdate without metadata: immutable cluster IPs, families, class and health check port. */
export function validateServiceUpdate(svc: Service, old: Service): FieldError[] {
  const s = specOf(svc);
  const o = specOf(old);
  const errs = [...validateUpgradeDowngradeClusterIPs(old, svc), ...validateUpgradeDowngradeIPFamilies(old, svc)];
  if (o.type === 'LoadBalancer' && s.type === 'LoadBalancer' && (o.loadBalancerClass ?? null) !== (s.loadBalancerClass ?? null)) {
    errs.push(invalid('spec.loadBalancerClass', s.loadBalancerClass ?? null, 'may not change once set'));
  }
  if (needsHealthCheck(old) && needsHealthCheck(svc) && (s.healthCheckNodePort ?? 0) !== (o.healthCheckNodePort ?? 0)) {
    errs.push(forbidden('spec.healthCheckNodePort', 'field is immutable'));
  }
  return errs.concat(validateService(svc));
}

/**
 * What this cluster can serve: one IP family, the service CIDR's (upstream's initIPFamilyFields
 * errors). Headless Services without a selector may name both families.
 */
export function validateIPFamilyFields(svc: Service, old: Service | undefined, clusterFamily: IPFamily): FieldError[] {
  const s = specOf(svc);
  if (s.type === 'ExternalName') return [];
  const errs: FieldError[] = [];
  const clusterIPs = list<string>(s.clusterIPs);
  const families = list<string>(s.ipFamilies);
  if (old && s.ipFamilyPolicy !== 'SingleStack') {
    const oldSpec = specOf(old);
    if (clusterIPs.length > 0 && clusterIPs.length < list(oldSpec.clusterIPs).length) {
      errs.push(invalid('spec.ipFamilyPolicy', s.ipFamilyPolicy ?? null, "must be 'SingleStack' to release the secondary cluster IP"));
    }
    if (families.length > 0 && families.length < list(oldSpec.ipFamilies).length) {
      errs.push(invalid('spec.ipFamilyPolicy', s.ipFamilyPolicy ?? null, "must be 'SingleStack' to release the secondary IP family"));
    }
  }
  if (s.ipFamilyPolicy === 'SingleStack') {
    if (clusterIPs.length === 2) errs.push(invalid('spec.ipFamilyPolicy', s.ipFamilyPolicy, "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified"));
    if (families.length === 2) errs.push(invalid('spec.ipFamilyPolicy', s.ipFamilyPolicy, "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"));
  }
  for (let i = 0; i < clusterIPs.length && clusterIPs[i] !== 'None'; i++) {
    const fam = parseIP(clusterIPs[i])?.family;
    if (fam && fam !== clusterFamily && i >= families.length) {
      errs.push(invalid(index('spec.clusterIPs', i), clusterIPs, `${fam} is not configured on this cluster`));
    }
  }
  if (errs.length) return errs;
  if (s.clusterIP === 'None' && Object.keys(record(s.selector)).length === 0) return [];
  if (s.ipFamilyPolicy === 'RequireDualStack') errs.push(invalid('spec.ipFamilyPolicy', s.ipFamilyPolicy, 'this cluster is not configured for dual-stack services'));
  families.forEach((f, i) => {
    if (f !== clusterFamily && IP_FAMILIES.includes(f)) errs.push(invalid(index('spec.ipFamilies', i), f, 'not configured on this cluster'));
  });
  return errs;
}

/** The status subresource: load-balancer ingress entries. */
export function validateServiceStatusUpdate(svc: Service): FieldError[] {
  const s = specOf(svc);
  const ingress = list<Record<string, unknown>>(record(record(svc.status).loadBalancer).ingress);
  const path = 'status.loadBalancer.ingress';
  if (s.type !== 'LoadBalancer' && ingress.length) return [forbidden(path, "may only be used when `spec.type` is 'LoadBalancer'")];
  const errs: FieldError[] = [];
  ingress.forEach((ing, i) => {
    const p = index(path, i);
    const ip = str(record(ing).ip);
    const mode = record(ing).ipMode;
    if (ip) errs.push(...isValidIP(child(p, 'ip'), ip));
    if (mode != null) {
      if (!ip) errs.push(forbidden(child(p, 'ipMode'), 'may not be specified when `ip` is not set'));
      else if (mode !== 'VIP' && mode !== 'Proxy') errs.push(notSupported(child(p, 'ipMode'), mode, ['Proxy', 'VIP']));
    } else if (ip) {
      errs.push(required(child(p, 'ipMode'), 'must be specified when `ip` is set'));
    }
    const hostname = str(record(ing).hostname);
    if (hostname) errs.push(...validateLoadBalancerHostname(hostname, child(p, 'hostname')));
  });
  return errs;
}
