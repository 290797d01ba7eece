// batch/v1 Job (pkg/apis/batch/v1/defaults.go, pkg/registry/batch/job/strategy.go and
// pkg/apis/batch/validation, Kubernetes 1.32 with its default feature gates): defaults, the
// generated selector and template labels, spec validation, what an update may change, and the
// status rules that JobManagedBy (beta in 1.32) makes the API server enforce.

import { invalid, required, type FieldError } from '../../../kube/errors.js';
import {
  CONTROLLER_UID_LABEL, JOB_NAME_LABEL, LEGACY_CONTROLLER_UID_LABEL, LEGACY_JOB_NAME_LABEL, type KubeObject, type LabelSelector,
} from '../../../kube/types.js';
import { labelSelectorFromSpec } from '../../../kube/selectors.js';
import type { ResourceDef } from '../../resource.js';
import { key } from '../../validation/fieldpath.js';
import { validateImmutableField } from '../../validation/meta.js';
import { isConvertibleSelector, validateLabelSelector } from '../../validation/selectors.js';
import { isDNS1123Label } from '../../validation/strings.js';
import { deepEqual, isRecord, num, record, stringMap } from '../../validation/values.js';
import { ensureObject, splitStatus } from '../common.js';
import { setJobSpecTemplateDefaults, validateJobSpecFields } from './jobspec.js';
import { validateJobStatusUpdate } from './jobstatus.js';

/** SetDefaults_Job. */
export function setJobDefaults(o: KubeObject): void {
  const spec = ensureObject(o, 'spec');
  if (spec.completions == null && spec.parallelism == null) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  if (spec.parallelism == null) spec.parallelism = 1;
  if (spec.backoffLimit == null) spec.backoffLimit = spec.backoffLimitPerIndex != null ? 2147483647 : 6;
  copyTemplateLabels(o);
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  spec.podReplacementPolicy ??= spec.podFailurePolicy != null ? 'Failed' : 'TerminatingOrFailed';
  spec.manualSelector ??= false;
  setJobSpecTemplateDefaults(spec);
}

/** A Job without labels takes its template's. */
function copyTemplateLabels(o: KubeObject): void {
  const templateLabels = record(record(record(o.spec).template).metadata).labels;
  if (isRecord(templateLabels) && Object.keys(o.metadata.labels ?? {}).length === 0) o.metadata.labels = { ...stringMap(templateLabels) };
}

/**
 * generateSelector: the template gets job-name and controller-uid labels (legacy and
 * batch.kubernetes.io/ ones) unless it has them, and the selector matches the controller-uid.
 * Labels the user set stay; validation refuses them when they do not match.
 */
function generateSelector(o: KubeObject): void {
  const spec = ensureObject(o, 'spec');
  const template = ensureObject(spec, 'template');
  const meta = ensureObject(template, 'metadata');
  const labels = ensureObject(meta, 'labels');
  for (const k of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) if (!(k in labels)) labels[k] = o.metadata.name ?? '';
  for (const k of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL]) if (!(k in labels)) labels[k] = o.metadata.uid ?? '';
  const selector = ensureObject(spec, 'selector');
  const matchLabels = ensureObject(selector, 'matchLabels');
  if (!(CONTROLLER_UID_LABEL in matchLabels)) matchLabels[CONTROLLER_UID_LABEL] = o.metadata.uid ?? '';
}

/** ValidateHasLabel at spec.template.metadata. */
function hasLabel(labels: Record<string, string>, k: string, expected: string): FieldError[] {
  const path = key('spec.template.metadata.labels', k);
  if (!(k in labels)) return [required(path, `must be '${expected}'`)];
  return labels[k] === expected ? [] : [invalid(path, labels, `must be '${expected}'`)];
}

/** validateGeneratedSelector: a generated selector and the template's labels name this Job. */
function validateGeneratedSelector(o: KubeObject, requirePrefixedLabels: boolean): FieldError[] {
  const spec = record(o.spec);
  if (spec.manualSelector === true || spec.selector == null) return [];
  const errs: FieldError[] = [];
  const uid = o.metadata.uid ?? '';
  const name = o.metadata.name ?? '';
  if (!uid) errs.push(required('metadata.uid'));
  const labels = stringMap(record(record(spec.template).metadata).labels);
  errs.push(...hasLabel(labels, LEGACY_CONTROLLER_UID_LABEL, uid), ...hasLabel(labels, LEGACY_JOB_NAME_LABEL, name));
  const expected: Record<string, string> = {};
  if (requirePrefixedLabels) {
    errs.push(...hasLabel(labels, CONTROLLER_UID_LABEL, uid), ...hasLabel(labels, JOB_NAME_LABEL, name));
    expected[CONTROLLER_UID_LABEL] = uid;
    expected[JOB_NAME_LABEL] = name;
  }
  expected[LEGACY_CONTROLLER_UID_LABEL] = uid;
  expected[LEGACY_JOB_NAME_LABEL] = name;
  if (isConvertibleSelector(spec.selector) && !labelSelectorFromSpec(spec.selector as LabelSelector)?.matches(expected)) {
    errs.push(invalid('spec.selector', spec.selector, '`selector` not auto-generated'));
  }
  return errs;
}

/** ValidateJobSpec: validateJobSpec, then a selector that selects the template's labels. */
function validateJobSpecWithSelector(specIn: unknown): FieldError[] {
  const spec = record(specIn);
  const errs = validateJobSpecFields(spec, 'spec');
  if (spec.selector == null) errs.push(required('spec.selector'));
  else errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  // A nil selector selects nothing, so it "does not match" either, as upstream reports it.
  if (isConvertibleSelector(spec.selector)) {
    const labels = stringMap(record(record(spec.template).metadata).labels);
    if (!labelSelectorFromSpec(spec.selector as LabelSelector | undefined)?.matches(labels)) {
      errs.push(invalid('spec.template.metadata.labels', record(record(spec.template).metadata).labels ?? null, '`selector` does not match template `labels`'));
    }
  }
  return errs;
}

/** ValidateJob. */
function validateJob(o: KubeObject, requirePrefixedLabels: boolean): FieldError[] {
  const spec = record(o.spec);
  const errs = [...validateGeneratedSelector(o, requirePrefixedLabels), ...validateJobSpecWithSelector(spec)];
  const completions = num(spec.completions);
  if (spec.completionMode === 'Indexed' && completions !== undefined && completions > 0) {
    // Pods get the hostname <job>-<index>: the largest must be a DNS label.
    const hostname = `${o.metadata.name ?? ''}-${completions - 1}`;
    if (isDNS1123Label(hostname).length > 0) {
      errs.push(invalid('metadata.name', o.metadata.name ?? '', `will not able to create pod with invalid DNS label: ${hostname}`));
    }
  }
  return errs;
}

/** Scheduling directives of a suspended Job that never started may change (upstream's AllowMutableSchedulingDirectives). */
function templateForImmutability(newTemplate: unknown, oldTemplate: unknown, mutableScheduling: boolean): unknown {
  if (!mutableScheduling) return oldTemplate;
  const old = structuredClone(record(oldTemplate));
  const next = record(newTemplate);
  const oldSpec = ensureObject(old, 'spec');
  const nextSpec = record(next.spec);
  const oldMeta = ensureObject(old, 'metadata');
  const nextMeta = record(next.metadata);
  if (nextSpec.affinity == null && oldSpec.affinity != null) {
    const rest = { ...record(oldSpec.affinity) };
    delete rest.nodeAffinity;
    if (Object.keys(rest).length === 0) delete oldSpec.affinity;
    else oldSpec.affinity = rest;
  } else if (nextSpec.affinity != null && oldSpec.affinity == null) {
    oldSpec.affinity = { nodeAffinity: record(nextSpec.affinity).nodeAffinity };
  } else if (nextSpec.affinity != null && oldSpec.affinity != null) {
    oldSpec.affinity = { ...record(oldSpec.affinity), nodeAffinity: record(nextSpec.affinity).nodeAffinity };
  }
  for (const f of ['nodeSelector', 'tolerations', 'schedulingGates']) oldSpec[f] = nextSpec[f];
  for (const f of ['annotations', 'labels']) oldMeta[f] = nextMeta[f];
  return old;
}

/** ValidateJobSpecUpdate. */
function validateJobSpecUpdate(o: KubeObject, old: KubeObject): FieldError[] {
  const spec = record(o.spec);
  const oldSpec = record(old.spec);
  const errs: FieldError[] = [];
  // Completions: immutable, except for Indexed Jobs scaled with parallelism (ElasticIndexedJob, GA in 1.31).
  if (spec.completionMode !== 'Indexed') {
    errs.push(...validateImmutableField(spec.completions, oldSpec.completions, 'spec.completions'));
  } else if (!deepEqual(spec.completions, oldSpec.completions) && spec.completions != null && spec.completions !== spec.parallelism) {
    errs.push(invalid('spec.completions', spec.completions, 'can only be modified in tandem with spec.parallelism'));
  }
  errs.push(...validateImmutableField(spec.selector, oldSpec.selector, 'spec.selector'));
  const mutableScheduling = oldSpec.suspend === true && record(old.status).startTime == null;
  const template = spec.template;
  errs.push(...validateImmutableField(template, templateForImmutability(template, oldSpec.template, mutableScheduling), 'spec.template'));
  for (const f of ['completionMode', 'podFailurePolicy', 'backoffLimitPerIndex', 'managedBy', 'successPolicy']) {
    errs.push(...validateImmutableField(spec[f], oldSpec[f], `spec.${f}`));
  }
  return errs;
}

const LARGE_INDEXED_WARNING = 'In Indexed Jobs with a number of completions higher than 10^5 and a parallelism higher than 10^4, Kubernetes might not be able to track completedIndexes when a big number of indexes fail';

/** WarningsForJobSpec (the pod template part: knit's pods give no template warnings). */
export function jobSpecWarnings(specIn: unknown, path: string): string[] {
  const spec = record(specIn);
  if (spec.completionMode === 'Indexed' && (num(spec.completions) ?? 0) > 100_000 && (num(spec.parallelism) ?? 0) > 10_000) {
    return [`${path}: ${LARGE_INDEXED_WARNING}`];
  }
  return [];
}

/** The warning for a name that is no DNS label (it becomes part of pod names and hostnames). */
export function dnsLabelNameWarning(name: string): string[] {
  const msgs = isDNS1123Label(name);
  return msgs.length ? [`metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: [${msgs.join(' ')}]`] : [];
}

export function jobResource(): ResourceDef {
  return {
    group: 'batch',
    version: 'v1',
    kind: 'Job',
    plural: 'jobs',
    singular: 'job',
    categories: ['all'],
    namespaced: true,
    subresources: ['status'],
    hasStatus: true,
    hasGeneration: true,
    schemaName: 'io.k8s.api.batch.v1.Job',
    // Upstream keeps batch/v1's old default: deleting a Job without a propagation policy orphans its pods.
    defaultPropagationPolicy: 'Orphan',
    defaults: setJobDefaults,
    prepareForCreate(o) {
      if (record(o.spec).manualSelector !== true) generateSelector(o);
      // Upstream defaults again whenever it reads the Job back, so the generated labels reach
      // metadata.labels of a Job created without any: done once here.
      copyTemplateLabels(o);
      o.status = {};
    },
    prepareForUpdate: splitStatus,
    validate: (o) => validateJob(o, true),
    validateUpdate(o, old, subresource) {
      if (subresource === 'status') return validateJobStatusUpdate(o, old);
      // Jobs created before the batch.kubernetes.io/ labels existed are not held to them.
      const oldLabels = record(record(record(old.spec).template).metadata).labels;
      const requirePrefixed = isRecord(oldLabels) && JOB_NAME_LABEL in oldLabels && CONTROLLER_UID_LABEL in oldLabels;
      return [...validateJob(o, requirePrefixed), ...validateJobSpecUpdate(o, old)];
    },
    warnings: (o) => [...dnsLabelNameWarning(o.metadata.name ?? ''), ...jobSpecWarnings(o.spec, 'spec')],
    fieldSelectors: {
      'status.successful': (o) => String(num(record(o.status).succeeded) ?? 0),
    },
  };
}
