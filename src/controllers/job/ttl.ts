// The TTL-after-finished controller (upstream's pkg/controller/ttlafterfinished): a finished Job
// with spec.ttlSecondsAfterFinished is deleted, in the background (its pods follow through the
// garbage collector), that many seconds after its Complete or Failed condition.

import { isApiError } from '../../kube/errors.js';
import type { Job } from '../../kube/types.js';
import { keyOf, splitKey, type Informer } from '../../client/informer.js';
import { R } from '../../client/resources.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Controller, ControllerContext } from '../common.js';

/**
 * When the Job may be deleted (ms since the epoch), or undefined when it has no TTL, is not
 * finished or is being deleted already. Throws when it finished without a transition time.
 */
export function expiresAt(job: Job): number | undefined {
  const ttl = job.spec.ttlSecondsAfterFinished;
  if (ttl == null || job.metadata.deletionTimestamp) return undefined;
  const finished = job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
  if (!finished) return undefined;
  const at = Date.parse(finished.lastTransitionTime ?? '');
  if (Number.isNaN(at)) throw new Error(`unable to find the time when the Job ${job.metadata.namespace}/${job.metadata.name} finished`);
  return at + ttl * 1000;
}

export class TTLAfterFinishedController implements Controller {
  readonly name = 'ttl-after-finished-controller';
  private readonly queue: WorkQueue;
  private readonly jobs: Informer<Job>;
  private readonly now: () => number;

  constructor(private readonly ctx: ControllerContext, o: { now?: () => number } = {}) {
    this.queue = new WorkQueue({ name: this.name, log: ctx.log(this.name) });
    this.jobs = ctx.informers.get<Job>(R.jobs);
    this.now = o.now ?? Date.now;
  }

  start(): void {
    const changed = (job: Job) => {
      if (job.spec.ttlSecondsAfterFinished != null && !job.metadata.deletionTimestamp) this.queue.add(keyOf(job));
    };
    this.jobs.addHandler({ add: changed, update: (_o, job) => changed(job) });
    void this.jobs.waitForSync().then(() => this.queue.run(1, (k) => this.reconcile(k)));
  }

  async stop(): Promise<void> {
    await this.queue.stop();
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.jobs.get(namespace, name);
    if (!cached) return;
    const at = expiresAt(cached);
    if (at === undefined) return;
    if (at > this.now()) {
      this.queue.addAfter(key, at - this.now());
      return;
    }
    // The cache may be behind (the TTL changed, the Job was replaced): check the Job as it is now.
    let fresh: Job;
    try {
      fresh = await this.ctx.client.get<Job>(R.jobs, namespace, name);
    } catch (err) {
      if (isApiError(err, 'NotFound')) return;
      throw err;
    }
    const freshAt = expiresAt(fresh);
    if (freshAt === undefined) return;
    if (freshAt > this.now()) {
      this.queue.addAfter(key, freshAt - this.now());
      return;
    }
    this.ctx.log(this.name)(`Cleaning up Job ${key}`);
    try {
      await this.ctx.client.delete(R.jobs, namespace, name, { propagationPolicy: 'Background', preconditions: { uid: fresh.metadata.uid, resourceVersion: fresh.metadata.resourceVersion } });
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }
}
