// core/v1 Endpoints (pkg/apis/core/validation ValidateEndpoints).

import { invalid, required, type FieldError } from '../../../kube/errors.js';
import type { ResourceDef } from '../../resource.js';
import type { KubeObject } from '../../../kube/types.js';
import { child, index } from '../../validation/fieldpath.js';
import { isValidIP, validateNonSpecialIP } from '../../validation/ip.js';
import { isValidPortNum, validateProtocol } from '../../validation/ports.js';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName } from '../../validation/strings.js';
import { isRecord, list, record, str } from '../../validation/values.js';

function validateAddress(a: Record<string, unknown>, field: string): FieldError[] {
  const ip = str(a.ip);
  const errs = isValidIP(child(field, 'ip'), ip);
  const hostname = str(a.hostname);
  if (hostname) errs.push(...isDNS1123Label(hostname).map((m) => invalid(child(field, 'hostname'), hostname, m)));
  if (a.nodeName != null) {
    const n = str(a.nodeName);
    errs.push(...isDNS1123Subdomain(n).map((m) => invalid(child(field, 'nodeName'), n, m)));
  }
  return errs.concat(validateNonSpecialIP(child(field, 'ip'), ip));
}

export function validateEndpoints(o: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  list(o.subsets).forEach((raw, i) => {
    const ss = record(raw);
    const path = index('subsets', i);
    if (list(ss.addresses).length === 0 && list(ss.notReadyAddresses).length === 0) {
      errs.push(required(path, 'must specify `addresses` or `notReadyAddresses`'));
    }
    list(ss.addresses).forEach((a, j) => errs.push(...validateAddress(record(a), index(child(path, 'addresses'), j))));
    list(ss.notReadyAddresses).forEach((a, j) => errs.push(...validateAddress(record(a), index(child(path, 'notReadyAddresses'), j))));
    const ports = list(ss.ports);
    ports.forEach((raw2, j) => {
      const p = record(raw2);
      const pp = index(child(path, 'ports'), j);
      const name = str(p.name);
      if (ports.length > 1 && !name) errs.push(required(child(pp, 'name')));
      else if (name) errs.push(...isDNS1123Label(name).map((m) => invalid(child(pp, 'name'), name, m)));
      const n = typeof p.port === 'number' ? p.port : 0;
      errs.push(...isValidPortNum(n).map((m) => invalid(child(pp, 'port'), n, m)));
      errs.push(...validateProtocol(child(pp, 'protocol'), p.protocol));
      if (p.appProtocol !== undefined) errs.push(...isQualifiedName(str(p.appProtocol)).map((m) => invalid(child(pp, 'appProtocol'), str(p.appProtocol), m)));
    });
  });
  return errs;
}

export function endpointsResource(): ResourceDef {
  return {
    group: '',
    version: 'v1',
    kind: 'Endpoints',
    plural: 'endpoints',
    singular: 'endpoints',
    shortNames: ['ep'],
    namespaced: true,
    schemaName: 'io.k8s.api.core.v1.Endpoints',
    defaults(o) {
      for (const ss of list<Record<string, unknown>>(o.subsets)) {
        for (const p of list<Record<string, unknown>>(record(ss).ports)) if (isRecord(p) && !p.protocol) p.protocol = 'TCP';
      }
    },
    validate: validateEndpoints,
    validateUpdate: (o) => validateEndpoints(o),
  };
}
