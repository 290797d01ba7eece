// The CronJob controller against knit's real API server, with a clock the test moves from the
// CronJob's creation time: Jobs at scheduled times, the concurrency policies, missed schedules,
// history limits and suspension, without waiting for wall-clock minutes.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CronJob, Job } from '../../kube/types.js';
import { keyOf, type Informer } from '../../client/informer.js';
import { R } from '../../client/resources.js';
import { metaTime } from '../../common/time.js';
import { UTC } from '../../common/zoned-time.js';
import { startControllerTest, type ControllerTest } from '../testing.js';
import { CronJobController } from './controller.js';

let t: ControllerTest;
let ctrl: CronJobController;
let cronJobs: Informer<CronJob>;
let jobs: Informer<Job>;
let namespaces = 0;
const MINUTE = 60_000;

before(async () => {
  t = await startControllerTest();
  ctrl = new CronJobController(t.ctx, { now: () => t.clock.now, localZone: () => UTC });
  cronJobs = t.informers.get<CronJob>(R.cronjobs);
  jobs = t.informers.get<Job>(R.jobs);
  t.informers.start();
  await t.informers.waitForSync();
});
after(async () => {
  // Its queue holds the requeue timers of the reconciles the tests ran.
  await ctrl?.stop();
  await t?.close();
});

/** A CronJob in a fresh namespace; the clock starts at its creation time. */
async function newCronJob(spec: Record<string, unknown>): Promise<CronJob> {
  const ns = `cron-${++namespaces}`;
  await t.client.create(R.namespaces, undefined, { metadata: { name: ns } });
  const cj = await t.client.create<CronJob>(R.cronjobs, ns, {
    metadata: { name: 'hello' },
    spec: {
      schedule: '* * * * *',
      jobTemplate: { metadata: { labels: { app: 'hello' } }, spec: { template: { spec: { containers: [{ name: 'hello', image: 'busybox' }], restartPolicy: 'OnFailure' } } } },
      ...spec,
    },
  });
  t.clock.now = Date.parse(cj.metadata.creationTimestamp!);
  await settled(cj);
  return cj;
}

/** The next whole minute after the clock, plus a second. */
const nextMinute = () => Math.floor(t.clock.now / MINUTE) * MINUTE + MINUTE + 1000;

async function settled(cj: CronJob): Promise<CronJob> {
  const ns = cj.metadata.namespace!;
  const live = await t.client.get<CronJob>(R.cronjobs, ns, 'hello');
  const liveJobs = (await t.client.list<Job>(R.jobs, ns)).items;
  await t.until(cronJobs, 'the cronjob', () => cronJobs.get(ns, 'hello')?.metadata.resourceVersion === live.metadata.resourceVersion);
  await t.until(jobs, 'the jobs', (all) => {
    const cached = all.filter((j) => j.metadata.namespace === ns);
    return cached.length === liveJobs.length && liveJobs.every((j) => cached.some((c) => c.metadata.uid === j.metadata.uid && c.metadata.resourceVersion === j.metadata.resourceVersion));
  });
  return live;
}

async function step(cj: CronJob): Promise<CronJob> {
  await ctrl.reconcile(keyOf(cj));
  return settled(cj);
}

const jobsOf = (cj: CronJob) => jobs.list().filter((j) => j.metadata.namespace === cj.metadata.namespace && !j.metadata.deletionTimestamp).map((j) => j.metadata.name!).sort();

/** The Job controller's part: the Job ran to Complete (or Failed). */
async function finish(cj: CronJob, name: string, outcome: 'Complete' | 'Failed'): Promise<void> {
  const at = metaTime(t.clock.now);
  const job = await t.client.get<Job>(R.jobs, cj.metadata.namespace, name);
  const c = (type: string) => ({ type, status: 'True', lastProbeTime: at, lastTransitionTime: at });
  await t.client.updateStatus(R.jobs, {
    ...job,
    status: outcome === 'Complete'
      ? { startTime: at, completionTime: at, succeeded: 1, conditions: [c('SuccessCriteriaMet'), c('Complete')] }
      : { startTime: at, failed: 1, conditions: [c('FailureTarget'), c('Failed')] },
  });
}

describe('CronJob controller', () => {
  it('creates a Job named after the scheduled minute, with its scheduled time', async () => {
    let cj = await newCronJob({});
    cj = await step(cj);
    assert.deepEqual(jobsOf(cj), [], 'nothing due before the first minute');
    t.clock.now = nextMinute();
    const scheduled = t.clock.now - 1000;
    cj = await step(cj);
    const name = `hello-${scheduled / MINUTE}`;
    assert.deepEqual(jobsOf(cj), [name]);
    const job = jobs.get(cj.metadata.namespace, name)!;
    assert.equal(job.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], metaTime(scheduled));
    assert.deepEqual(job.metadata.labels?.app, 'hello');
    assert.deepEqual(job.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.controller]), [['CronJob', 'hello', true]]);
    assert.equal(cj.status?.lastScheduleTime, metaTime(scheduled));
    assert.deepEqual(cj.status?.active?.map((r) => [r.kind, r.name, r.apiVersion]), [['Job', name, 'batch/v1']]);
    cj = await step(cj);
    assert.deepEqual(jobsOf(cj), [name], 'a scheduled time makes one Job');
    assert.deepEqual(await t.events(cj.metadata.namespace!, 'hello'), [`SuccessfulCreate: Created job ${name}`]);
  });

  it('with Forbid, skips a time while a Job runs; with Allow, runs them side by side', async () => {
    let forbid = await newCronJob({ concurrencyPolicy: 'Forbid' });
    t.clock.now = nextMinute();
    forbid = await step(forbid);
    t.clock.now = nextMinute();
    forbid = await step(forbid);
    assert.equal(jobsOf(forbid).length, 1);
    assert.ok((await t.events(forbid.metadata.namespace!, 'hello')).includes('JobAlreadyActive: Not starting job because prior execution is running and concurrency policy is Forbid'));

    let allow = await newCronJob({});
    t.clock.now = nextMinute();
    allow = await step(allow);
    t.clock.now = nextMinute();
    allow = await step(allow);
    assert.equal(jobsOf(allow).length, 2);
    assert.equal(allow.status?.active?.length, 2);
  });

  it('with Replace, deletes the running Job for the new one', async () => {
    let cj = await newCronJob({ concurrencyPolicy: 'Replace' });
    t.clock.now = nextMinute();
    cj = await step(cj);
    const [first] = jobsOf(cj);
    t.clock.now = nextMinute();
    cj = await step(cj);
    const [second] = jobsOf(cj);
    assert.notEqual(second, first);
    assert.deepEqual(cj.status?.active?.map((r) => r.name), [second]);
    assert.ok((await t.events(cj.metadata.namespace!, 'hello')).includes(`SuccessfulDelete: Deleted job ${first}`));
  });

  it('notices finished Jobs, records the last success and keeps the history limits', async () => {
    let cj = await newCronJob({ successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 });
    const made: string[] = [];
    let lastSuccess = 0;
    for (const outcome of ['Complete', 'Failed', 'Complete', 'Failed'] as const) {
      t.clock.now = nextMinute();
      cj = await step(cj);
      const name = jobsOf(cj).find((n) => !made.includes(n))!;
      made.push(name);
      await finish(cj, name, outcome);
      if (outcome === 'Complete') lastSuccess = t.clock.now;
      cj = await settled(cj);
    }
    cj = await step(cj);
    cj = await step(cj);
    assert.deepEqual(jobsOf(cj), [made[2], made[3]].sort(), 'one of each kind left, the newest');
    assert.deepEqual(cj.status?.active ?? [], []);
    assert.equal(cj.status?.lastSuccessfulTime, metaTime(lastSuccess));
    const events = await t.events(cj.metadata.namespace!, 'hello');
    assert.ok(events.includes(`SawCompletedJob: Saw completed job: ${made[3]}, condition: Failed`));
    assert.ok(events.includes(`SuccessfulDelete: Deleted job ${made[0]}`));
    assert.ok(events.includes(`SuccessfulDelete: Deleted job ${made[1]}`));
  });

  it('lets a time pass that is older than startingDeadlineSeconds, and starts only the latest of many missed', async () => {
    let late = await newCronJob({ startingDeadlineSeconds: 10 });
    t.clock.now = nextMinute() + 30_000;
    late = await step(late);
    assert.deepEqual(jobsOf(late), [], 'upstream looks no further back than the deadline: the time is skipped');
    t.clock.now = nextMinute() + 8000;
    late = await step(late);
    assert.equal(jobsOf(late).length, 1, 'within the deadline it starts');

    let behind = await newCronJob({});
    t.clock.now += 200 * MINUTE;
    behind = await step(behind);
    assert.deepEqual(jobsOf(behind), [`hello-${Math.floor(t.clock.now / MINUTE)}`], 'only the most recent time');
    assert.ok((await t.events(behind.metadata.namespace!, 'hello')).includes('TooManyMissedTimes: too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew'));
  });

  it('reads the schedule in its time zone and stamps the Job with it', async () => {
    let cj = await newCronJob({ schedule: '30 * * * *', timeZone: 'Asia/Kolkata' });
    // Kolkata is UTC+05:30: minute 30 there is minute 0 in UTC.
    t.clock.now = Math.floor(t.clock.now / (60 * MINUTE)) * 60 * MINUTE + 60 * MINUTE + 1000;
    cj = await step(cj);
    const [name] = jobsOf(cj);
    assert.ok(name, 'a Job at the top of the UTC hour');
    assert.match(jobs.get(cj.metadata.namespace, name)!.metadata.annotations!['batch.kubernetes.io/cronjob-scheduled-timestamp'], /^\d{4}-\d\d-\d\dT\d\d:30:00\+05:30$/);
  });

  it('starts nothing while suspended', async () => {
    let cj = await newCronJob({ suspend: true });
    t.clock.now = nextMinute();
    cj = await step(cj);
    assert.deepEqual(jobsOf(cj), []);
    cj = await t.client.patch<CronJob>(R.cronjobs, cj.metadata.namespace, 'hello', { spec: { suspend: false } });
    await settled(cj);
    cj = await step(cj);
    assert.equal(jobsOf(cj).length, 1, 'resumed within the (unset) starting deadline: the missed time runs');
  });
});
