// What a Job's spec must hold, shared by Jobs and CronJob job templates (upstream's
// pkg/apis/batch/validation validateJobSpec, Kubernetes 1.32 with its default feature gates):
// counts, the completion mode, pod failure and success policies, the pod replacement policy,
// the pod template and its restart policy; and the "0,2-5" index interval lists.

import { duplicate, invalid, notSupported, OMIT_VALUE, required, tooLong, tooMany, type FieldError } from '../../../kube/errors.js';
import { child, index } from '../../validation/fieldpath.js';
import { validateNonnegativeField } from '../../validation/meta.js';
import { isDomainPrefixedPath, isQualifiedName } from '../../validation/strings.js';
import { isRecord, list, num, record, str } from '../../validation/values.js';
import { setPodSpecDefaults } from '../pods/defaults.js';
import { validatePodTemplateSpec } from '../pods/podspec.js';
import { ensureObject } from '../common.js';

const MAX_PARALLELISM_FOR_INDEXED_JOB = 100_000;
const MAX_FAILED_INDEXES_FOR_INDEXED_JOB = 100_000;
const COMPLETIONS_SOFT_LIMIT = 100_000;
const PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS = 10_000;
const MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS = 10_000;
const MAX_POD_FAILURE_POLICY_RULES = 20;
const MAX_ON_EXIT_CODES_VALUES = 255;
const MAX_ON_POD_CONDITIONS_PATTERNS = 20;
const MAX_MANAGED_BY_LENGTH = 63;
const MAX_SUCCEEDED_INDEXES_LENGTH = 64 * 1024;
const MAX_SUCCESS_POLICY_RULES = 20;

const POD_FAILURE_ACTIONS = ['Count', 'FailIndex', 'FailJob', 'Ignore'];
const EXIT_CODE_OPERATORS = ['In', 'NotIn'];
const CONDITION_STATUSES = ['False', 'True', 'Unknown'];

/** Go's %q of a []string: ["a" "b"]. */
const goQuotedList = (items: string[]) => `[${items.map((s) => JSON.stringify(s)).join(' ')}]`;

/** Upstream's SetDefaults_PodFailurePolicyOnPodConditionsPattern and the pod template's PodSpec defaults. */
export function setJobSpecTemplateDefaults(spec: Record<string, any>): void {
  for (const rule of list(record(spec.podFailurePolicy).rules)) {
    for (const pattern of list(record(rule).onPodConditions)) {
      if (isRecord(pattern) && !pattern.status) pattern.status = 'True';
    }
  }
  const template = ensureObject(spec, 'template');
  setPodSpecDefaults(template.spec);
}

/** One "x" or "x-y" of an index list, as upstream's parseIndexInterval. */
function parseIndexInterval(interval: string, completions: number): [number, number] {
  const limits = interval.split('-');
  if (limits.length > 2) throw new Error(`the fragment ${JSON.stringify(interval)} violates the requirement that an index interval can have at most two parts separated by '-'`);
  const parse = (s: string): number => {
    if (!/^[+-]?\d+$/.test(s)) throw new Error(`cannot convert string to integer for index: ${JSON.stringify(s)}`);
    const n = Number(s);
    if (n >= completions) throw new Error(`too large index: ${JSON.stringify(s)}`);
    return n;
  };
  const x = parse(limits[0]);
  if (limits.length === 1) return [x, x];
  const y = parse(limits[1]);
  if (x >= y) throw new Error(`non-increasing order, previous: ${x}, current: ${y}`);
  return [x, y];
}

/** How many indexes "0,2-5" names, or an Error in upstream's words when it is not an increasing list below completions. */
export function validateIndexesFormat(text: string, completions: number): number | Error {
  if (!text) return 0;
  let last: number | undefined;
  let total = 0;
  try {
    for (const interval of text.split(',')) {
      const [x, y] = parseIndexInterval(interval, completions);
      if (last !== undefined && last >= x) throw new Error(`non-increasing order, previous: ${last}, current: ${x}`);
      total += y - x + 1;
      last = y;
    }
  } catch (err) {
    return err as Error;
  }
  return total;
}

function validatePodFailurePolicy(spec: Record<string, any>, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const rulesPath = child(field, 'rules');
  const rules = list<Record<string, any>>(record(spec.podFailurePolicy).rules);
  if (rules.length > MAX_POD_FAILURE_POLICY_RULES) errs.push(tooMany(rulesPath, rules.length, MAX_POD_FAILURE_POLICY_RULES));
  const tspec = record(record(spec.template).spec);
  const containerNames = new Set([...list(tspec.containers), ...list(tspec.initContainers)].map((c) => str(record(c).name)));
  rules.forEach((ruleIn, i) => {
    const rule = record(ruleIn);
    const rulePath = index(rulesPath, i);
    const actionPath = child(rulePath, 'action');
    if (!rule.action) errs.push(required(actionPath, `valid values: ${goQuotedList(POD_FAILURE_ACTIONS)}`));
    else if (rule.action === 'FailIndex') {
      if (spec.backoffLimitPerIndex == null) errs.push(invalid(actionPath, rule.action, 'requires the backoffLimitPerIndex to be set'));
    } else if (!POD_FAILURE_ACTIONS.includes(rule.action as string)) errs.push(notSupported(actionPath, rule.action, POD_FAILURE_ACTIONS));
    const onExitCodes = rule.onExitCodes;
    const onPodConditions = list<Record<string, any>>(rule.onPodConditions);
    if (onExitCodes != null) {
      const path = child(rulePath, 'onExitCodes');
      const req = record(onExitCodes);
      const opPath = child(path, 'operator');
      if (!req.operator) errs.push(required(opPath, `valid values: ${goQuotedList(EXIT_CODE_OPERATORS)}`));
      else if (!EXIT_CODE_OPERATORS.includes(req.operator as string)) errs.push(notSupported(opPath, req.operator, EXIT_CODE_OPERATORS));
      if (req.containerName != null && !containerNames.has(str(req.containerName))) {
        errs.push(invalid(child(path, 'containerName'), req.containerName, 'must be one of the container or initContainer names in the pod template'));
      }
      const valuesPath = child(path, 'values');
      const values = list<number>(req.values);
      if (values.length === 0) errs.push(invalid(valuesPath, values, 'at least one value is required'));
      else if (values.length > MAX_ON_EXIT_CODES_VALUES) errs.push(tooMany(valuesPath, values.length, MAX_ON_EXIT_CODES_VALUES));
      const seen = new Set<number>();
      let ordered = true;
      values.forEach((v, j) => {
        if (req.operator === 'In' && v === 0) errs.push(invalid(index(valuesPath, j), v, 'must not be 0 for the In operator'));
        if (seen.has(v)) errs.push(duplicate(index(valuesPath, j), v));
        else seen.add(v);
        if (j > 0 && values[j - 1] > v) ordered = false;
      });
      if (!ordered) errs.push(invalid(valuesPath, values, 'must be ordered'));
    }
    if (onPodConditions.length > 0) {
      const path = child(rulePath, 'onPodConditions');
      if (onPodConditions.length > MAX_ON_POD_CONDITIONS_PATTERNS) errs.push(tooMany(path, onPodConditions.length, MAX_ON_POD_CONDITIONS_PATTERNS));
      onPodConditions.forEach((p, j) => {
        const pattern = record(p);
        const pPath = index(path, j);
        errs.push(...isQualifiedName(str(pattern.type)).map((m) => invalid(child(pPath, 'type'), str(pattern.type), m)));
        if (!pattern.status) errs.push(required(child(pPath, 'status'), `valid values: ${goQuotedList(CONDITION_STATUSES)}`));
        else if (!CONDITION_STATUSES.includes(pattern.status as string)) errs.push(notSupported(child(pPath, 'status'), pattern.status, CONDITION_STATUSES));
      });
    }
    if (onExitCodes != null && onPodConditions.length > 0) errs.push(invalid(rulePath, OMIT_VALUE, 'specifying both OnExitCodes and OnPodConditions is not supported'));
    if (onExitCodes == null && onPodConditions.length === 0) errs.push(invalid(rulePath, OMIT_VALUE, 'specifying one of OnExitCodes and OnPodConditions is required'));
  });
  return errs;
}

function validateSuccessPolicy(spec: Record<string, any>, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const rulesPath = child(field, 'rules');
  const rules = list<Record<string, any>>(record(spec.successPolicy).rules);
  const completions = num(spec.completions) ?? 0;
  if (rules.length === 0) errs.push(required(rulesPath, 'at least one rules must be specified when the successPolicy is specified'));
  if (rules.length > MAX_SUCCESS_POLICY_RULES) errs.push(tooMany(rulesPath, rules.length, MAX_SUCCESS_POLICY_RULES));
  rules.forEach((ruleIn, i) => {
    const rule = record(ruleIn);
    const rulePath = index(rulesPath, i);
    if (rule.succeededCount == null && rule.succeededIndexes == null) errs.push(required(rulePath, 'at least one of succeededCount or succeededIndexes must be specified'));
    let totalIndexes = 0;
    if (rule.succeededIndexes != null) {
      const path = child(rulePath, 'succeededIndexes');
      const text = str(rule.succeededIndexes);
      if (text.length > MAX_SUCCEEDED_INDEXES_LENGTH) errs.push(tooLong(path, text, MAX_SUCCEEDED_INDEXES_LENGTH));
      const total = validateIndexesFormat(text, completions);
      if (total instanceof Error) errs.push(invalid(path, text, `error parsing succeededIndexes: ${total.message}`));
      else totalIndexes = total;
    }
    if (rule.succeededCount != null) {
      const path = child(rulePath, 'succeededCount');
      const count = num(rule.succeededCount) ?? 0;
      errs.push(...validateNonnegativeField(count, path));
      if (count > completions) errs.push(invalid(path, count, `must be less than or equal to ${completions} (the number of specified completions)`));
      if (rule.succeededIndexes != null && count > totalIndexes) {
        errs.push(invalid(path, count, `must be less than or equal to ${totalIndexes} (the number of indexes in the specified succeededIndexes field)`));
      }
    }
  });
  return errs;
}

function validatePodReplacementPolicy(spec: Record<string, any>, field: string): FieldError[] {
  const policy = spec.podReplacementPolicy;
  if (policy == null) return [];
  if (spec.podFailurePolicy != null) return policy === 'Failed' ? [] : [notSupported(field, policy, ['Failed'])];
  return ['Failed', 'TerminatingOrFailed'].includes(policy) ? [] : [notSupported(field, policy, ['Failed', 'TerminatingOrFailed'])];
}

/** upstream's validateJobSpec: everything but the selector (which a job template may not have). */
export function validateJobSpecFields(specIn: unknown, field: string): FieldError[] {
  const spec = record(specIn);
  const errs: FieldError[] = [];
  for (const f of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished', 'backoffLimitPerIndex']) {
    if (spec[f] != null) errs.push(...validateNonnegativeField(num(spec[f]) ?? 0, child(field, f)));
  }
  if (spec.maxFailedIndexes != null) {
    errs.push(...validateNonnegativeField(num(spec.maxFailedIndexes) ?? 0, child(field, 'maxFailedIndexes')));
    if (spec.backoffLimitPerIndex == null) errs.push(required(child(field, 'backoffLimitPerIndex'), 'when maxFailedIndexes is specified'));
  }
  if (spec.managedBy != null) {
    const managedBy = str(spec.managedBy);
    errs.push(...isDomainPrefixedPath(managedBy).map(([value, detail]) => invalid(child(field, 'managedBy'), value, detail)));
    if (managedBy.length > MAX_MANAGED_BY_LENGTH) errs.push(tooLong(child(field, 'managedBy'), managedBy, MAX_MANAGED_BY_LENGTH));
  }
  const mode = spec.completionMode;
  const completions = num(spec.completions);
  const parallelism = num(spec.parallelism);
  const maxFailed = num(spec.maxFailedIndexes);
  if (mode != null) {
    if (mode !== 'NonIndexed' && mode !== 'Indexed') errs.push(notSupported(child(field, 'completionMode'), mode, ['NonIndexed', 'Indexed']));
    if (mode === 'Indexed') {
      if (spec.completions == null) errs.push(required(child(field, 'completions'), 'when completion mode is Indexed'));
      if (parallelism !== undefined && parallelism > MAX_PARALLELISM_FOR_INDEXED_JOB) {
        errs.push(invalid(child(field, 'parallelism'), parallelism, `must be less than or equal to ${MAX_PARALLELISM_FOR_INDEXED_JOB} when completion mode is Indexed`));
      }
      if (completions !== undefined && maxFailed !== undefined && maxFailed > completions) {
        errs.push(invalid(child(field, 'maxFailedIndexes'), maxFailed, 'must be less than or equal to completions'));
      }
      if (maxFailed !== undefined && maxFailed > MAX_FAILED_INDEXES_FOR_INDEXED_JOB) {
        errs.push(invalid(child(field, 'maxFailedIndexes'), maxFailed, `must be less than or equal to ${MAX_FAILED_INDEXES_FOR_INDEXED_JOB}`));
      }
      if (completions !== undefined && completions > COMPLETIONS_SOFT_LIMIT && spec.backoffLimitPerIndex != null) {
        if (maxFailed === undefined) errs.push(required(child(field, 'maxFailedIndexes'), `must be specified when completions is above ${COMPLETIONS_SOFT_LIMIT}`));
        if (parallelism !== undefined && parallelism > PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS) {
          errs.push(invalid(child(field, 'parallelism'), parallelism, `must be less than or equal to ${PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS} when completions are above ${COMPLETIONS_SOFT_LIMIT} and used with backoff limit per index`));
        }
        if (maxFailed !== undefined && maxFailed > MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS) {
          errs.push(invalid(child(field, 'maxFailedIndexes'), maxFailed, `must be less than or equal to ${MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS} when completions are above ${COMPLETIONS_SOFT_LIMIT} and used with backoff limit per index`));
        }
      }
    }
  }
  if (mode == null || mode === 'NonIndexed') {
    if (spec.backoffLimitPerIndex != null) errs.push(invalid(child(field, 'backoffLimitPerIndex'), spec.backoffLimitPerIndex, 'requires indexed completion mode'));
    if (spec.maxFailedIndexes != null) errs.push(invalid(child(field, 'maxFailedIndexes'), spec.maxFailedIndexes, 'requires indexed completion mode'));
  }
  if (spec.podFailurePolicy != null) errs.push(...validatePodFailurePolicy(spec, child(field, 'podFailurePolicy')));
  if (spec.successPolicy != null) {
    if (mode !== 'Indexed') errs.push(invalid(child(field, 'successPolicy'), spec.successPolicy, 'requires indexed completion mode'));
    else errs.push(...validateSuccessPolicy(spec, child(field, 'successPolicy')));
  }
  errs.push(...validatePodReplacementPolicy(spec, child(field, 'podReplacementPolicy')));
  errs.push(...validatePodTemplateSpec(spec.template, child(field, 'template')));
  const restartPolicy = record(record(spec.template).spec).restartPolicy;
  const rpPath = child(field, 'template', 'spec', 'restartPolicy');
  // PodSpec defaulting turns a missing restartPolicy into Always: both read as "not set" here.
  if (restartPolicy === 'Always' || !restartPolicy) errs.push(required(rpPath, 'valid values: "OnFailure", "Never"'));
  else if (restartPolicy !== 'OnFailure' && restartPolicy !== 'Never') errs.push(notSupported(rpPath, restartPolicy, ['OnFailure', 'Never']));
  else if (spec.podFailurePolicy != null && restartPolicy !== 'Never') errs.push(invalid(rpPath, restartPolicy, 'only "Never" is supported when podFailurePolicy is specified'));
  return errs;
}
