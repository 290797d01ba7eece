// metav1.LabelSelector validation and matching (k8s.io/apimachinery/pkg/apis/meta/v1/validation,
// LabelSelectorAsSelector), used by workloads, NetworkPolicies and PodDisruptionBudget-like kinds.

import { forbidden, invalid, required, type FieldError } from '../../kube/errors.js';
import type { LabelSelector } from '../../kube/types.js';
import { child, index } from './fieldpath.js';
import { validateLabelName, validateLabels } from './meta.js';
import { isValidLabelValue } from './strings.js';
import { isRecord, list, record, str } from './values.js';

export interface LabelSelectorOptions {
  /** Tolerate invalid label values in matchExpressions (kept for objects stored before the check). */
  allowInvalidLabelValue?: boolean;
}

export function validateLabelSelectorRequirement(req: unknown, field: string, opts: LabelSelectorOptions = {}): FieldError[] {
  const r = record(req);
  const errs: FieldError[] = [];
  const values = list<unknown>(r.values);
  switch (r.operator) {
    case 'In': case 'NotIn':
      if (values.length === 0) errs.push(required(child(field, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists': case 'DoesNotExist':
      if (values.length > 0) errs.push(forbidden(child(field, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    default:
      errs.push(invalid(child(field, 'operator'), r.operator ?? '', 'not a valid selector operator'));
  }
  errs.push(...validateLabelName(str(r.key), child(field, 'key')));
  if (!opts.allowInvalidLabelValue) {
    values.forEach((v, i) => {
      const value = str(v);
      errs.push(...isValidLabelValue(value).map((m) => invalid(index(child(field, 'values'), i), value, m)));
    });
  }
  return errs;
}

/** Validates a LabelSelector; undefined/null is valid (the caller decides whether one is required). */
export function validateLabelSelector(sel: unknown, field: string, opts: LabelSelectorOptions = {}): FieldError[] {
  if (sel == null) return [];
  const s = record(sel);
  const errs = validateLabels(s.matchLabels, child(field, 'matchLabels'));
  list(s.matchExpressions).forEach((r, i) => errs.push(...validateLabelSelectorRequirement(r, index(child(field, 'matchExpressions'), i), opts)));
  return errs;
}

/** Whether LabelSelectorAsSelector would accept the selector. */
export function isConvertibleSelector(sel: unknown): boolean {
  if (sel == null) return true;
  return validateLabelSelector(sel, 'selector').length === 0;
}

/** No requirement at all: such a selector matches everything. */
export function isEmptySelector(sel: LabelSelector | undefined): boolean {
  if (!isRecord(sel)) return true;
  return Object.keys(record(sel.matchLabels)).length + list(sel.matchExpressions).length === 0;
}
