// networking.k8s.io/v1 Ingress (pkg/apis/networking/validation ValidateIngress*).

import { invalid, notSupported, required, type FieldError } from '../../../kube/errors.js';
import type { ResourceDef } from '../../resource.js';
import type { KubeObject } from '../../../kube/types.js';
import { child, index } from '../../validation/fieldpath.js';
import { isValidIP, parseIP } from '../../validation/ip.js';
import { nameValidators } from '../../validation/meta.js';
import { isValidPortName, isValidPortNum } from '../../validation/ports.js';
import { isDNS1123Subdomain, isValidPathSegmentName, isWildcardDNS1123Subdomain } from '../../validation/strings.js';
import { isRecord, list, num, record, str } from '../../validation/values.js';
import { splitStatus, validateLoadBalancerHostname } from '../common.js';

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];
const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

function validateBackend(b: unknown, field: string): FieldError[] {
  const backend = record(b);
  const hasResource = isRecord(backend.resource);
  const hasService = isRecord(backend.service);
  if (hasResource && hasService) return [invalid(field, '', 'cannot set both resource and service backends')];
  if (hasResource) {
    const r = backend.resource as Record<string, unknown>;
    const p = child(field, 'resource');
    const errs: FieldError[] = [];
    if (r.apiGroup != null) errs.push(...isDNS1123Subdomain(str(r.apiGroup)).map((m) => invalid(child(p, 'apiGroup'), str(r.apiGroup), m)));
    for (const f of ['kind', 'name']) {
      if (!str(r[f])) errs.push(required(child(p, f)));
      else errs.push(...isValidPathSegmentName(str(r[f])).map((m) => invalid(child(p, f), str(r[f]), m)));
    }
    return errs;
  }
  if (!hasService) return [invalid(field, '', 'resource or service backend is required')];
  const svc = backend.service as Record<string, unknown>;
  const errs: FieldError[] = [];
  const name = str(svc.name);
  if (!name) errs.push(required(child(field, 'service', 'name')));
  else errs.push(...nameValidators.dns1035Label(name, false).map((m) => invalid(child(field, 'service', 'name'), name, m)));
  const port = record(svc.port);
  const portName = str(port.name);
  const portNumber = num(port.number) ?? 0;
  if (portName && portNumber) errs.push(invalid(field, '', 'cannot set both port name & port number'));
  else if (portName) errs.push(...isValidPortName(portName).map((m) => invalid(child(field, 'service', 'port', 'name'), portName, m)));
  else if (portNumber) errs.push(...isValidPortNum(portNumber).map((m) => invalid(child(field, 'service', 'port', 'number'), portNumber, m)));
  else errs.push(required(field, 'port name or number is required'));
  return errs;
}

function validateHTTPPath(p: Record<string, unknown>, field: string): FieldError[] {
  if (p.pathType == null) return [required(child(field, 'pathType'), 'pathType must be specified')];
  const path = str(p.path);
  const errs: FieldError[] = [];
  if (p.pathType === 'Exact' || p.pathType === 'Prefix') {
    if (!path.startsWith('/')) errs.push(invalid(child(field, 'path'), path, 'must be an absolute path'));
    if (path) {
      for (const seq of INVALID_PATH_SEQUENCES) if (path.includes(seq)) errs.push(invalid(child(field, 'path'), path, `must not contain '${seq}'`));
      for (const suffix of INVALID_PATH_SUFFIXES) if (path.endsWith(suffix)) errs.push(invalid(child(field, 'path'), path, `cannot end with '${suffix}'`));
    }
  } else if (p.pathType === 'ImplementationSpecific') {
    if (path && !path.startsWith('/')) errs.push(invalid(child(field, 'path'), path, 'must be an absolute path'));
  } else {
    errs.push(notSupported(child(field, 'pathType'), p.pathType, PATH_TYPES));
  }
  return errs.concat(validateBackend(p.backend, child(field, 'backend')));
}

function validateHost(host: string, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (parseIP(host)) errs.push(invalid(field, host, 'must be a DNS name, not an IP address'));
  const msgs = host.includes('*') ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host);
  return errs.concat(msgs.map((m) => invalid(field, host, m)));
}

export function validateIngressSpec(o: KubeObject): FieldError[] {
  const spec = record(o.spec);
  const rules = list(spec.rules);
  const errs: FieldError[] = [];
  if (rules.length === 0 && !isRecord(spec.defaultBackend)) errs.push(invalid('spec', spec.rules ?? null, 'either `defaultBackend` or `rules` must be specified'));
  if (spec.defaultBackend != null) errs.push(...validateBackend(spec.defaultBackend, 'spec.defaultBackend'));
  rules.forEach((raw, i) => {
    const rule = record(raw);
    const path = index('spec.rules', i);
    const host = str(rule.host);
    if (host) errs.push(...validateHost(host, child(path, 'host')));
    if (isRecord(rule.http)) {
      const paths = list(rule.http.paths);
      if (paths.length === 0) errs.push(required(child(path, 'http', 'paths')));
      paths.forEach((p, j) => errs.push(...validateHTTPPath(record(p), index(child(path, 'http', 'paths'), j))));
    }
  });
  list(spec.tls).forEach((raw, i) => {
    const tls = record(raw);
    const path = index('spec.tls', i);
    list(tls.hosts).forEach((h, j) => {
      const host = str(h);
      const msgs = host.includes('*') ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host);
      errs.push(...msgs.map((m) => invalid(index(child(path, 'hosts'), j), host, m)));
    });
    const secret = str(tls.secretName);
    if (secret) errs.push(...isDNS1123Subdomain(secret).map((m) => invalid(child(path, 'secretName'), secret, m)));
  });
  if (spec.ingressClassName != null) {
    const c = str(spec.ingressClassName);
    errs.push(...isDNS1123Subdomain(c).map((m) => invalid('spec.ingressClassName', c, m)));
  }
  return errs;
}

function validateIngressStatus(o: KubeObject): FieldError[] {
  return list(record(record(o.status).loadBalancer).ingress).flatMap((raw, i) => {
    const ing = record(raw);
    const path = index('status.loadBalancer.ingress', i);
    const errs = str(ing.ip) ? isValidIP(child(path, 'ip'), str(ing.ip)) : [];
    const hostname = str(ing.hostname);
    return hostname ? [...errs, ...validateLoadBalancerHostname(hostname, child(path, 'hostname'))] : errs;
  });
}

export const NO_INGRESS_CONTROLLER = 'knit runs no Ingress controller yet: this Ingress is stored, but no traffic follows its rules';

export function ingressResource(): ResourceDef {
  return {
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'Ingress',
    plural: 'ingresses',
    singular: 'ingress',
    shortNames: ['ing'],
    namespaced: true,
    subresources: ['status'],
    hasStatus: true,
    hasGeneration: true,
    schemaName: 'io.k8s.api.networking.v1.Ingress',
    prepareForCreate(o) { o.status = { loadBalancer: {} }; },
    prepareForUpdate: splitStatus,
    validate(o) {
      const errs = validateIngressSpec(o);
      const annotation = record(o.metadata?.annotations)[INGRESS_CLASS_ANNOTATION];
      const className = record(o.spec).ingressClassName;
      if (annotation !== undefined && className != null && annotation !== className) {
        errs.push(invalid(`annotations.${INGRESS_CLASS_ANNOTATION}`, annotation, 'must match `ingressClassName` when both are specified'));
      }
      return errs;
    },
    validateUpdate: (o, _old, subresource) => (subresource === 'status' ? validateIngressStatus(o) : validateIngressSpec(o)),
    // knit never accepts silently what it does not do: no controller serves Ingresses yet.
    warnings: () => [NO_INGRESS_CONTROLLER],
  };
}
