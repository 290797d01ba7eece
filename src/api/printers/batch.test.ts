// Expected cells follow upstream's TestPrintJob and TestPrintCronJob (printers_test.go), wide
// variants, as the API server prints.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CronJob, Job, JobCondition } from '../../kube/types.js';
import { cronJobTable, jobTable } from './batch.js';

const now = new Date('2025-06-01T12:00:00Z');
const at = (msFromNow: number) => new Date(now.getTime() + msFromNow).toISOString();
const justCreated = at(1900);
const tenYearsAgo = '2015-06-01T12:00:00Z';
const template = { spec: { containers: [{ name: 'fake-job-container1', image: 'fake-job-image1' }, { name: 'fake-job-container2', image: 'fake-job-image2' }] } };
const condition = (type: string, status: JobCondition['status'] = 'True'): JobCondition => ({ type, status });

const job = (name: string, spec: Partial<Job['spec']>, status: Job['status'] = {}, created = tenYearsAgo): Job =>
  ({ metadata: { name, creationTimestamp: created }, spec: { template, ...spec }, status });

describe('job printer', () => {
  it('prints completions, duration and the selector as upstream TestPrintJob', () => {
    const j1 = job('job1', { completions: 2, selector: { matchLabels: { 'job-label': 'job-label-value' } } }, { succeeded: 1 }, justCreated);
    assert.deepEqual(jobTable.cells(j1, now), ['job1', 'Running', '1/2', '', '0s', 'fake-job-container1,fake-job-container2', 'fake-job-image1,fake-job-image2', 'job-label=job-label-value']);
    assert.deepEqual(jobTable.cells(job('job2', {}, { succeeded: 0 }), now).slice(0, 5), ['job2', 'Running', '0/1', '', '10y']);
    const finishedTimes = { startTime: at(60_000), completionTime: at(31 * 60_000) };
    assert.deepEqual(jobTable.cells(job('job3', {}, { succeeded: 0, ...finishedTimes }), now).slice(0, 5), ['job3', 'Running', '0/1', '30m', '10y']);
    assert.deepEqual(jobTable.cells(job('job4', {}, { succeeded: 0, startTime: at(-20 * 60_000) }), now).slice(0, 5), ['job4', 'Running', '0/1', '20m', '10y']);
    assert.deepEqual(jobTable.cells(job('job5', { parallelism: 4 }, { succeeded: 0 }), now)[2], '0/1 of 4');
  });

  it('prints the status from the conditions, terminal ones first', () => {
    const statusOf = (conditions: JobCondition[], deleting = false) => {
      const j = job('j', { completions: 1 }, { conditions });
      if (deleting) j.metadata.deletionTimestamp = at(0);
      return jobTable.cells(j, now)[1];
    };
    assert.equal(statusOf([condition('SuccessCriteriaMet'), condition('Complete')]), 'Complete');
    assert.equal(statusOf([condition('FailureTarget'), condition('Failed')]), 'Failed');
    assert.equal(statusOf([condition('Complete')], true), 'Complete');
    assert.equal(statusOf([condition('Suspended')], true), 'Terminating');
    assert.equal(statusOf([condition('Suspended')]), 'Suspended');
    assert.equal(statusOf([condition('Suspended', 'False')]), 'Running');
    assert.equal(statusOf([condition('FailureTarget')]), 'FailureTarget');
    assert.equal(statusOf([condition('SuccessCriteriaMet')]), 'SuccessCriteriaMet');
    assert.equal(statusOf([]), 'Running');
  });

  it('has upstream columns, three of them wide', () => {
    assert.deepEqual(jobTable.columns.map((c) => [c.name, c.priority]), [
      ['Name', 0], ['Status', 0], ['Completions', 0], ['Duration', 0], ['Age', 0], ['Containers', 1], ['Images', 1], ['Selector', 1],
    ]);
  });
});

describe('cronjob printer', () => {
  const cronJob = (name: string, created: string, extra: { lastScheduleTime?: string; timeZone?: string; suspend?: boolean; active?: number } = {}): CronJob => ({
    metadata: { name, creationTimestamp: created },
    spec: {
      schedule: '0/5 * * * ?', suspend: extra.suspend ?? false, ...(extra.timeZone ? { timeZone: extra.timeZone } : {}),
      jobTemplate: { spec: { template, selector: { matchLabels: { a: 'b' } } } },
    },
    status: {
      ...(extra.lastScheduleTime ? { lastScheduleTime: extra.lastScheduleTime } : {}),
      active: Array.from({ length: extra.active ?? 0 }, (_, i) => ({ name: `j${i}` })),
    },
  });

  it('prints as upstream TestPrintCronJob', () => {
    assert.deepEqual(cronJobTable.cells(cronJob('cronjob1', justCreated, { lastScheduleTime: justCreated }), now),
      ['cronjob1', '0/5 * * * ?', '<none>', 'False', 0, '0s', '0s', 'fake-job-container1,fake-job-container2', 'fake-job-image1,fake-job-image2', 'a=b']);
    assert.deepEqual(cronJobTable.cells(cronJob('cronjob2', at(-300_000), { lastScheduleTime: at(-30_000) }), now).slice(0, 7),
      ['cronjob2', '0/5 * * * ?', '<none>', 'False', 0, '30s', '5m']);
    assert.deepEqual(cronJobTable.cells(cronJob('cronjob3', at(-300_000)), now).slice(0, 7), ['cronjob3', '0/5 * * * ?', '<none>', 'False', 0, '<none>', '5m']);
    assert.deepEqual(cronJobTable.cells(cronJob('cronjob4', at(-300_000), { timeZone: 'Asia/Shanghai', suspend: true, active: 2 }), now).slice(0, 7),
      ['cronjob4', '0/5 * * * ?', 'Asia/Shanghai', 'True', 2, '<none>', '5m']);
  });

  it('has upstream columns', () => {
    assert.deepEqual(cronJobTable.columns.map((c) => c.name), ['Name', 'Schedule', 'Timezone', 'Suspend', 'Active', 'Last Schedule', 'Age', 'Containers', 'Images', 'Selector']);
  });
});
