// networking.k8s.io/v1 NetworkPolicy (pkg/apis/networking/validation ValidateNetworkPolicy*,
// networking/v1 defaults).

import { forbidden, GoStringSlice, invalid, notSupported, required, type FieldError } from '../../../kube/errors.js';
import type { ResourceDef } from '../../resource.js';
import { NETWORK_POLICY_MODE_ANNOTATION, type KubeObject } from '../../../kube/types.js';
import { child, index } from '../../validation/fieldpath.js';
import { cidrContains, isValidCIDR, parseCIDR } from '../../validation/ip.js';
import { isValidPortName, isValidPortNum, SUPPORTED_PROTOCOLS } from '../../validation/ports.js';
import { validateLabelSelector } from '../../validation/selectors.js';
import { isRecord, list, num, record, str } from '../../validation/values.js';
import { ensureObject } from '../common.js';

const PROTOCOLS_IN_ORDER = ['TCP', 'UDP', 'SCTP'];

function validatePort(raw: unknown, field: string): FieldError[] {
  const p = record(raw);
  const errs: FieldError[] = [];
  if (p.protocol != null && !SUPPORTED_PROTOCOLS.includes(str(p.protocol))) {
    errs.push(notSupported(child(field, 'protocol'), p.protocol, PROTOCOLS_IN_ORDER));
  }
  const endPort = p.endPort;
  if (typeof p.port === 'number') {
    errs.push(...isValidPortNum(p.port).map((m) => invalid(child(field, 'port'), p.port, m)));
    if (endPort != null) {
      const e = num(endPort) ?? 0;
      if (e < p.port) errs.push(invalid(child(field, 'endPort'), e, 'must be greater than or equal to `port`'));
      errs.push(...isValidPortNum(e).map((m) => invalid(child(field, 'endPort'), e, m)));
    }
  } else if (typeof p.port === 'string') {
    if (endPort != null) errs.push(invalid(child(field, 'endPort'), endPort, 'may not be specified when `port` is non-numeric'));
    errs.push(...isValidPortName(p.port).map((m) => invalid(child(field, 'port'), p.port, m)));
  } else if (endPort != null) {
    errs.push(invalid(child(field, 'endPort'), endPort, 'may not be specified when `port` is not specified'));
  }
  return errs;
}

function validateIPBlock(b: Record<string, unknown>, field: string): FieldError[] {
  const cidr = str(b.cidr);
  if (!cidr) return [required(child(field, 'cidr'))];
  const errs = isValidCIDR(child(field, 'cidr'), cidr);
  const net = parseCIDR(cidr);
  if (!net) return errs;
  list(b.except).forEach((raw, i) => {
    const e = str(raw);
    const p = index(child(field, 'except'), i);
    errs.push(...isValidCIDR(p, e));
    const ex = parseCIDR(e);
    if (ex && (!cidrContains(net, ex.ip) || net.prefix >= ex.prefix)) errs.push(invalid(p, e, 'must be a strict subset of `cidr`'));
  });
  return errs;
}

function validatePeer(raw: unknown, field: string): FieldError[] {
  const peer = record(raw);
  const errs: FieldError[] = [];
  let count = 0;
  if (isRecord(peer.podSelector)) { count++; errs.push(...validateLabelSelector(peer.podSelector, child(field, 'podSelector'))); }
  if (isRecord(peer.namespaceSelector)) { count++; errs.push(...validateLabelSelector(peer.namespaceSelector, child(field, 'namespaceSelector'))); }
  if (isRecord(peer.ipBlock)) { count++; errs.push(...validateIPBlock(peer.ipBlock, child(field, 'ipBlock'))); }
  if (count === 0) errs.push(required(field, 'must specify a peer'));
  else if (count > 1 && isRecord(peer.ipBlock)) errs.push(forbidden(field, 'may not specify both ipBlock and another peer'));
  return errs;
}

export function validateNetworkPolicySpec(o: KubeObject): FieldError[] {
  const spec = record(o.spec);
  const errs = validateLabelSelector(spec.podSelector ?? {}, 'spec.podSelector');
  for (const [dir, peers] of [['ingress', 'from'], ['egress', 'to']] as const) {
    list(spec[dir]).forEach((raw, i) => {
      const rule = record(raw);
      const path = index(`spec.${dir}`, i);
      list(rule.ports).forEach((p, j) => errs.push(...validatePort(p, index(child(path, 'ports'), j))));
      list(rule[peers]).forEach((p, j) => errs.push(...validatePeer(p, index(child(path, peers), j))));
    });
  }
  const types = list(spec.policyTypes);
  if (types.length > 2) return [...errs, invalid('spec.policyTypes', new GoStringSlice('networking.PolicyType', types.map(str)), 'may not specify more than two policyTypes')];
  types.forEach((t, i) => {
    if (t !== 'Ingress' && t !== 'Egress') errs.push(notSupported(index('spec.policyTypes', i), t, ['Ingress', 'Egress']));
  });
  return errs;
}

export function networkPolicyResource(): ResourceDef {
  return {
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'NetworkPolicy',
    plural: 'networkpolicies',
    singular: 'networkpolicy',
    shortNames: ['netpol'],
    namespaced: true,
    hasGeneration: true,
    schemaName: 'io.k8s.api.networking.v1.NetworkPolicy',
    defaults(o) {
      const spec = ensureObject(o, 'spec');
      if (!isRecord(spec.podSelector)) spec.podSelector = {};
      for (const dir of ['ingress', 'egress']) {
        for (const rule of list<Record<string, unknown>>(spec[dir])) {
          for (const p of list<Record<string, unknown>>(record(rule).ports)) if (isRecord(p) && !p.protocol) p.protocol = 'TCP';
        }
      }
      // A policy that names no types isolates ingress, and egress when it has egress rules.
      if (list(spec.policyTypes).length === 0) spec.policyTypes = list(spec.egress).length ? ['Ingress', 'Egress'] : ['Ingress'];
    },
    validate: validateNetworkPolicySpec,
    validateUpdate: (o) => validateNetworkPolicySpec(o),
    warnings(o) {
      const mode = o.metadata.annotations?.[NETWORK_POLICY_MODE_ANNOTATION];
      if (mode === undefined || mode === 'audit' || mode === 'enforce') return [];
      return [`metadata.annotations[${NETWORK_POLICY_MODE_ANNOTATION}]: unknown mode ${JSON.stringify(mode)}: the policy is enforced; use "audit" to log what it would deny without denying it`];
    },
  };
}
