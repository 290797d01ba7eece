// coordination.k8s.io/v1 Lease (pkg/apis/coordination/validation ValidateLease).

import { forbidden, invalid, notSupported, type FieldError } from '../../../kube/errors.js';
import type { ResourceDef } from '../../resource.js';
import type { KubeObject } from '../../../kube/types.js';
import { isQualifiedName } from '../../validation/strings.js';
import { num, record, str } from '../../validation/values.js';

function validateLease(o: KubeObject): FieldError[] {
  const spec = record(o.spec);
  const errs: FieldError[] = [];
  if (spec.leaseDurationSeconds != null && (num(spec.leaseDurationSeconds) ?? 0) <= 0) {
    errs.push(invalid('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'));
  }
  if (spec.leaseTransitions != null && (num(spec.leaseTransitions) ?? 0) < 0) {
    errs.push(invalid('spec.leaseTransitions', spec.leaseTransitions, 'must be greater than or equal to 0'));
  }
  if (spec.strategy != null) {
    const s = str(spec.strategy);
    if (!s.includes('/')) {
      if (s !== 'OldestEmulationVersion') errs.push(notSupported('spec.strategy.strategy', s, ['OldestEmulationVersion']));
    } else {
      errs.push(...isQualifiedName(s).map((m) => invalid('spec.strategy.strategy', s, m)));
    }
  }
  if (str(spec.preferredHolder) && !str(spec.strategy)) errs.push(forbidden('spec.preferredHolder', 'may only be specified if `strategy` is defined'));
  return errs;
}

export function leaseResource(): ResourceDef {
  return {
    group: 'coordination.k8s.io',
    version: 'v1',
    kind: 'Lease',
    plural: 'leases',
    singular: 'lease',
    namespaced: true,
    schemaName: 'io.k8s.api.coordination.v1.Lease',
    validate: validateLease,
    validateUpdate: (o) => validateLease(o),
  };
}
