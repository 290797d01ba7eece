// The CronJob controller's schedule arithmetic on upstream's cases (utils_test.go:
// TestMostRecentScheduleTime, TestNextScheduleTimeDuration, TestGetJobFromTemplate2), in UTC as
// upstream's test times are.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CronJob, Job } from '../../kube/types.js';
import { UTC } from '../../common/zoned-time.js';
import { byStartTime, dueScheduleTime, jobFromTemplate, jobName, mostRecentScheduleTime, nextScheduleDelay, oldestBeyondLimit, scheduleOf } from './schedule.js';

const TOP = Date.parse('2016-05-19T10:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function cronJob(schedule: string, created: number, o: { last?: number; sds?: number; timeZone?: string } = {}): CronJob {
  return {
    apiVersion: 'batch/v1', kind: 'CronJob',
    metadata: { name: 'mycronjob', namespace: 'snazzycats', uid: '1a2b3c', creationTimestamp: iso(created) },
    spec: {
      schedule, ...(o.sds !== undefined ? { startingDeadlineSeconds: o.sds } : {}), ...(o.timeZone ? { timeZone: o.timeZone } : {}),
      jobTemplate: { metadata: { labels: { a: 'b' }, annotations: { x: 'y' } }, spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }], restartPolicy: 'OnFailure' } } } },
    },
    status: o.last !== undefined ? { lastScheduleTime: iso(o.last) } : {},
  };
}

const recent = (cj: CronJob, now: number, includeSDS = false) => mostRecentScheduleTime(cj, now, scheduleOf(cj, () => UTC), includeSDS);

describe('most recent schedule time', () => {
  const cases: Array<[string, CronJob, number, { earliest: number; mostRecent?: number; missed: string }, boolean?]> = [
    ['now before next schedule', cronJob('0 * * * *', TOP), TOP + 30_000, { earliest: TOP, missed: 'none' }],
    ['now just after next schedule', cronJob('0 * * * *', TOP), TOP + 61 * MIN, { earliest: TOP, mostRecent: TOP + 60 * MIN, missed: 'none' }],
    ['missed 5 schedules', cronJob('0 * * * *', TOP + 10_000), TOP + 301 * MIN, { earliest: TOP + 10_000, mostRecent: TOP + 300 * MIN, missed: 'few' }],
    ['complex schedule', cronJob('30 6-16/4 * * 1-5', TOP, { last: TOP + 30 * MIN }), TOP + 24 * HOUR + 31 * MIN, { earliest: TOP + 30 * MIN, mostRecent: TOP + 24 * HOUR + 30 * MIN, missed: 'few' }],
    ['another complex schedule', cronJob('30 10,11,12 * * 1-5', TOP, { last: TOP + 30 * MIN }), TOP + 30 * HOUR + 30 * MIN, { earliest: TOP + 30 * MIN, missed: 'few' }],
    ['complex schedule with longer diff between executions', cronJob('30 6-16/4 * * 1-5', TOP, { last: TOP + 30 * MIN }), TOP + 96 * HOUR + 31 * MIN,
      { earliest: TOP + 30 * MIN, mostRecent: TOP + 96 * HOUR + 30 * MIN, missed: 'few' }],
    ['complex schedule with shorter diff between executions', cronJob('30 6-16/4 * * 1-5', TOP), TOP + 24 * HOUR + 31 * MIN, { earliest: TOP, mostRecent: TOP + 24 * HOUR + 30 * MIN, missed: 'few' }],
    ['@every schedule', cronJob('@every 1h', TOP - 59 * MIN, { last: TOP + MIN, sds: 10 }), TOP + 7 * 24 * HOUR,
      { earliest: TOP + MIN, mostRecent: TOP + 6 * 24 * HOUR + 23 * HOUR + MIN, missed: 'many' }],
    ['earliestTime being CreationTimestamp and LastScheduleTime', cronJob('0 * * * *', TOP, { last: TOP }), TOP + 30_000, { earliest: TOP, missed: 'none' }],
    ['earliestTime being LastScheduleTime', cronJob('*/5 * * * *', TOP, { last: TOP + 30 * MIN }), TOP + 31 * MIN, { earliest: TOP + 30 * MIN, missed: 'none' }],
    ['earliestTime being LastScheduleTime (within StartingDeadlineSeconds)', cronJob('*/5 * * * *', TOP, { last: TOP + 30 * MIN, sds: 60 }), TOP + 31 * MIN, { earliest: TOP + 30 * MIN, missed: 'none' }],
    ['earliestTime being LastScheduleTime (outside StartingDeadlineSeconds)', cronJob('*/5 * * * *', TOP, { last: TOP + 30 * MIN, sds: 60 }), TOP + 32 * MIN, { earliest: TOP + 31 * MIN, missed: 'none' }, true],
  ];
  for (const [name, cj, now, want, includeSDS] of cases) {
    it(name, () => assert.deepEqual(recent(cj, now, includeSDS), want));
  }
  it('refuses a schedule that never fires ("rogue cronjob")', () => {
    assert.throws(() => recent(cronJob('59 23 31 2 *', TOP + 10_000), TOP + HOUR), { message: 'time difference between two schedules is less than 1 second' });
  });
});

describe('next schedule delay', () => {
  const delay = (cj: CronJob, now: number) => nextScheduleDelay(cj, now, scheduleOf(cj, () => UTC));
  it('waits for the next activation plus 100 ms, as TestNextScheduleTimeDuration', () => {
    assert.equal(delay(cronJob('30 6-16/4 * * 1-5', TOP, { last: TOP + 30 * MIN }), TOP + 24 * HOUR + 31 * MIN), 3 * HOUR + 59 * MIN + 100);
    assert.equal(delay(cronJob('30 10,11,12 * * 1-5', TOP, { last: TOP + 30 * MIN }), TOP + 30 * HOUR + 30 * MIN), 66 * HOUR + 100);
    assert.equal(delay(cronJob('0 12 * * 4', TOP, { last: TOP + 2 * HOUR }), TOP + 19 * 24 * HOUR + HOUR + 30 * MIN), 48 * HOUR + 30 * MIN + 100);
    assert.equal(delay(cronJob('0 12 * * 5', TOP), TOP + 6 * HOUR), 20 * HOUR + 100);
  });
});

describe('the Job a scheduled time makes', () => {
  it('names it by minutes since the epoch and stamps the scheduled time (TestGetJobFromTemplate2)', () => {
    const scheduled = Date.parse('2016-05-19T10:13:00Z');
    const job = jobFromTemplate(cronJob('* * * * *', TOP), scheduled);
    assert.equal(job.metadata.name, `mycronjob-${scheduled / MIN}`);
    assert.equal(job.metadata.name, jobName(cronJob('* * * * *', TOP), scheduled + 59_999));
    assert.deepEqual(job.metadata.labels, { a: 'b' });
    assert.deepEqual(job.metadata.annotations, { x: 'y', 'batch.kubernetes.io/cronjob-scheduled-timestamp': '2016-05-19T10:13:00Z' });
    assert.deepEqual(job.metadata.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'mycronjob', uid: '1a2b3c', controller: true, blockOwnerDeletion: true }]);
    assert.equal(job.spec.template.spec.restartPolicy, 'OnFailure');
    const tz = jobFromTemplate(cronJob('* * * * *', TOP, { timeZone: 'America/New_York' }), scheduled);
    assert.equal(tz.metadata.annotations!['batch.kubernetes.io/cronjob-scheduled-timestamp'], '2016-05-19T06:13:00-04:00');
  });

  it('is due when a time passed, and not again for the same time', () => {
    const cj = cronJob('*/5 * * * *', TOP);
    assert.deepEqual(dueScheduleTime(cj, TOP + 6 * MIN, scheduleOf(cj, () => UTC)), { time: TOP + 5 * MIN, tooManyMissed: false });
    const done = cronJob('*/5 * * * *', TOP, { last: TOP + 5 * MIN });
    assert.deepEqual(dueScheduleTime(done, TOP + 6 * MIN, scheduleOf(done, () => UTC)), { tooManyMissed: false });
  });
});

describe('history limits', () => {
  const job = (name: string, start?: number): Job => ({ metadata: { name }, spec: { template: { spec: { containers: [] } } }, status: start === undefined ? {} : { startTime: iso(start) } });
  it('orders by start time, then name, unstarted last (TestByJobStartTime)', () => {
    const sorted = [job('c'), job('b', TOP + MIN), job('a', TOP + MIN), job('d', TOP)].sort(byStartTime).map((j) => j.metadata.name);
    assert.deepEqual(sorted, ['d', 'a', 'b', 'c']);
  });
  it('lets the oldest beyond the limit go', () => {
    assert.deepEqual(oldestBeyondLimit([job('new', TOP + 2 * MIN), job('old', TOP), job('mid', TOP + MIN)], 1).map((j) => j.metadata.name), ['old', 'mid']);
    assert.deepEqual(oldestBeyondLimit([job('a', TOP)], 3), []);
    assert.deepEqual(oldestBeyondLimit([job('a', TOP)], 0).map((j) => j.metadata.name), ['a']);
  });
});
