// apps/v1 DaemonSet (pkg/apis/apps/validation ValidateDaemonSet*, apps/v1 defaults).

import { invalid, notSupported, required, type FieldError } from '../../../kube/errors.js';
import type { ResourceDef } from '../../resource.js';
import type { KubeObject } from '../../../kube/types.js';
import { validateNonnegativeField } from '../../validation/meta.js';
import { validateLabelSelector } from '../../validation/selectors.js';
import { isRecord, num, record } from '../../validation/values.js';
import { selectorImmutable, workloadBase } from './deployment.js';
import { ensureObject } from '../common.js';
import {
  intOrPercentValue, isNotMoreThan100Percent, setTemplateDefaults, validateCollisionCount, validatePositiveIntOrPercent,
  validateTemplateForSelector,
} from './workload.js';

function validateUpdateStrategy(strategy: unknown): FieldError[] {
  const s = record(strategy);
  const path = 'spec.updateStrategy';
  if (s.type === 'OnDelete') return [];
  if (s.type !== 'RollingUpdate') return [notSupported(path, strategy ?? null, ['RollingUpdate', 'OnDelete'])];
  if (!isRecord(s.rollingUpdate)) return [required(`${path}.rollingUpdate`)];
  const ru = s.rollingUpdate;
  const p = `${path}.rollingUpdate`;
  const errs = [
    ...validatePositiveIntOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`),
    ...validatePositiveIntOrPercent(ru.maxSurge, `${p}.maxSurge`),
    ...isNotMoreThan100Percent(ru.maxUnavailable, `${p}.maxUnavailable`),
    ...isNotMoreThan100Percent(ru.maxSurge, `${p}.maxSurge`),
  ];
  const unavailable = intOrPercentValue(ru.maxUnavailable) !== 0;
  const surge = intOrPercentValue(ru.maxSurge) !== 0;
  if (unavailable && surge) errs.push(invalid(`${p}.maxSurge`, ru.maxSurge, 'may not be set when maxUnavailable is non-zero'));
  if (!unavailable && !surge) errs.push(required(`${p}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
  return errs;
}

function validateDaemonSetSpec(o: KubeObject): FieldError[] {
  const spec = record(o.spec);
  const sel = spec.selector;
  const errs = validateLabelSelector(sel, 'spec.selector');
  if (isRecord(sel) && Object.keys(record(sel.matchLabels)).length + (Array.isArray(sel.matchExpressions) ? sel.matchExpressions.length : 0) === 0) {
    errs.push(invalid('spec.selector', sel, 'empty selector is invalid for daemonset'));
  }
  // A missing selector selects nothing, so upstream reports the template's labels.
  if (sel == null) {
    errs.push(invalid('spec.template.metadata.labels', record(record(record(spec.template).metadata).labels), '`selector` does not match template `labels`'));
  }
  errs.push(...validateTemplateForSelector(spec.template, sel, 'spec.template', { fullSpec: true, kind: 'DaemonSet' }));
  errs.push(...validateNonnegativeField(num(spec.minReadySeconds) ?? 0, 'spec.minReadySeconds'));
  errs.push(...validateUpdateStrategy(spec.updateStrategy));
  if (spec.revisionHistoryLimit != null) {
    errs.push(...validateNonnegativeField(num(spec.revisionHistoryLimit) ?? 0, 'spec.revisionHistoryLimit'));
  }
  return errs;
}

function validateDaemonSetStatus(status: unknown): FieldError[] {
  const s = record(status);
  return ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady', 'observedGeneration',
    'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable', 'collisionCount']
    .flatMap((f) => (s[f] === undefined ? [] : validateNonnegativeField(num(s[f]) ?? 0, `status.${f}`)));
}

export function daemonSetResource(): ResourceDef {
  return {
    ...workloadBase({ currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 }),
    subresources: ['status'],
    kind: 'DaemonSet',
    plural: 'daemonsets',
    singular: 'daemonset',
    shortNames: ['ds'],
    schemaName: 'io.k8s.api.apps.v1.DaemonSet',
    defaults(o) {
      const spec = ensureObject(o, 'spec');
      const us = ensureObject(spec, 'updateStrategy');
      if (!us.type) us.type = 'RollingUpdate';
      if (us.type === 'RollingUpdate') {
        const ru = ensureObject(us, 'rollingUpdate');
        if (ru.maxUnavailable == null) ru.maxUnavailable = 1;
        if (ru.maxSurge == null) ru.maxSurge = 0;
      }
      if (spec.revisionHistoryLimit == null) spec.revisionHistoryLimit = 10;
      setTemplateDefaults(o);
    },
    validate: validateDaemonSetSpec,
    validateUpdate(o, old, subresource) {
      if (subresource === 'status') return [...validateDaemonSetStatus(o.status), ...validateCollisionCount(o, old)];
      return [...validateDaemonSetSpec(o), ...selectorImmutable(o, old)];
    },
  };
}
