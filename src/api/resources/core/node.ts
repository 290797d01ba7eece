// core/v1 Node (pkg/registry/core/node): taints, pod CIDRs that may be set once, and the status
// the node agent writes.

import { duplicate, forbidden, invalid, notSupported, required, type FieldError } from '../../../kube/errors.js';
import type { ResourceDef } from '../../resource.js';
import type { KubeObject } from '../../../kube/types.js';
import { child, index } from '../../validation/fieldpath.js';
import { isValidCIDR, parseCIDR } from '../../validation/ip.js';
import { validateLabelName } from '../../validation/meta.js';
import { isValidLabelValue } from '../../validation/strings.js';
import { deepEqual, isRecord, list, record, str } from '../../validation/values.js';
import { boolField, splitStatus } from '../common.js';

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

function validateTaints(taints: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  list(taints).forEach((raw, i) => {
    const t = record(raw);
    const path = index(field, i);
    errs.push(...validateLabelName(str(t.key), child(path, 'key')));
    const msgs = isValidLabelValue(str(t.value));
    if (msgs.length) errs.push(invalid(child(path, 'value'), str(t.value), msgs.join(';')));
    if (!t.effect) errs.push(required(child(path, 'effect')));
    else if (!TAINT_EFFECTS.includes(str(t.effect))) errs.push(notSupported(child(path, 'effect'), t.effect, TAINT_EFFECTS));
    const k = `${str(t.effect)}/${str(t.key)}`;
    if (seen.has(k)) errs.push({ ...duplicate(path, t), detail: 'taints must be unique by key and effect pair' });
    seen.add(k);
  });
  return errs;
}

function validateNode(o: KubeObject): FieldError[] {
  const spec = record(o.spec);
  // Upstream reports taints under metadata.
  const errs = validateTaints(spec.taints, 'metadata.taints');
  const cidrs = list<string>(spec.podCIDRs);
  cidrs.forEach((c, i) => errs.push(...isValidCIDR(index('spec.podCIDRs', i), str(c))));
  if (cidrs.length > 1) {
    const families = cidrs.map((c) => parseCIDR(str(c))?.ip.family);
    if (cidrs.length > 2 || families[0] === families[1]) errs.push(invalid('spec.podCIDRs', cidrs, 'may specify no more than one CIDR for each IP family'));
    cidrs.forEach((c, i) => { if (cidrs.indexOf(c) !== i) errs.push(duplicate(index('spec.podCIDRs', i), c)); });
  }
  return errs;
}

function validateNodeUpdate(o: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateNode(o);
  const spec = record(o.spec);
  const prev = record(old.spec);
  const oldCIDRs = list<string>(prev.podCIDRs);
  if (oldCIDRs.length > 0 && !deepEqual(oldCIDRs, list(spec.podCIDRs))) {
    errs.push(forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'));
  }
  if (str(prev.providerID) && prev.providerID !== spec.providerID) {
    errs.push(forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  }
  const seen = new Set<string>();
  list(record(o.status).addresses).forEach((a, i) => {
    const k = JSON.stringify([record(a).type, record(a).address]);
    if (seen.has(k)) errs.push(duplicate(index('status.addresses', i), a));
    seen.add(k);
  });
  return errs;
}

export function nodeResource(): ResourceDef {
  return {
    group: '',
    version: 'v1',
    kind: 'Node',
    plural: 'nodes',
    singular: 'node',
    shortNames: ['no'],
    namespaced: false,
    subresources: ['status'],
    hasStatus: true,
    schemaName: 'io.k8s.api.core.v1.Node',

    defaults(o) {
      const status = o.status;
      if (isRecord(status) && status.allocatable === undefined && isRecord(status.capacity)) status.allocatable = { ...status.capacity };
      // podCIDR mirrors podCIDRs[0] (v1 conversion).
      const spec = record(o.spec);
      if (spec.podCIDR && list(spec.podCIDRs).length === 0) spec.podCIDRs = [spec.podCIDR];
      if (!spec.podCIDR && list(spec.podCIDRs).length > 0) spec.podCIDR = list(spec.podCIDRs)[0];
    },
    prepareForUpdate: splitStatus,
    validate: validateNode,
    validateUpdate: validateNodeUpdate,
    fieldSelectors: {
      'spec.unschedulable': (o) => boolField(record(o.spec).unschedulable),
    },
  };
}
