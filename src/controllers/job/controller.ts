// The Job controller (upstream's pkg/controller/job): watches Jobs and pods, claims the pods a Job
// selects, and runs sync.ts for each Job with the API actions it needs. A second queue takes the
// tracking finalizer off pods no running Job accounts for any more (the Job finished or is gone).

import { ApiError, isApiError } from '../../kube/errors.js';
import { labelSelectorFromSpec } from '../../kube/selectors.js';
import { JOB_TRACKING_FINALIZER, type Job, type Pod } from '../../kube/types.js';
import { NAMESPACE_INDEX } from '../../client/factory.js';
import { keyOf, splitKey, type Informer } from '../../client/informer.js';
import { R } from '../../client/resources.js';
import { WorkQueue } from '../../client/workqueue.js';
import { controllerRef, ownerRefTo, type Controller, type ControllerContext } from '../common.js';
import { Expectations } from '../podcontrol.js';
import { DEFAULT_POD_FAILURE_BACKOFF, type BackoffPolicy, type BackoffRecord } from './backoff.js';
import { hasTrackingFinalizer, removeFinalizerPatch } from './pods.js';
import { isJobFinished } from './status.js';
import { syncJob, type SyncActions } from './sync.js';

const OWN_MANAGER = 'kubernetes.io/job-controller';

export interface JobControllerOptions {
  /** The clock (ms since the epoch); tests move it. */
  now?: () => number;
  /** The delay before replacing failed pods; default upstream's 10 s doubling to 10 min. */
  podFailureBackoff?: BackoffPolicy;
  /** Pod events sync their Job after this delay, so that a burst of them makes one sync (upstream: 1 s). */
  syncBatchMs?: number;
}

export class JobController implements Controller {
  readonly name = 'job-controller';
  private readonly queue: WorkQueue;
  private readonly orphans: WorkQueue;
  private readonly jobs: Informer<Job>;
  private readonly pods: Informer<Pod>;
  private readonly expectations = new Expectations();
  /** Per Job, pods (by uid) whose tracking finalizer was removed but whose update the cache has not shown yet. */
  private readonly finalizersRemoved = new Map<string, Set<string>>();
  private readonly backoff = new Map<string, BackoffRecord>();
  private readonly now: () => number;
  private readonly batchMs: number;
  private readonly backoffPolicy: BackoffPolicy;

  constructor(private readonly ctx: ControllerContext, o: JobControllerOptions = {}) {
    this.queue = new WorkQueue({ name: this.name, log: ctx.log(this.name), baseDelayMs: 1000, maxDelayMs: 60_000 });
    this.orphans = new WorkQueue({ name: `${this.name} orphan pods`, log: ctx.log(this.name), baseDelayMs: 1000, maxDelayMs: 60_000 });
    this.jobs = ctx.informers.get<Job>(R.jobs);
    this.pods = ctx.informers.get<Pod>(R.pods);
    this.now = o.now ?? Date.now;
    this.batchMs = o.syncBatchMs ?? 1000;
    this.backoffPolicy = o.podFailureBackoff ?? DEFAULT_POD_FAILURE_BACKOFF;
  }

  start(): void {
    this.jobs.addHandler({
      add: (job) => this.queue.add(keyOf(job)),
      update: (old, job) => {
        // A spec change syncs at once; status changes (mostly our own) are batched.
        if (old.metadata.generation === job.metadata.generation) this.queue.addAfter(keyOf(job), this.batchMs);
        else this.queue.add(keyOf(job));
        if (isJobFinished(job)) this.cleanupPodFinalizers(job);
        const ads = job.spec.activeDeadlineSeconds;
        if (job.status?.startTime && ads != null && ads !== old.spec.activeDeadlineSeconds) {
          this.queue.addAfter(keyOf(job), Date.parse(job.status.startTime) + ads * 1000 - this.now());
        }
      },
      delete: (job) => {
        this.queue.add(keyOf(job));
        this.cleanupPodFinalizers(job);
      },
    });
    this.pods.addHandler({
      add: (pod) => (pod.metadata.deletionTimestamp ? this.podDeleted(pod, false) : this.podChanged(pod)),
      update: (old, pod) => {
        if (pod.metadata.deletionTimestamp) return this.podDeleted(pod, false);
        const oldRef = controllerRef(old);
        if (oldRef && oldRef.uid !== controllerRef(pod)?.uid) {
          const job = this.resolve(old.metadata.namespace!, oldRef);
          if (job) {
            if (!hasTrackingFinalizer(pod)) this.finalizerObserved(keyOf(job), pod.metadata.uid!);
            this.queue.addAfter(keyOf(job), this.batchMs);
          }
        }
        this.podChanged(pod);
      },
      delete: (pod) => this.podDeleted(pod, true),
    });
    void Promise.all([this.jobs.waitForSync(), this.pods.waitForSync()]).then(() => {
      this.queue.run(2, (k) => this.reconcile(k));
      this.orphans.run(1, (k) => this.syncOrphanPod(k));
    });
  }

  async stop(): Promise<void> {
    await Promise.all([this.queue.stop(), this.orphans.stop()]);
  }

  /** A Job controller reference's Job, when it still is that Job (same uid). */
  private resolve(namespace: string, ref: { kind: string; name: string; uid: string }): Job | undefined {
    if (ref.kind !== 'Job') return undefined;
    const job = this.jobs.get(namespace, ref.name);
    return job?.metadata.uid === ref.uid ? job : undefined;
  }

  private podChanged(pod: Pod): void {
    const ref = controllerRef(pod);
    if (ref) {
      const job = this.resolve(pod.metadata.namespace!, ref);
      if (!job) {
        if (ref.kind === 'Job' && hasTrackingFinalizer(pod)) this.orphans.add(keyOf(pod));
        return;
      }
      if (!hasTrackingFinalizer(pod)) this.finalizerObserved(keyOf(job), pod.metadata.uid!);
      this.queue.addAfter(keyOf(job), this.batchMs);
      return;
    }
    // An orphan: drop a finalizer it kept, and let any Job that selects it adopt it.
    if (hasTrackingFinalizer(pod)) this.orphans.add(keyOf(pod));
    for (const job of this.jobs.byIndex(NAMESPACE_INDEX, pod.metadata.namespace ?? '')) {
      if (labelSelectorFromSpec(job.spec.selector)?.matches(pod.metadata.labels)) this.queue.addAfter(keyOf(job), this.batchMs);
    }
  }

  /** A pod being deleted (final: gone from the API). */
  private podDeleted(pod: Pod, final: boolean): void {
    const ref = controllerRef(pod);
    const job = ref ? this.resolve(pod.metadata.namespace!, ref) : undefined;
    if (!job || isJobFinished(job)) {
      if (!final && hasTrackingFinalizer(pod)) this.orphans.add(keyOf(pod));
      return;
    }
    if (final || !hasTrackingFinalizer(pod)) this.finalizerObserved(keyOf(job), pod.metadata.uid!);
    this.queue.addAfter(keyOf(job), this.batchMs);
  }

  private finalizerObserved(jobKey: string, uid: string): void {
    const set = this.finalizersRemoved.get(jobKey);
    set?.delete(uid);
    if (set?.size === 0) this.finalizersRemoved.delete(jobKey);
  }

  /** Pods of a finished or deleted Job that still carry the finalizer go to the orphan queue. */
  private cleanupPodFinalizers(job: Job): void {
    const matcher = labelSelectorFromSpec(job.spec.selector);
    for (const pod of this.pods.byIndex(NAMESPACE_INDEX, job.metadata.namespace ?? '')) {
      if (controllerRef(pod)?.uid === job.metadata.uid && hasTrackingFinalizer(pod) && matcher?.matches(pod.metadata.labels)) this.orphans.add(keyOf(pod));
    }
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.jobs.get(namespace, name);
    if (!cached) {
      this.expectations.forget(key);
      this.finalizersRemoved.delete(key);
      this.backoff.delete(key);
      return;
    }
    if (cached.spec.managedBy && cached.spec.managedBy !== OWN_MANAGER) return;
    if (isJobFinished(cached)) {
      this.backoff.delete(key);
      return;
    }
    const job = structuredClone(cached);
    if (job.spec.completionMode && job.spec.completionMode !== 'NonIndexed' && job.spec.completionMode !== 'Indexed') {
      this.ctx.recorder(this.name).event(job, 'Warning', 'UnknownCompletionMode', 'Skipped Job sync because completion mode is unknown');
      return;
    }
    const inNamespace = this.pods.byIndex(NAMESPACE_INDEX, namespace!);
    // Creates show up as pods; deletes as pods being deleted (they keep their finalizer a while).
    this.expectations.observe(key, new Set(inNamespace.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name!)));
    const satisfied = this.expectations.creates(key).size === 0 && this.expectations.deletes(key).size === 0;
    const pods = await this.claimPods(job, inNamespace);
    const removed = this.finalizersRemoved.get(key) ?? new Set<string>();
    for (const uid of removed) if (!pods.some((p) => p.metadata.uid === uid && hasTrackingFinalizer(p))) removed.delete(uid);
    await syncJob({
      job, pods, now: this.now(), expectationsSatisfied: satisfied, expectedRemovedFinalizers: new Set(removed),
      backoff: this.backoff.get(key), backoffPolicy: this.backoffPolicy,
    }, this.actions(key));
  }

  /**
   * The pods the Job controls: its own, and orphans its selector matches (adopted with a
   * controller reference and the tracking finalizer, after checking the Job is not being deleted).
   * Its own pods that no longer match are released.
   */
  private async claimPods(job: Job, candidates: Pod[]): Promise<Pod[]> {
    const matcher = labelSelectorFromSpec(job.spec.selector);
    const claimed: Pod[] = [];
    let canAdopt: boolean | undefined;
    for (const pod of candidates) {
      const ref = controllerRef(pod);
      const matches = matcher?.matches(pod.metadata.labels) ?? false;
      if (ref) {
        if (ref.uid !== job.metadata.uid) continue;
        if (matches || job.metadata.deletionTimestamp) {
          claimed.push(pod);
          continue;
        }
        await this.patchPod(pod, { metadata: { ownerReferences: [{ $patch: 'delete', uid: job.metadata.uid }], uid: pod.metadata.uid } });
        continue;
      }
      if (!matches || job.metadata.deletionTimestamp || pod.metadata.deletionTimestamp) continue;
      canAdopt ??= await this.stillLive(job);
      if (!canAdopt) continue;
      const adopted = await this.patchPod(pod, {
        metadata: { ownerReferences: [ownerRefTo(job, 'batch/v1', 'Job')], finalizers: [JOB_TRACKING_FINALIZER], uid: pod.metadata.uid },
      });
      if (adopted) claimed.push(adopted);
    }
    return claimed;
  }

  /** The Job as the API has it now is the same Job and not being deleted (upstream's RecheckDeletionTimestamp). */
  private async stillLive(job: Job): Promise<boolean> {
    try {
      const fresh = await this.ctx.client.get<Job>(R.jobs, job.metadata.namespace, job.metadata.name!);
      return fresh.metadata.uid === job.metadata.uid && !fresh.metadata.deletionTimestamp;
    } catch (err) {
      if (isApiError(err, 'NotFound')) return false;
      throw err;
    }
  }

  private async patchPod(pod: Pod, patch: unknown): Promise<Pod | undefined> {
    try {
      return await this.ctx.client.patch<Pod>(R.pods, pod.metadata.namespace, pod.metadata.name!, patch, 'strategic');
    } catch (err) {
      if (isApiError(err, 'NotFound')) return undefined;
      throw err;
    }
  }

  private actions(key: string): SyncActions {
    const client = this.ctx.client;
    const recorder = this.ctx.recorder(this.name);
    return {
      createPods: async (job, pods) => {
        // Slow start as upstream: 1, 2, 4, ... so that a template the API refuses fails fast.
        let created = 0;
        let error: Error | undefined;
        for (let batch = 1, next = 0; next < pods.length && !error; next += batch, batch *= 2) {
          const results = await Promise.allSettled(pods.slice(next, next + batch).map((p) => client.create<Pod>(R.pods, job.metadata.namespace, p)));
          for (const r of results) {
            if (r.status === 'fulfilled') {
              created++;
              this.expectations.expectCreate(key, r.value.metadata.name!);
              recorder.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${r.value.metadata.name}`);
            } else if (!hasCause(r.reason, 'NamespaceTerminating')) {
              error ??= r.reason as Error;
              recorder.event(job, 'Warning', 'FailedCreate', `Error creating: ${(r.reason as Error).message}`);
            }
          }
        }
        return { created, error };
      },
      deletePods: async (job, pods, removeFinalizer) => {
        const deleted: Pod[] = [];
        let error: Error | undefined;
        await Promise.all(pods.map(async (p) => {
          try {
            if (removeFinalizer && hasTrackingFinalizer(p)) await client.patch(R.pods, p.metadata.namespace, p.metadata.name!, removeFinalizerPatch, 'strategic');
            await client.delete(R.pods, p.metadata.namespace, p.metadata.name!);
            this.expectations.expectDelete(key, p.metadata.name!);
            recorder.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
            deleted.push(p);
          } catch (err) {
            if (isApiError(err, 'NotFound')) {
              deleted.push(p);
              return;
            }
            error ??= err as Error;
            recorder.event(job, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
          }
        }));
        return { deleted, error };
      },
      removeFinalizers: async (_job, pods) => {
        const removed = new Set<string>();
        let error: Error | undefined;
        const expected = this.finalizersRemoved.get(key) ?? new Set<string>();
        this.finalizersRemoved.set(key, expected);
        await Promise.all(pods.map(async (p) => {
          const uid = p.metadata.uid!;
          expected.add(uid);
          try {
            await client.patch(R.pods, p.metadata.namespace, p.metadata.name!, removeFinalizerPatch, 'strategic');
            removed.add(uid);
          } catch (err) {
            expected.delete(uid);
            if (isApiError(err, 'NotFound')) removed.add(uid);
            else error ??= err as Error;
          }
        }));
        return { removed, error };
      },
      updateStatus: (job) => client.updateStatus<Job>(R.jobs, job),
      event: (job, type, reason, message) => recorder.event(job, type, reason, message),
      requeueAfter: (ms) => this.queue.addAfter(key, ms),
      saveBackoff: (record) => this.backoff.set(key, record),
    };
  }

  /** Removes the tracking finalizer from a pod no unfinished Job of this controller owns. */
  async syncOrphanPod(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pod = this.pods.get(namespace, name);
    if (!pod || !hasTrackingFinalizer(pod)) return;
    const ref = controllerRef(pod);
    if (ref) {
      if (ref.kind !== 'Job' || ref.apiVersion !== 'batch/v1') return;
      const job = this.resolve(namespace!, ref);
      if (job?.spec.managedBy && job.spec.managedBy !== OWN_MANAGER) return;
      // Adopted again, or still running: its Job takes the finalizer off when it counts the pod.
      if (job && !isJobFinished(job)) return;
    }
    await this.patchPod(pod, removeFinalizerPatch);
  }
}

function hasCause(err: unknown, reason: string): boolean {
  return err instanceof ApiError && (err.status.details?.causes ?? []).some((c) => c.reason === reason);
}
