// apps/v1 StatefulSet (pkg/apis/apps/validation ValidateStatefulSet*, apps/v1 defaults).

import { forbidden, invalid, required, type FieldError } from '../../../kube/errors.js';
import type { ResourceDef } from '../../resource.js';
import type { KubeObject } from '../../../kube/types.js';
import { validateNonnegativeField } from '../../validation/meta.js';
import { deepEqual, isRecord, num, record } from '../../validation/values.js';
import { selectorImmutable, workloadBase } from './deployment.js';
import { ensureObject } from '../common.js';
import {
  intOrPercentValue, isNotMoreThan100Percent, setTemplateDefaults, validateCollisionCount, validatePositiveIntOrPercent,
  validateReplicaStatus, validateSelector, validateTemplateForSelector,
} from './workload.js';

function validateUpdateStrategy(strategy: unknown): FieldError[] {
  const s = record(strategy);
  const path = 'spec.updateStrategy';
  switch (s.type) {
    case undefined: case null: case '':
      return [required(path)];
    case 'OnDelete':
      return s.rollingUpdate != null ? [invalid(`${path}.rollingUpdate`, s.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'")] : [];
    case 'RollingUpdate': {
      if (!isRecord(s.rollingUpdate)) return [];
      const ru = s.rollingUpdate;
      const errs = validateNonnegativeField(num(ru.partition) ?? 0, `${path}.rollingUpdate.partition`);
      if (ru.maxUnavailable != null) {
        const p = `${path}.rollingUpdate.maxUnavailable`;
        errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, p));
        if (intOrPercentValue(ru.maxUnavailable) === 0) errs.push(invalid(p, ru.maxUnavailable, 'cannot be 0'));
        errs.push(...isNotMoreThan100Percent(ru.maxUnavailable, p));
      }
      return errs;
    }
    default:
      return [invalid(path, strategy, "must be 'RollingUpdate' or 'OnDelete'")];
  }
}

function validateStatefulSetSpec(o: KubeObject): FieldError[] {
  const spec = record(o.spec);
  const errs: FieldError[] = [];
  const pmp = spec.podManagementPolicy;
  if (!pmp) errs.push(required('spec.podManagementPolicy'));
  else if (pmp !== 'OrderedReady' && pmp !== 'Parallel') errs.push(invalid('spec.podManagementPolicy', pmp, "must be 'OrderedReady' or 'Parallel'"));
  errs.push(...validateUpdateStrategy(spec.updateStrategy));
  errs.push(...validateNonnegativeField(num(spec.replicas) ?? 0, 'spec.replicas'));
  errs.push(...validateNonnegativeField(num(spec.minReadySeconds) ?? 0, 'spec.minReadySeconds'));
  if (isRecord(spec.ordinals)) errs.push(...validateNonnegativeField(num(spec.ordinals.start) ?? 0, 'spec.ordinals.start'));
  errs.push(...validateSelector(spec.selector, 'spec.selector', 'statefulset'));
  // Upstream checks only the template's labels and annotations here, not its pod spec.
  errs.push(...validateTemplateForSelector(spec.template, spec.selector, 'spec.template', { fullSpec: false, kind: 'StatefulSet' }));
  return errs;
}

/** Only replicas, ordinals, template, updateStrategy, persistentVolumeClaimRetentionPolicy and minReadySeconds may change. */
function validateStatefulSetUpdate(o: KubeObject, old: KubeObject): FieldError[] {
  const mutable = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];
  const strip = (spec: unknown) => Object.fromEntries(Object.entries(record(spec)).filter(([k]) => !mutable.includes(k)));
  const errs = validateStatefulSetSpec(o);
  if (!deepEqual(strip(o.spec), strip(old.spec))) {
    errs.push(forbidden('spec', "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
  }
  return errs;
}

function setStatefulSetDefaults(o: KubeObject): void {
  const spec = ensureObject(o, 'spec');
  spec.podManagementPolicy ||= 'OrderedReady';
  const us = ensureObject(spec, 'updateStrategy');
  if (!us.type) {
    us.type = 'RollingUpdate';
    if (!isRecord(us.rollingUpdate)) us.rollingUpdate = {};
  }
  if (us.type === 'RollingUpdate' && isRecord(us.rollingUpdate) && (us.rollingUpdate.partition == null)) {
    us.rollingUpdate.partition = 0;
  }
  const retention = ensureObject(spec, 'persistentVolumeClaimRetentionPolicy');
  retention.whenDeleted ||= 'Retain';
  retention.whenScaled ||= 'Retain';
  if (spec.replicas == null) spec.replicas = 1;
  if (spec.revisionHistoryLimit == null) spec.revisionHistoryLimit = 10;
  setTemplateDefaults(o);
}

export function statefulSetResource(): ResourceDef {
  return {
    ...workloadBase({ replicas: 0, availableReplicas: 0 }),
    kind: 'StatefulSet',
    plural: 'statefulsets',
    singular: 'statefulset',
    shortNames: ['sts'],
    schemaName: 'io.k8s.api.apps.v1.StatefulSet',
    nameValidation: 'dns1123Label',
    defaults: setStatefulSetDefaults,
    validate: validateStatefulSetSpec,
    validateUpdate(o, old, subresource) {
      if (subresource === 'status') {
        return [...validateReplicaStatus(o.status, ['readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas']), ...validateCollisionCount(o, old)];
      }
      return [...validateStatefulSetUpdate(o, old), ...selectorImmutable(o, old)];
    },
  };
}
