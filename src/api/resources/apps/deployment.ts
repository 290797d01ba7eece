// apps/v1 Deployment and ReplicaSet (pkg/apis/apps/validation, pkg/apis/apps/v1/defaults.go).

import { forbidden, invalid, notSupported, required, type FieldError } from '../../../kube/errors.js';
import type { ResourceDef } from '../../resource.js';
import type { KubeObject } from '../../../kube/types.js';
import { validateImmutableField, validateNonnegativeField } from '../../validation/meta.js';
import { isRecord, num, record } from '../../validation/values.js';
import { ensureObject, splitStatus } from '../common.js';
import {
  intOrPercentValue, isNotMoreThan100Percent, setTemplateDefaults, validateCollisionCount, validatePositiveIntOrPercent,
  validateReplicaStatus, validateSelector, validateTemplateForSelector,
} from './workload.js';

function validateReplicaSetSpec(o: KubeObject): FieldError[] {
  const spec = record(o.spec);
  return [
    ...validateNonnegativeField(num(spec.replicas) ?? 0, 'spec.replicas'),
    ...validateNonnegativeField(num(spec.minReadySeconds) ?? 0, 'spec.minReadySeconds'),
    ...validateSelector(spec.selector, 'spec.selector', 'deployment'),
    ...validateTemplateForSelector(spec.template, spec.selector, 'spec.template', { fullSpec: true, kind: 'ReplicaSet' }),
  ];
}

function validateStrategy(strategy: unknown): FieldError[] {
  const s = record(strategy);
  const path = 'spec.strategy';
  if (s.type === 'Recreate') {
    return s.rollingUpdate != null ? [forbidden(`${path}.rollingUpdate`, "may not be specified when strategy `type` is 'Recreate'")] : [];
  }
  if (s.type !== 'RollingUpdate') return [notSupported(path, strategy ?? null, ['Recreate', 'RollingUpdate'])];
  if (!isRecord(s.rollingUpdate)) return [required(`${path}.rollingUpdate`, 'this should be defaulted and never be nil')];
  const ru = s.rollingUpdate;
  const errs = [
    ...validatePositiveIntOrPercent(ru.maxUnavailable, `${path}.rollingUpdate.maxUnavailable`),
    ...validatePositiveIntOrPercent(ru.maxSurge, `${path}.rollingUpdate.maxSurge`),
  ];
  if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
    errs.push(invalid(`${path}.rollingUpdate.maxUnavailable`, ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
  }
  return errs.concat(isNotMoreThan100Percent(ru.maxUnavailable, `${path}.rollingUpdate.maxUnavailable`));
}

function validateDeploymentSpec(o: KubeObject): FieldError[] {
  const spec = record(o.spec);
  const errs = [
    ...validateNonnegativeField(num(spec.replicas) ?? 0, 'spec.replicas'),
    ...validateSelector(spec.selector, 'spec.selector', 'deployment'),
    ...validateTemplateForSelector(spec.template, spec.selector, 'spec.template', { fullSpec: true, kind: 'ReplicaSet' }),
    ...validateStrategy(spec.strategy),
    ...validateNonnegativeField(num(spec.minReadySeconds) ?? 0, 'spec.minReadySeconds'),
  ];
  if (spec.revisionHistoryLimit != null) {
    errs.push(...validateNonnegativeField(num(spec.revisionHistoryLimit) ?? 0, 'spec.revisionHistoryLimit'));
  }
  if (spec.progressDeadlineSeconds != null) {
    const pds = num(spec.progressDeadlineSeconds) ?? 0;
    errs.push(...validateNonnegativeField(pds, 'spec.progressDeadlineSeconds'));
    if (pds <= (num(spec.minReadySeconds) ?? 0)) errs.push(invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
  }
  return errs;
}

function setDeploymentDefaults(o: KubeObject): void {
  const spec = ensureObject(o, 'spec');
  if (spec.replicas == null) spec.replicas = 1;
  const strategy = ensureObject(spec, 'strategy');
  if (!strategy.type) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = ensureObject(strategy, 'rollingUpdate');
    if (ru.maxUnavailable == null) ru.maxUnavailable = '25%';
    if (ru.maxSurge == null) ru.maxSurge = '25%';
  }
  if (spec.revisionHistoryLimit == null) spec.revisionHistoryLimit = 10;
  if (spec.progressDeadlineSeconds == null) spec.progressDeadlineSeconds = 600;
  setTemplateDefaults(o);
}

export const selectorImmutable = (o: KubeObject, old: KubeObject) => validateImmutableField(record(o.spec).selector, record(old.spec).selector, 'spec.selector');

/** Names, subresources and the status split the apps/v1 workloads share; status starts as upstream serializes an empty one. */
export function workloadBase(emptyStatus: Record<string, number>) {
  return {
    group: 'apps',
    version: 'v1',
    categories: ['all'],
    namespaced: true,
    subresources: ['status', 'scale'] as ResourceDef['subresources'],
    hasStatus: true,
    hasGeneration: true,
    prepareForCreate(o: KubeObject) { o.status = { ...emptyStatus }; },
    prepareForUpdate: splitStatus,
  };
}

export function deploymentResource(): ResourceDef {
  return {
    ...workloadBase({}),
    kind: 'Deployment',
    plural: 'deployments',
    singular: 'deployment',
    shortNames: ['deploy'],
    schemaName: 'io.k8s.api.apps.v1.Deployment',
    defaults: setDeploymentDefaults,
    validate: validateDeploymentSpec,
    validateUpdate(o, old, subresource) {
      if (subresource === 'status') {
        return [...validateReplicaStatus(o.status, ['updatedReplicas', 'readyReplicas', 'availableReplicas']), ...validateNonnegativeField(Number(o.status?.unavailableReplicas ?? 0), 'status.unavailableReplicas'), ...validateCollisionCount(o, old)];
      }
      return [...validateDeploymentSpec(o), ...selectorImmutable(o, old)];
    },
  };
}

export function replicaSetResource(): ResourceDef {
  return {
    ...workloadBase({ replicas: 0 }),
    kind: 'ReplicaSet',
    plural: 'replicasets',
    singular: 'replicaset',
    shortNames: ['rs'],
    schemaName: 'io.k8s.api.apps.v1.ReplicaSet',
    defaults(o) {
      const spec = ensureObject(o, 'spec');
      if (spec.replicas == null) spec.replicas = 1;
      setTemplateDefaults(o);
    },
    validate: validateReplicaSetSpec,
    validateUpdate(o, old, subresource) {
      if (subresource === 'status') return validateReplicaStatus(o.status, ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas']);
      return [...validateReplicaSetSpec(o), ...selectorImmutable(o, old)];
    },
    fieldSelectors: {
      'status.replicas': (o) => String(num(record(o.status).replicas) ?? 0),
    },
  };
}

