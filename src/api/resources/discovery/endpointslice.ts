// discovery.k8s.io/v1 EndpointSlice (pkg/apis/discovery/validation).

import { duplicate, invalid, notSupported, required, tooMany, type FieldError } from '../../../kube/errors.js';
import type { ResourceDef } from '../../resource.js';
import type { KubeObject } from '../../../kube/types.js';
import { child, index } from '../../validation/fieldpath.js';
import { isValidIPv4Address, isValidIPv6Address, validateNonSpecialIP } from '../../validation/ip.js';
import { validateImmutableField } from '../../validation/meta.js';
import { validateProtocol } from '../../validation/ports.js';
import { isDNS1123Label, isDNS1123Subdomain, isFullyQualifiedDomainName, isQualifiedName, isValidLabelValue } from '../../validation/strings.js';
import { isRecord, list, record, str } from '../../validation/values.js';

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
export const MAX_ENDPOINTS = 1000;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 20000;
const MAX_ZONE_HINTS = 8;

function validateEndpoint(raw: unknown, addressType: string, field: string): FieldError[] {
  const ep = record(raw);
  const errs: FieldError[] = [];
  const addrPath = child(field, 'addresses');
  const addresses = list<string>(ep.addresses);
  if (addresses.length === 0) errs.push(required(addrPath, 'must contain at least 1 address'));
  else if (addresses.length > MAX_ADDRESSES) errs.push(tooMany(addrPath, addresses.length, MAX_ADDRESSES));
  addresses.forEach((a, i) => {
    const p = index(addrPath, i);
    const addr = str(a);
    if (addressType === 'IPv4') errs.push(...isValidIPv4Address(p, addr), ...validateNonSpecialIP(p, addr));
    if (addressType === 'IPv6') errs.push(...isValidIPv6Address(p, addr), ...validateNonSpecialIP(p, addr));
    if (addressType === 'FQDN') {
      if (!addr) errs.push(required(p));
      else {
        const bad = isFullyQualifiedDomainName(addr);
        if (bad) errs.push(invalid(p, bad.value, bad.detail));
      }
    }
  });
  if (ep.nodeName != null) {
    const n = str(ep.nodeName);
    errs.push(...isDNS1123Subdomain(n).map((m) => invalid(child(field, 'nodeName'), n, m)));
  }
  if (ep.hostname != null) {
    const h = str(ep.hostname);
    errs.push(...isDNS1123Label(h).map((m) => invalid(child(field, 'hostname'), h, m)));
  }
  const zones = list(record(ep.hints).forZones);
  const zonePath = child(field, 'hints', 'forZones');
  if (zones.length > MAX_ZONE_HINTS) return [...errs, tooMany(zonePath, zones.length, MAX_ZONE_HINTS)];
  const seen = new Set<string>();
  zones.forEach((z, i) => {
    const name = str(record(z).name);
    const p = child(index(zonePath, i), 'name');
    if (seen.has(name)) errs.push(duplicate(p, name));
    seen.add(name);
    errs.push(...isValidLabelValue(name).map((m) => invalid(p, name, m)));
  });
  return errs;
}

function validatePorts(ports: unknown): FieldError[] {
  const list_ = list(ports);
  if (list_.length > MAX_PORTS) return [tooMany('ports', list_.length, MAX_PORTS)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  list_.forEach((raw, i) => {
    const p = record(raw);
    const path = index('ports', i);
    const name = str(p.name);
    if (name) errs.push(...isDNS1123Label(name).map((m) => invalid(child(path, 'name'), name, m)));
    if (names.has(name)) errs.push(duplicate(child(path, 'name'), name));
    names.add(name);
    errs.push(...validateProtocol(child(path, 'protocol'), p.protocol));
    if (p.appProtocol != null) {
      errs.push(...isQualifiedName(str(p.appProtocol)).map((m) => invalid(child(path, 'appProtocol'), str(p.appProtocol), m)));
    }
  });
  return errs;
}

export function validateEndpointSlice(o: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const addressType = str(o.addressType);
  if (!addressType) errs.push(required('addressType'));
  else if (!ADDRESS_TYPES.includes(addressType)) errs.push(notSupported('addressType', o.addressType, ADDRESS_TYPES));
  const endpoints = list(o.endpoints);
  if (endpoints.length > MAX_ENDPOINTS) errs.push(tooMany('endpoints', endpoints.length, MAX_ENDPOINTS));
  else endpoints.forEach((ep, i) => errs.push(...validateEndpoint(ep, addressType, index('endpoints', i))));
  return errs.concat(validatePorts(o.ports));
}

export function endpointSliceResource(): ResourceDef {
  return {
    group: 'discovery.k8s.io',
    version: 'v1',
    kind: 'EndpointSlice',
    plural: 'endpointslices',
    singular: 'endpointslice',
    namespaced: true,
    hasGeneration: true,
    schemaName: 'io.k8s.api.discovery.v1.EndpointSlice',
    defaults(o) {
      for (const p of list<Record<string, unknown>>(o.ports)) {
        if (!isRecord(p)) continue;
        if (p.name == null) p.name = '';
        if (!p.protocol) p.protocol = 'TCP';
      }
    },
    validate: validateEndpointSlice,
    validateUpdate: (o, old) => [...validateEndpointSlice(o), ...validateImmutableField(o.addressType, old.addressType, 'addressType')],
  };
}
