// The CronJob controller (upstream's cronjob_controllerv2.go, Kubernetes 1.32): at each scheduled
// time it creates a Job named after the time, within startingDeadlineSeconds and the concurrency
// policy; it keeps status.active, lastScheduleTime and lastSuccessfulTime, deletes finished Jobs
// beyond the history limits, and sleeps until the next scheduled time.

import { isApiError } from '../../kube/errors.js';
import type { CronJob, Job, ObjectReference } from '../../kube/types.js';
import { NAMESPACE_INDEX } from '../../client/factory.js';
import { keyOf, splitKey, type Informer } from '../../client/informer.js';
import { R } from '../../client/resources.js';
import { WorkQueue } from '../../client/workqueue.js';
import { metaTime } from '../../common/time.js';
import { loadZone, localZone, type Zone } from '../../common/zoned-time.js';
import type { Schedule } from '../../common/cron.js';
import { controllerRef, type Controller, type ControllerContext } from '../common.js';
import { dueScheduleTime, jobFromTemplate, jobName, nextScheduleDelay, oldestBeyondLimit, scheduleOf } from './schedule.js';

export interface CronJobControllerOptions {
  /** The clock (ms since the epoch); tests move it. */
  now?: () => number;
  /** The zone of schedules without a time zone (Go's time.Local of kube-controller-manager); default the process's. */
  localZone?: () => Zone;
}

const finishedType = (job: Job): 'Complete' | 'Failed' | undefined =>
  job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')?.type as 'Complete' | 'Failed' | undefined;

const refOf = (job: Job): ObjectReference => ({
  kind: 'Job', namespace: job.metadata.namespace, name: job.metadata.name, uid: job.metadata.uid, apiVersion: 'batch/v1', resourceVersion: job.metadata.resourceVersion,
});

const removeActive = (cj: CronJob, uid: string | undefined) => {
  cj.status = { ...cj.status, active: (cj.status?.active ?? []).filter((r) => r.uid !== uid) };
};

/** What one sync decided: whether status must be written, and when to sync again. */
interface SyncResult {
  updateStatus: boolean;
  requeueAfterMs?: number;
  error?: Error;
}

export class CronJobController implements Controller {
  readonly name = 'cronjob-controller';
  private readonly queue: WorkQueue;
  private readonly cronJobs: Informer<CronJob>;
  private readonly jobs: Informer<Job>;
  private readonly now: () => number;
  private readonly local: () => Zone;

  constructor(private readonly ctx: ControllerContext, o: CronJobControllerOptions = {}) {
    this.queue = new WorkQueue({ name: this.name, log: ctx.log(this.name), baseDelayMs: 5, maxDelayMs: 1000_000 });
    this.cronJobs = ctx.informers.get<CronJob>(R.cronjobs);
    this.jobs = ctx.informers.get<Job>(R.jobs);
    this.now = o.now ?? Date.now;
    this.local = o.localZone ?? localZone;
  }

  start(): void {
    this.cronJobs.addHandler({
      add: (cj) => this.queue.add(keyOf(cj)),
      update: (old, cj) => {
        if (old.spec.schedule === cj.spec.schedule && old.spec.timeZone === cj.spec.timeZone) return this.queue.add(keyOf(cj));
        // A new schedule: look again at its next time (a sooner one wins in the queue).
        let schedule: Schedule;
        try {
          schedule = scheduleOf(cj, this.local);
        } catch {
          this.event(cj, 'Warning', 'UnParseableCronJobSchedule', `unparseable schedule for cronjob: ${cj.spec.schedule}`);
          return;
        }
        const delay = nextScheduleDelay(cj, this.now(), schedule);
        if (delay !== undefined) this.queue.addAfter(keyOf(cj), delay);
      },
      delete: (cj) => this.queue.add(keyOf(cj)),
    });
    const jobChanged = (job: Job) => {
      const ref = controllerRef(job);
      if (ref?.kind !== 'CronJob') return;
      const cj = this.cronJobs.get(job.metadata.namespace, ref.name);
      if (cj?.metadata.uid === ref.uid) this.queue.add(keyOf(cj));
    };
    this.jobs.addHandler({ add: jobChanged, update: (_o, job) => jobChanged(job), delete: jobChanged });
    void Promise.all([this.cronJobs.waitForSync(), this.jobs.waitForSync()]).then(() => this.queue.run(2, (k) => this.reconcile(k)));
  }

  async stop(): Promise<void> {
    await this.queue.stop();
  }

  private event(cj: CronJob, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.ctx.recorder(this.name).event(cj, type, reason, message);
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.cronJobs.get(namespace, name);
    if (!cached) return;
    // Jobs that name it as their controller, matching labels or not.
    const jobs = this.jobs.byIndex(NAMESPACE_INDEX, namespace!).filter((j) => {
      const ref = controllerRef(j);
      return ref?.kind === 'CronJob' && ref.name === name;
    });
    let cj = structuredClone(cached);
    const cleaned = await this.cleanupFinishedJobs(cj, jobs);
    const result = await this.sync(cj, jobs, (fresh) => { cj = fresh; });
    if (cleaned || result.updateStatus) await this.ctx.client.updateStatus<CronJob>(R.cronjobs, cj);
    if (result.requeueAfterMs !== undefined) {
      this.queue.addAfter(key, result.requeueAfterMs);
      return;
    }
    if (result.error) throw result.error;
  }

  /** Deletes the oldest finished Jobs beyond successfulJobsHistoryLimit and failedJobsHistoryLimit. */
  private async cleanupFinishedJobs(cj: CronJob, jobs: Job[]): Promise<boolean> {
    const { successfulJobsHistoryLimit: okLimit, failedJobsHistoryLimit: failLimit } = cj.spec;
    if (okLimit == null && failLimit == null) return false;
    let changed = false;
    const doomed = [
      ...(okLimit != null ? oldestBeyondLimit(jobs.filter((j) => finishedType(j) === 'Complete'), okLimit) : []),
      ...(failLimit != null ? oldestBeyondLimit(jobs.filter((j) => finishedType(j) === 'Failed'), failLimit) : []),
    ];
    for (const job of doomed) if (await this.deleteJob(cj, job)) changed = true;
    return changed;
  }

  /** Deletes a Job in the background (its pods follow) and drops it from status.active. */
  private async deleteJob(cj: CronJob, job: Job): Promise<boolean> {
    try {
      await this.ctx.client.delete(R.jobs, job.metadata.namespace, job.metadata.name!, { propagationPolicy: 'Background' });
    } catch (err) {
      if (!isApiError(err, 'NotFound')) {
        this.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${(err as Error).message}`);
        return false;
      }
    }
    removeActive(cj, job.metadata.uid);
    this.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name}`);
    return true;
  }

  /** syncCronJob: reconciles status.active with the Jobs, then starts the Job that is due, if any. */
  private async sync(cjIn: CronJob, jobs: Job[], replace: (fresh: CronJob) => void): Promise<SyncResult> {
    let cj = cjIn;
    const now = this.now();
    let updateStatus = false;
    const inActive = (uid?: string) => (cj.status?.active ?? []).some((r) => r.uid === uid);
    const children = new Set(jobs.map((j) => j.metadata.uid));
    for (const job of jobs) {
      const finished = finishedType(job);
      if (!inActive(job.metadata.uid) && !finished) {
        // Maybe our cache is behind our own status write: ask the API before calling it unexpected.
        const fresh = await this.ctx.client.get<CronJob>(R.cronjobs, cj.metadata.namespace, cj.metadata.name!);
        if ((fresh.status?.active ?? []).some((r) => r.uid === job.metadata.uid)) {
          cj = fresh;
          replace(fresh);
          continue;
        }
        this.event(cj, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${job.metadata.name}`);
      } else if (inActive(job.metadata.uid) && finished) {
        removeActive(cj, job.metadata.uid);
        this.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${job.metadata.name}, condition: ${finished}`);
        updateStatus = true;
      } else if (finished === 'Complete' && job.status?.completionTime) {
        // Succeeded Jobs count whether listed or not (the next sync sees the one just taken off).
        const last = cj.status?.lastSuccessfulTime;
        if (!last || Date.parse(job.status.completionTime) > Date.parse(last)) {
          cj.status = { ...cj.status, lastSuccessfulTime: job.status.completionTime };
          updateStatus = true;
        }
      }
    }
    // Active Jobs that are gone (checked against the API, the cache may be slow).
    for (const ref of [...(cj.status?.active ?? [])]) {
      if (children.has(ref.uid)) continue;
      try {
        await this.ctx.client.get(R.jobs, ref.namespace, ref.name!);
      } catch (err) {
        if (!isApiError(err, 'NotFound')) return { updateStatus, error: err as Error };
        this.event(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
        removeActive(cj, ref.uid);
        updateStatus = true;
      }
    }
    if (cj.metadata.deletionTimestamp) return { updateStatus };
    if (cj.spec.timeZone != null) {
      try {
        loadZone(cj.spec.timeZone);
      } catch (err) {
        this.event(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: ${JSON.stringify(cj.spec.timeZone)}: ${(err as Error).message}`);
        return { updateStatus };
      }
    }
    if (cj.spec.suspend === true) return { updateStatus };
    if (cj.spec.schedule.includes('TZ')) {
      this.event(cj, 'Warning', 'UnsupportedSchedule', `CRON_TZ or TZ used in schedule ${JSON.stringify(cj.spec.schedule)} is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`);
    }
    let schedule: Schedule;
    try {
      schedule = scheduleOf(cj, this.local);
    } catch (err) {
      this.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: ${JSON.stringify(cj.spec.schedule)} : ${(err as Error).message}`);
      return { updateStatus };
    }
    let due: { time?: number; tooManyMissed: boolean };
    try {
      due = dueScheduleTime(cj, now, schedule);
    } catch (err) {
      this.event(cj, 'Warning', 'InvalidSchedule', `invalid schedule: ${cj.spec.schedule} : ${(err as Error).message}`);
      return { updateStatus };
    }
    if (due.tooManyMissed) this.event(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
    const next = () => nextScheduleDelay(cj, now, schedule);
    if (due.time === undefined) return { updateStatus, requeueAfterMs: next() };
    const scheduled = due.time;
    const sds = cj.spec.startingDeadlineSeconds;
    if (sds != null && scheduled + sds * 1000 < now) {
      this.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${rfc1123z(scheduled)}`);
      return { updateStatus, requeueAfterMs: next() };
    }
    const name = jobName(cj, scheduled);
    if ((cj.status?.active ?? []).some((r) => r.name === name && r.namespace === cj.metadata.namespace)
      || (cj.status?.lastScheduleTime && Date.parse(cj.status.lastScheduleTime) === scheduled)) {
      return { updateStatus, requeueAfterMs: next() };
    }
    if (cj.spec.concurrencyPolicy === 'Forbid' && (cj.status?.active ?? []).length > 0) {
      this.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return { updateStatus, requeueAfterMs: next() };
    }
    if (cj.spec.concurrencyPolicy === 'Replace') {
      for (const ref of [...(cj.status?.active ?? [])]) {
        let job: Job;
        try {
          job = await this.ctx.client.get<Job>(R.jobs, ref.namespace, ref.name!);
        } catch (err) {
          this.event(cj, 'Warning', 'FailedGet', `Get job: ${(err as Error).message}`);
          return { updateStatus, error: err as Error };
        }
        if (!(await this.deleteJob(cj, job))) return { updateStatus, error: new Error(`could not replace job ${job.metadata.namespace}/${job.metadata.name}`) };
        updateStatus = true;
      }
    }
    let created: Job;
    try {
      created = await this.ctx.client.create<Job>(R.jobs, cj.metadata.namespace, jobFromTemplate(cj, scheduled));
      this.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata.name}`);
    } catch (err) {
      if (isApiError(err, 'Forbidden') && (err.status.details?.causes ?? []).some((c) => c.reason === 'NamespaceTerminating')) return { updateStatus, error: err };
      if (!isApiError(err, 'AlreadyExists')) {
        this.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${(err as Error).message}`);
        return { updateStatus, error: err as Error };
      }
      // Made earlier (its status write failed) or by someone else: take it if it is ours and not listed.
      const existing = await this.ctx.client.get<Job>(R.jobs, cj.metadata.namespace, name);
      if (controllerRef(existing)?.uid !== cj.metadata.uid || inActive(existing.metadata.uid)) return { updateStatus };
      created = existing;
    }
    cj.status = { ...cj.status, active: [...(cj.status?.active ?? []), refOf(created)], lastScheduleTime: metaTime(scheduled) };
    return { updateStatus: true, requeueAfterMs: next() };
  }
}

/** Go's time.RFC1123Z in UTC: "Mon, 02 Jan 2006 15:04:05 +0000". */
function rfc1123z(ms: number): string {
  const d = new Date(ms);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]}, ${p(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}
