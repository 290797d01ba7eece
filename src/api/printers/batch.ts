// Jobs and CronJobs, as upstream's printJob and printCronJob (Kubernetes 1.32).

import type { TableDef } from '../resource.js';
import type { CronJob, Job } from '../../kube/types.js';
import { doc } from './descriptions.js';
import { creationAge, formatLabelSelector, humanDuration, layoutContainerCells, timestampMillis, translateTimestampSince } from './format.js';
import { ageColumn, column, nameColumn } from './table.js';

const hasCondition = (job: Job, type: string) => (job.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');

/** The STATUS cell: terminal conditions first, then deletion, suspension and the interim conditions. */
function jobStatus(job: Job): string {
  if (hasCondition(job, 'Complete')) return 'Complete';
  if (hasCondition(job, 'Failed')) return 'Failed';
  if (job.metadata.deletionTimestamp) return 'Terminating';
  if (hasCondition(job, 'Suspended')) return 'Suspended';
  if (hasCondition(job, 'FailureTarget')) return 'FailureTarget';
  if (hasCondition(job, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

/** "2/3", or for a Job without completions "1/1" (or "0/1 of 4" with parallelism above 1). */
function completions(job: Job): string {
  const succeeded = job.status?.succeeded ?? 0;
  if (job.spec?.completions != null) return `${succeeded}/${job.spec.completions}`;
  const parallelism = job.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

/** Start to completion, or start to now while running; empty before the Job started. */
function duration(job: Job, now: Date): string {
  const start = timestampMillis(job.status?.startTime);
  if (start === undefined) return '';
  const end = timestampMillis(job.status?.completionTime);
  return humanDuration((end ?? now.getTime()) - start);
}

export const jobTable: TableDef = {
  columns: [
    nameColumn(),
    column('Status', 'string', 'Status of the job.'),
    column('Completions', 'string', doc.jobStatusSucceeded),
    column('Duration', 'string', 'Time required to complete the job.'),
    ageColumn(),
    column('Containers', 'string', doc.containers, { priority: 1 }),
    column('Images', 'string', doc.images, { priority: 1 }),
    column('Selector', 'string', doc.jobSpecSelector, { priority: 1 }),
  ],
  cells(obj, now) {
    const job = obj as Job;
    return [
      job.metadata.name ?? '',
      jobStatus(job),
      completions(job),
      duration(job, now),
      creationAge(job, now),
      ...layoutContainerCells(job.spec?.template?.spec?.containers),
      formatLabelSelector(job.spec?.selector),
    ];
  },
};

export const cronJobTable: TableDef = {
  columns: [
    nameColumn(),
    column('Schedule', 'string', doc.cronJobSpecSchedule),
    column('Timezone', 'string', doc.cronJobSpecTimeZone),
    column('Suspend', 'boolean', doc.cronJobSpecSuspend),
    column('Active', 'integer', doc.cronJobStatusActive),
    column('Last Schedule', 'string', doc.cronJobStatusLastScheduleTime),
    ageColumn(),
    column('Containers', 'string', doc.containers, { priority: 1 }),
    column('Images', 'string', doc.images, { priority: 1 }),
    column('Selector', 'string', doc.jobSpecSelector, { priority: 1 }),
  ],
  cells(obj, now) {
    const cj = obj as CronJob;
    const suspend = cj.spec?.suspend;
    const jobSpec = cj.spec?.jobTemplate?.spec;
    return [
      cj.metadata.name ?? '',
      cj.spec?.schedule ?? '',
      cj.spec?.timeZone ?? '<none>',
      // printBoolPtr: a string, whatever the column's type says.
      suspend == null ? '<unset>' : suspend ? 'True' : 'False',
      (cj.status?.active ?? []).length,
      cj.status?.lastScheduleTime ? translateTimestampSince(cj.status.lastScheduleTime, now) : '<none>',
      creationAge(cj, now),
      ...layoutContainerCells(jobSpec?.template?.spec?.containers),
      formatLabelSelector(jobSpec?.selector),
    ];
  },
};
