// What a write to jobs/status may do (upstream's validateJobStatus and ValidateJobStatusUpdate with
// the options getStatusValidationOptions sets while JobManagedBy is on, as in 1.32): counters never
// negative nor decreasing, terminal conditions never undone, no Complete and Failed together, a
// finished Job with no active pods, and so on. Most rules apply only when the fields they read
// changed, so a controller can still fix other parts of a status that broke one of them.

import { duplicate, invalid, OMIT_VALUE, required, type FieldError } from '../../../kube/errors.js';
import type { KubeObject } from '../../../kube/types.js';
import { child, index } from '../../validation/fieldpath.js';
import { validateNonnegativeField } from '../../validation/meta.js';
import { deepEqual, list, num, record, str } from '../../validation/values.js';
import { validateIndexesFormat } from './jobspec.js';

const isTrue = (o: KubeObject, type: string): boolean =>
  list<Record<string, unknown>>(record(o.status).conditions).some((c) => c?.type === type && c?.status === 'True');
const isComplete = (o: KubeObject) => isTrue(o, 'Complete');
const isFailed = (o: KubeObject) => isTrue(o, 'Failed');
const isFinished = (o: KubeObject) => isComplete(o) || isFailed(o);

function validateStatus(o: KubeObject, old: KubeObject): FieldError[] {
  const status = record(o.status);
  const oldStatus = record(old.status);
  const spec = record(o.spec);
  const errs: FieldError[] = [];
  const changed = (f: string) => !deepEqual(status[f] ?? null, oldStatus[f] ?? null);
  const finishedChanged = isFinished(o) !== isFinished(old);
  const completeChanged = isComplete(o) !== isComplete(old);
  const failedChanged = isFailed(o) !== isFailed(old);
  const failureTargetChanged = isTrue(o, 'FailureTarget') !== isTrue(old, 'FailureTarget');
  const active = num(status.active) ?? 0;

  for (const f of ['active', 'succeeded', 'failed']) errs.push(...validateNonnegativeField(num(status[f]) ?? 0, child('status', f)));
  for (const f of ['ready', 'terminating']) if (status[f] != null) errs.push(...validateNonnegativeField(num(status[f]) ?? 0, child('status', f)));
  const uncounted = record(status.uncountedTerminatedPods);
  const seen = new Set<string>();
  for (const kind of ['succeeded', 'failed']) {
    list<string>(uncounted[kind]).forEach((uid, i) => {
      const path = index(child('status', 'uncountedTerminatedPods', kind), i);
      if (!uid) errs.push(invalid(path, uid, 'must not be empty'));
      else if (seen.has(uid)) errs.push(duplicate(path, uid));
      else seen.add(uid);
    });
  }
  if ((completeChanged || failedChanged) && isComplete(o) && isFailed(o)) {
    errs.push(invalid('status.conditions', OMIT_VALUE, 'cannot set Complete=True and Failed=true conditions'));
  }
  if ((completeChanged || failureTargetChanged) && isComplete(o) && isTrue(o, 'FailureTarget')) {
    errs.push(invalid('status.conditions', OMIT_VALUE, 'cannot set Complete=True and FailureTarget=true conditions'));
  }
  const timesChanged = changed('completionTime') || completeChanged;
  if (timesChanged && status.completionTime != null && !isComplete(o)) {
    errs.push(invalid('status.completionTime', status.completionTime, 'cannot set completionTime when there is no Complete=True condition'));
  }
  if (timesChanged && status.completionTime == null && isComplete(o)) {
    errs.push(required('status.completionTime', 'completionTime is required for Complete jobs'));
  }
  if ((changed('startTime') || changed('completionTime')) && status.startTime != null && status.completionTime != null
    && Date.parse(str(status.completionTime)) < Date.parse(str(status.startTime))) {
    errs.push(invalid('status.completionTime', status.completionTime, 'completionTime cannot be set before startTime'));
  }
  if ((finishedChanged || changed('active')) && active > 0 && isFinished(o)) {
    errs.push(invalid('status.active', active, 'active>0 is invalid for finished job'));
  }
  if ((finishedChanged || changed('startTime')) && status.startTime == null && isFinished(o)) {
    errs.push(required('status.startTime', 'startTime is required for finished job'));
  }
  if ((finishedChanged || changed('uncountedTerminatedPods')) && isFinished(o)
    && list(uncounted.succeeded).length + list(uncounted.failed).length > 0) {
    errs.push(invalid('status.uncountedTerminatedPods', status.uncountedTerminatedPods, 'uncountedTerminatedPods needs to be empty for finished job'));
  }
  if (changed('completedIndexes')) {
    const completedIndexes = str(status.completedIndexes);
    if (spec.completions != null) {
      const parsed = validateIndexesFormat(completedIndexes, num(spec.completions) ?? 0);
      if (parsed instanceof Error) errs.push(invalid('status.completedIndexes', completedIndexes, `error parsing completedIndexes: ${parsed.message}`));
    }
    if (completedIndexes && spec.completionMode !== 'Indexed') {
      errs.push(invalid('status.completedIndexes', completedIndexes, 'cannot set non-empty completedIndexes when non-indexed completion mode'));
    }
  }
  if (changed('failedIndexes') && spec.backoffLimitPerIndex == null && status.failedIndexes != null) {
    errs.push(invalid('status.failedIndexes', status.failedIndexes, 'cannot set non-null failedIndexes when backoffLimitPerIndex is null'));
  }
  if ((finishedChanged || changed('terminating')) && (num(status.terminating) ?? 0) > 0 && isFinished(o)) {
    errs.push(invalid('status.terminating', status.terminating, 'terminating>0 is invalid for finished job'));
  }
  const successCriteriaMet = isTrue(o, 'SuccessCriteriaMet');
  if (successCriteriaMet && isFailed(o)) errs.push(invalid('status.conditions', OMIT_VALUE, 'cannot set SuccessCriteriaMet=True and Failed=true conditions'));
  if (successCriteriaMet && isTrue(o, 'FailureTarget')) errs.push(invalid('status.conditions', OMIT_VALUE, 'cannot set SuccessCriteriaMet=True and FailureTarget=true conditions'));
  if (spec.successPolicy != null && !successCriteriaMet && isComplete(o)) {
    errs.push(invalid('status.conditions', OMIT_VALUE, 'cannot set Complete=True for Job with SuccessPolicy unless SuccessCriteriaMet=True'));
  }
  return errs;
}

/** ValidateJobStatusUpdate. */
export function validateJobStatusUpdate(o: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateStatus(o, old);
  const status = record(o.status);
  const oldStatus = record(old.status);
  const spec = record(o.spec);
  for (const type of ['Failed', 'Complete', 'FailureTarget']) {
    if (isTrue(old, type) && !isTrue(o, type)) errs.push(invalid('status.conditions', OMIT_VALUE, `cannot disable the terminal ${type}=True condition`));
  }
  const failed = num(status.failed) ?? 0;
  if (failed < (num(oldStatus.failed) ?? 0)) errs.push(invalid('status.failed', failed, 'cannot decrease the failed counter'));
  // An Indexed Job scaled down (completions and parallelism together) may lose succeeded indexes.
  const scalable = spec.completionMode === 'Indexed' && spec.completions === spec.parallelism;
  const succeeded = num(status.succeeded) ?? 0;
  if (!scalable && succeeded < (num(oldStatus.succeeded) ?? 0)) errs.push(invalid('status.succeeded', succeeded, 'cannot decrease the succeeded counter'));
  if (status.completionTime != null && oldStatus.completionTime != null && status.completionTime !== oldStatus.completionTime) {
    errs.push(invalid('status.completionTime', status.completionTime, 'completionTime cannot be mutated'));
  }
  // A Job being resumed (Suspended was True) gets a new startTime: the 1.32 patch release's fix of
  // kubernetes#134521, without which a resumed Job's status could never be written again.
  if (oldStatus.startTime != null && oldStatus.startTime !== status.startTime && spec.suspend !== true && !isTrue(old, 'Suspended')) {
    errs.push(required('status.startTime', 'startTime cannot be removed for unsuspended job'));
  }
  if (isTrue(old, 'SuccessCriteriaMet') && !isTrue(o, 'SuccessCriteriaMet')) {
    errs.push(invalid('status.conditions', OMIT_VALUE, 'cannot disable the SuccessCriteriaMet=True condition'));
  }
  if (isComplete(old) && !isTrue(old, 'SuccessCriteriaMet') && isTrue(o, 'SuccessCriteriaMet')) {
    errs.push(invalid('status.conditions', OMIT_VALUE, 'cannot set SuccessCriteriaMet=True for Job already has Complete=true conditions'));
  }
  return errs;
}
