// The CronJob controller's decisions that need no API (upstream's pkg/controller/cronjob/utils.go,
// Kubernetes 1.32): which scheduled time is due now and how many were missed, when to look again,
// the Job a scheduled time makes, and which finished Jobs the history limits let go.

import { CRONJOB_SCHEDULED_TIMESTAMP, type CronJob, type Job } from '../../kube/types.js';
import { parseStandard, type Schedule } from '../../common/cron.js';
import { formatRFC3339, loadZone, type Zone } from '../../common/zoned-time.js';
import { ownerRefTo } from '../common.js';

/** Upstream requeues 100 ms after a scheduled time, against clock skew. */
export const NEXT_SCHEDULE_DELTA_MS = 100;
/** More missed start times than this are "too many". */
const MANY_MISSED = 100;

export type Missed = 'none' | 'few' | 'many';

export interface MostRecent {
  /** The last schedule time, else the creation time (moved up to now - startingDeadlineSeconds when asked). */
  earliest: number;
  /** The latest scheduled time at or before now, after earliest; undefined when none is due. */
  mostRecent?: number;
  missed: Missed;
}

/** formatSchedule: the schedule with the CronJob's time zone as a TZ= prefix (a schedule with TZ in it is taken as written). */
export function scheduleText(cj: CronJob): string {
  const schedule = cj.spec.schedule;
  if (schedule.includes('TZ') || cj.spec.timeZone == null) return schedule;
  try {
    loadZone(cj.spec.timeZone);
  } catch {
    return schedule;
  }
  return `TZ=${cj.spec.timeZone} ${schedule}`;
}

/** The CronJob's schedule; `local` is the controller's own zone, for schedules without a time zone. Throws robfig's parse errors. */
export function scheduleOf(cj: CronJob, local: () => Zone): Schedule {
  return parseStandard(scheduleText(cj), local);
}

// Go's zero time compares before every real time: an activation that does not exist is -Infinity here.
const orZero = (t: number | undefined) => t ?? -Infinity;

/**
 * mostRecentScheduleTime. The number of missed times is estimated from the distance between two
 * consecutive activations, as upstream does, so that a CronJob whose controller was down long
 * does not walk every missed minute. Throws for a schedule that never (or always) fires.
 */
export function mostRecentScheduleTime(cj: CronJob, now: number, schedule: Schedule, includeStartingDeadline: boolean): MostRecent {
  let earliest = Date.parse(cj.status?.lastScheduleTime ?? cj.metadata.creationTimestamp ?? '');
  if (Number.isNaN(earliest)) earliest = now;
  const sds = cj.spec.startingDeadlineSeconds;
  if (includeStartingDeadline && sds != null && now - sds * 1000 > earliest) earliest = now - sds * 1000;
  const t1 = orZero(schedule.next(earliest));
  const t2 = t1 === -Infinity ? -Infinity : orZero(schedule.next(t1));
  if (now < t1) return { earliest, missed: 'none' };
  if (now < t2) return { earliest, mostRecent: t1, missed: 'none' };
  const between = Math.round((t2 - t1) / 1000);
  if (!(between >= 1)) throw new Error('time difference between two schedules is less than 1 second');
  const elapsed = Math.trunc((now - t1) / 1000);
  const missedCount = Math.trunc(elapsed / between) + 1;
  // Start a little before the estimate and let the schedule find the real last activation.
  let t = schedule.next(t1 + (missedCount - 2) * between * 1000);
  let mostRecent: number | undefined;
  while (t !== undefined && t <= now) {
    mostRecent = t;
    t = schedule.next(t);
  }
  const missed: Missed = missedCount > MANY_MISSED ? 'many' : missedCount > 0 ? 'few' : 'none';
  return mostRecent === undefined ? { earliest, missed } : { earliest, mostRecent, missed };
}

/** nextScheduleTimeDuration: how long until the next activation after the last one due (plus 100 ms); undefined when there is none. */
export function nextScheduleDelay(cj: CronJob, now: number, schedule: Schedule): number | undefined {
  let from: number;
  try {
    const r = mostRecentScheduleTime(cj, now, schedule, false);
    from = r.mostRecent ?? (r.missed === 'none' ? r.earliest : now);
  } catch {
    from = now;
  }
  const next = schedule.next(from);
  return next === undefined ? undefined : next + NEXT_SCHEDULE_DELTA_MS - now;
}

/** nextScheduleTime: the scheduled time to start a Job for now, if any, and whether more than 100 were missed. Throws as mostRecentScheduleTime. */
export function dueScheduleTime(cj: CronJob, now: number, schedule: Schedule): { time?: number; tooManyMissed: boolean } {
  const r = mostRecentScheduleTime(cj, now, schedule, true);
  if (r.mostRecent === undefined || r.mostRecent > now) return { tooManyMissed: false };
  return { time: r.mostRecent, tooManyMissed: r.missed === 'many' };
}

/** "<cronjob>-<scheduled time in minutes since the epoch>": one name per scheduled time, so a time never makes two Jobs. */
export function jobName(cj: CronJob, scheduledMs: number): string {
  return `${cj.metadata.name}-${Math.floor(Math.floor(scheduledMs / 1000) / 60)}`;
}

/**
 * getJobFromTemplate2: the job template's labels and annotations, the scheduled time (RFC 3339,
 * in the CronJob's time zone, UTC without one) in batch.kubernetes.io/cronjob-scheduled-timestamp,
 * and a controller reference to the CronJob.
 */
export function jobFromTemplate(cj: CronJob, scheduledMs: number): Job {
  const meta = cj.spec.jobTemplate.metadata ?? {};
  const zone = loadZone(cj.spec.timeZone ?? '');
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName(cj, scheduledMs),
      ...(meta.labels ? { labels: { ...meta.labels } } : {}),
      annotations: { ...(meta.annotations ?? {}), [CRONJOB_SCHEDULED_TIMESTAMP]: formatRFC3339(scheduledMs, zone) },
      ownerReferences: [ownerRefTo(cj, 'batch/v1', 'CronJob')],
    },
    spec: structuredClone(cj.spec.jobTemplate.spec),
  };
}

/** byJobStartTime: started Jobs by start time (then name), Jobs that never started last. */
export function byStartTime(a: Job, b: Job): number {
  const sa = a.status?.startTime;
  const sb = b.status?.startTime;
  if (!sa && sb) return 1;
  if (sa && !sb) return -1;
  const ta = sa ? Date.parse(sa) : 0;
  const tb = sb ? Date.parse(sb) : 0;
  if (ta === tb) return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : (a.metadata.name ?? '') > (b.metadata.name ?? '') ? 1 : 0;
  return ta - tb;
}

/** The finished Jobs beyond a history limit, oldest first. */
export function oldestBeyondLimit(finished: Job[], limit: number): Job[] {
  const excess = finished.length - limit;
  return excess > 0 ? [...finished].sort(byStartTime).slice(0, excess) : [];
}
