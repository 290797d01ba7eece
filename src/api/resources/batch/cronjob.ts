// batch/v1 CronJob (SetDefaults_CronJob, pkg/registry/batch/cronjob/strategy.go and
// ValidateCronJobCreate/Update, Kubernetes 1.32): defaults, the schedule as robfig/cron parses it,
// the time zone, the concurrency policy and the job template.

import { invalid, notSupported, required, type FieldError } from '../../../kube/errors.js';
import type { KubeObject } from '../../../kube/types.js';
import { parseStandard } from '../../../common/cron.js';
import { loadZone, localZone } from '../../../common/zoned-time.js';
import type { ResourceDef } from '../../resource.js';
import { validateNonnegativeField } from '../../validation/meta.js';
import { num, record, str } from '../../validation/values.js';
import { ensureObject, splitStatus } from '../common.js';
import { dnsLabelNameWarning, jobSpecWarnings } from './job.js';
import { setJobSpecTemplateDefaults, validateJobSpecFields } from './jobspec.js';

/** The controller appends "-<minutes since the epoch>" (11 characters) to make Job names, which are DNS labels. */
const MAX_CRONJOB_NAME = 63 - 11;
const VALID_ZONE_PART = /^[A-Za-z.\-_0-9+]{1,14}$/;

function setCronJobDefaults(o: KubeObject): void {
  const spec = ensureObject(o, 'spec');
  spec.concurrencyPolicy ||= 'Allow';
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;
  const jobTemplate = ensureObject(spec, 'jobTemplate');
  setJobSpecTemplateDefaults(ensureObject(jobTemplate, 'spec'));
}

function validateScheduleFormat(schedule: string, allowTZ: boolean, timeZone: unknown): FieldError[] {
  const errs: FieldError[] = [];
  try {
    parseStandard(schedule, localZone);
  } catch (err) {
    errs.push(invalid('spec.schedule', schedule, (err as Error).message));
  }
  if (allowTZ && schedule.includes('TZ') && timeZone != null) {
    errs.push(invalid('spec.schedule', schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
  } else if (!allowTZ && schedule.includes('TZ')) {
    errs.push(invalid('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  }
  return errs;
}

/** validateTimeZone: an IANA name Go's time.LoadLocation knows, not "Local". */
function validateTimeZone(timeZone: unknown): FieldError[] {
  if (timeZone == null) return [];
  const tz = str(timeZone);
  if (tz.length === 0) return [invalid('spec.timeZone', tz, 'timeZone must be nil or non-empty string')];
  for (const part of tz.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !VALID_ZONE_PART.test(part)) return [invalid('spec.timeZone', tz, `unknown time zone ${tz}`)];
  }
  const errs: FieldError[] = [];
  if (tz.toLowerCase() === 'local') errs.push(invalid('spec.timeZone', tz, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
  try {
    loadZone(tz);
  } catch (err) {
    errs.push(invalid('spec.timeZone', tz, (err as Error).message));
  }
  return errs;
}

/** ValidateJobTemplateSpec: a Job spec whose selector the Job will get generated. */
function validateJobTemplateSpec(jobTemplate: unknown): FieldError[] {
  const spec = record(record(jobTemplate).spec);
  const errs = validateJobSpecFields(spec, 'spec.jobTemplate.spec');
  if (spec.selector != null) errs.push(invalid('spec.jobTemplate.spec.selector', spec.selector, '`selector` will be auto-generated'));
  if (spec.manualSelector === true) errs.push(notSupported('spec.jobTemplate.spec.manualSelector', true, ['nil', 'false']));
  return errs;
}

function validateCronJobSpec(o: KubeObject, old?: KubeObject): FieldError[] {
  const spec = record(o.spec);
  const oldSpec = old ? record(old.spec) : undefined;
  const errs: FieldError[] = [];
  const schedule = str(spec.schedule);
  if (!schedule) errs.push(required('spec.schedule'));
  else errs.push(...validateScheduleFormat(schedule, oldSpec ? str(oldSpec.schedule).includes('TZ') : false, spec.timeZone));
  if (spec.startingDeadlineSeconds != null) errs.push(...validateNonnegativeField(num(spec.startingDeadlineSeconds) ?? 0, 'spec.startingDeadlineSeconds'));
  if (!oldSpec || oldSpec.timeZone !== spec.timeZone) errs.push(...validateTimeZone(spec.timeZone));
  const policy = spec.concurrencyPolicy;
  if (!policy) errs.push(required('spec.concurrencyPolicy'));
  else if (!['Allow', 'Forbid', 'Replace'].includes(policy as string)) errs.push(notSupported('spec.concurrencyPolicy', policy, ['Allow', 'Forbid', 'Replace']));
  errs.push(...validateJobTemplateSpec(spec.jobTemplate));
  for (const f of ['successfulJobsHistoryLimit', 'failedJobsHistoryLimit']) {
    if (spec[f] != null) errs.push(...validateNonnegativeField(num(spec[f]) ?? 0, `spec.${f}`));
  }
  return errs;
}

const TZ_WARNING = 'cannot use TZ or CRON_TZ in spec.spec.schedule, use timeZone instead, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details';

export function cronJobResource(): ResourceDef {
  return {
    group: 'batch',
    version: 'v1',
    kind: 'CronJob',
    plural: 'cronjobs',
    singular: 'cronjob',
    shortNames: ['cj'],
    categories: ['all'],
    namespaced: true,
    subresources: ['status'],
    hasStatus: true,
    hasGeneration: true,
    schemaName: 'io.k8s.api.batch.v1.CronJob',
    defaults: setCronJobDefaults,
    prepareForCreate(o) { o.status = {}; },
    prepareForUpdate: splitStatus,
    validate(o) {
      const errs = validateCronJobSpec(o);
      const name = o.metadata.name ?? '';
      if (name.length > MAX_CRONJOB_NAME) errs.push(invalid('metadata.name', name, `must be no more than ${MAX_CRONJOB_NAME} characters`));
      return errs;
    },
    // The status strategy validates nothing; names longer than 52 characters stay updatable.
    validateUpdate: (o, old, subresource) => (subresource === 'status' ? [] : validateCronJobSpec(o, old)),
    warnings: (o) => [
      ...dnsLabelNameWarning(o.metadata.name ?? ''),
      ...jobSpecWarnings(record(record(o.spec).jobTemplate).spec, 'spec.jobTemplate.spec'),
      ...(str(record(o.spec).schedule).includes('TZ') ? [TZ_WARNING] : []),
    ],
  };
}
