// What the apps/v1 workloads share (pkg/apis/apps/validation): selectors that must select the
// template's labels, templates that restart Always, int-or-percent fields, status counters.

import { forbidden, invalid, notSupported, required, type FieldError } from '../../../kube/errors.js';
import type { KubeObject } from '../../../kube/types.js';
import { child } from '../../validation/fieldpath.js';
import { validateNonnegativeField } from '../../validation/meta.js';
import { isConvertibleSelector, isEmptySelector, validateLabelSelector } from '../../validation/selectors.js';
import { labelSelectorFromSpec } from '../../../kube/selectors.js';
import { isValidPercent } from '../../validation/strings.js';
import { isRecord, num, record } from '../../validation/values.js';
import { setPodSpecDefaults } from '../pods/defaults.js';
import { validatePodTemplateSpec } from '../pods/podspec.js';

/** PodSpec defaults inside spec.template. */
export function setTemplateDefaults(o: KubeObject): void {
  const t = record(o.spec).template;
  if (isRecord(t)) setPodSpecDefaults(t.spec);
}

/** The selector is required, valid and not empty; kind is how upstream names the workload in messages. */
export function validateSelector(sel: unknown, field: string, kind: string): FieldError[] {
  if (sel == null) return [required(field)];
  const errs = validateLabelSelector(sel, field);
  if (isEmptySelector(sel as never)) errs.push(invalid(field, sel, `empty selector is invalid for ${kind}`));
  return errs;
}

/** The template's labels must match the selector; its pods must restart Always and have no deadline. */
export function validateTemplateForSelector(template: unknown, selector: unknown, field: string, opts: { fullSpec: boolean; kind: string }): FieldError[] {
  if (!isRecord(template)) return [required(field)];
  const labels = record(record(template.metadata).labels) as Record<string, string>;
  const errs: FieldError[] = [];
  if (isConvertibleSelector(selector) && !isEmptySelector(selector as never) && !labelSelectorFromSpec(selector as never)?.matches(labels)) {
    errs.push(invalid(child(field, 'metadata', 'labels'), labels, '`selector` does not match template `labels`'));
  }
  if (opts.fullSpec) errs.push(...validatePodTemplateSpec(template, field));
  const spec = record(template.spec);
  if (spec.restartPolicy !== 'Always') errs.push(notSupported(child(field, 'spec', 'restartPolicy'), spec.restartPolicy ?? '', ['Always']));
  if (spec.activeDeadlineSeconds != null) {
    errs.push(forbidden(child(field, 'spec', 'activeDeadlineSeconds'), `activeDeadlineSeconds in ${opts.kind} is not Supported`));
  }
  return errs;
}

/** The value of an int-or-percent ("25%" is 25). */
export function intOrPercentValue(v: unknown): number {
  if (typeof v === 'string') return isValidPercent(v).length ? 0 : Number(v.slice(0, -1));
  return num(v) ?? 0;
}

export function validatePositiveIntOrPercent(v: unknown, field: string): FieldError[] {
  if (typeof v === 'string') return isValidPercent(v).map((m) => invalid(field, v, m));
  if (typeof v === 'number') return validateNonnegativeField(v, field);
  return [invalid(field, v ?? null, "must be an integer or percentage (e.g '5%')")];
}

export function isNotMoreThan100Percent(v: unknown, field: string): FieldError[] {
  return typeof v === 'string' && isValidPercent(v).length === 0 && intOrPercentValue(v) > 100 ? [invalid(field, v, 'must not be greater than 100%')] : [];
}

/** Non-negative counters, none above status.replicas, available not above ready. */
export function validateReplicaStatus(status: unknown, counters: string[], field = 'status'): FieldError[] {
  const s = record(status);
  const errs: FieldError[] = [];
  for (const c of ['replicas', ...counters, 'observedGeneration', 'collisionCount']) {
    if (s[c] !== undefined) errs.push(...validateNonnegativeField(num(s[c]) ?? 0, child(field, c)));
  }
  const replicas = num(s.replicas) ?? 0;
  for (const c of counters) {
    if ((num(s[c]) ?? 0) > replicas) errs.push(invalid(child(field, c), s[c], 'cannot be greater than status.replicas'));
  }
  if (counters.includes('availableReplicas') && (num(s.availableReplicas) ?? 0) > (num(s.readyReplicas) ?? 0)) {
    errs.push(invalid(child(field, 'availableReplicas'), s.availableReplicas, 'cannot be greater than readyReplicas'));
  }
  return errs;
}

/** status.collisionCount never goes down. */
export function validateCollisionCount(o: KubeObject, old: KubeObject): FieldError[] {
  const next = record(o.status).collisionCount;
  const prev = record(old.status).collisionCount;
  const decremented = (next === undefined && prev !== undefined) || (typeof next === 'number' && typeof prev === 'number' && next < prev);
  return decremented ? [invalid('status.collisionCount', next ?? 0, 'cannot be decremented')] : [];
}
