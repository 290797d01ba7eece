// ReplicaSet controller: keeps spec.replicas pods of the template running and reports status,
// as upstream's replicaset controller does.

import { isApiError } from '../kube/errors.js';
import type { Pod, ReplicaSet } from '../kube/types.js';
import { NAMESPACE_INDEX } from '../client/factory.js';
import { splitKey, keyOf, type Informer } from '../client/informer.js';
import { R } from '../client/resources.js';
import { WorkQueue } from '../client/workqueue.js';
import { controllerRef, isPodActive, isPodAvailable, isPodReady, type Controller, type ControllerContext } from './common.js';
import { claimPods, Expectations, podFromTemplate } from './podcontrol.js';
import { labelSelectorFromSpec } from '../kube/selectors.js';

/** Upstream's burst limit for creates and deletes in one sync. */
const BURST = 500;

/** Which pods to delete first, as upstream's ActivePods ordering: unscheduled, pending, not ready, most restarts, newest. */
function deletionRank(a: Pod, b: Pod): number {
  const key = (p: Pod): number[] => [
    p.spec.nodeName ? 1 : 0,
    p.status?.phase === 'Pending' ? 0 : p.status?.phase === 'Unknown' ? 1 : 2,
    isPodReady(p) ? 1 : 0,
    -Math.max(0, ...(p.status?.containerStatuses ?? []).map((c) => c.restartCount)),
    -Date.parse(p.metadata.creationTimestamp ?? '0'),
  ];
  const ka = key(a);
  const kb = key(b);
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] - kb[i];
  return 0;
}

export class ReplicaSetController implements Controller {
  readonly name = 'replicaset-controller';
  private readonly queue: WorkQueue;
  private readonly expectations = new Expectations();
  private readonly rsInformer: Informer<ReplicaSet>;
  private readonly podInformer: Informer<Pod>;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue({ name: this.name, log: ctx.log(this.name) });
    this.rsInformer = ctx.informers.get<ReplicaSet>(R.replicasets);
    this.podInformer = ctx.informers.get<Pod>(R.pods);
  }

  start(): void {
    this.rsInformer.addHandler({
      add: (rs) => this.queue.add(keyOf(rs)),
      update: (_o, rs) => this.queue.add(keyOf(rs)),
      delete: (rs) => { this.expectations.forget(keyOf(rs)); },
    });
    const podChanged = (pod: Pod) => {
      const ref = controllerRef(pod);
      if (ref) {
        if (ref.kind === 'ReplicaSet') this.queue.add(`${pod.metadata.namespace}/${ref.name}`);
        return;
      }
      // An orphan: any ReplicaSet whose selector matches may adopt it.
      for (const rs of this.rsInformer.byIndex(NAMESPACE_INDEX, pod.metadata.namespace ?? '')) {
        if (labelSelectorFromSpec(rs.spec.selector)?.matches(pod.metadata.labels)) this.queue.add(keyOf(rs));
      }
    };
    this.podInformer.addHandler({
      add: podChanged,
      update: (old, pod) => {
        podChanged(pod);
        const oldRef = controllerRef(old);
        if (oldRef && oldRef.uid !== controllerRef(pod)?.uid && oldRef.kind === 'ReplicaSet') this.queue.add(`${old.metadata.namespace}/${oldRef.name}`);
      },
      delete: podChanged,
    });
    void Promise.all([this.rsInformer.waitForSync(), this.podInformer.waitForSync()]).then(() => this.queue.run(2, (k) => this.reconcile(k)));
  }

  async stop(): Promise<void> {
    await this.queue.stop();
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const rs = this.rsInformer.get(namespace, name);
    if (!rs) return;
    const client = this.ctx.client;
    const candidates = this.podInformer.byIndex(NAMESPACE_INDEX, namespace!);
    const seen = new Set(candidates.map((p) => p.metadata.name!));
    this.expectations.observe(key, seen);
    const owned = await claimPods(client, rs, 'apps/v1', 'ReplicaSet', rs.spec.selector, candidates);
    const active = owned.filter(isPodActive).filter((p) => !this.expectations.deletes(key).has(p.metadata.name!));
    const inflight = this.expectations.creates(key).size;
    const want = rs.spec.replicas ?? 1;

    if (!rs.metadata.deletionTimestamp) {
      const diff = active.length + inflight - want;
      if (diff < 0) await this.createPods(rs, key, Math.min(-diff, BURST));
      else if (diff > 0) await this.deletePods(rs, key, [...active].sort(deletionRank).slice(0, Math.min(diff, BURST)));
    }
    await this.updateStatus(rs, owned);
  }

  private async createPods(rs: ReplicaSet, key: string, count: number): Promise<void> {
    // Slow start as upstream: 1, 2, 4, ... so that a broken template fails fast.
    let created = 0;
    for (let batch = 1; created < count; batch *= 2) {
      const n = Math.min(batch, count - created);
      const results = await Promise.allSettled(Array.from({ length: n }, () => this.ctx.client.create<Pod>(R.pods, rs.metadata.namespace, podFromTemplate(rs.spec.template, rs, 'apps/v1', 'ReplicaSet'))));
      for (const r of results) {
        if (r.status === 'fulfilled') this.expectations.expectCreate(key, r.value.metadata.name!);
      }
      const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
      if (failed) {
        const msg = (failed.reason as Error).message;
        this.ctx.recorder(this.name).event(rs, 'Warning', 'FailedCreate', `Error creating: ${msg}`);
        throw failed.reason;
      }
      for (const r of results) {
        if (r.status === 'fulfilled') this.ctx.recorder(this.name).event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${r.value.metadata.name}`);
      }
      created += n;
    }
  }

  private async deletePods(rs: ReplicaSet, key: string, pods: Pod[]): Promise<void> {
    await Promise.all(pods.map(async (p) => {
      this.expectations.expectDelete(key, p.metadata.name!);
      try {
        await this.ctx.client.delete(R.pods, p.metadata.namespace, p.metadata.name!, { preconditions: { uid: p.metadata.uid } });
        this.ctx.recorder(this.name).event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
      } catch (err) {
        if (!isApiError(err, 'NotFound')) {
          this.ctx.recorder(this.name).event(rs, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
          throw err;
        }
      }
    }));
  }

  private async updateStatus(rs: ReplicaSet, owned: Pod[]): Promise<void> {
    const minReady = rs.spec.minReadySeconds ?? 0;
    const active = owned.filter(isPodActive);
    const templateLabels = rs.spec.template.metadata?.labels ?? {};
    const status = {
      replicas: active.length,
      fullyLabeledReplicas: active.filter((p) => Object.entries(templateLabels).every(([k, v]) => p.metadata.labels?.[k] === v)).length,
      readyReplicas: active.filter(isPodReady).length,
      availableReplicas: active.filter((p) => isPodAvailable(p, minReady)).length,
      observedGeneration: rs.metadata.generation,
      ...(rs.status?.conditions ? { conditions: rs.status.conditions } : {}),
    };
    if (minReady && status.readyReplicas > status.availableReplicas) {
      this.queue.addAfter(keyOf(rs), minReady * 1000);
    }
    const cur = rs.status ?? { replicas: 0 };
    if (cur.replicas === status.replicas && (cur.fullyLabeledReplicas ?? 0) === status.fullyLabeledReplicas && (cur.readyReplicas ?? 0) === status.readyReplicas
      && (cur.availableReplicas ?? 0) === status.availableReplicas && cur.observedGeneration === status.observedGeneration) return;
    try {
      await this.ctx.client.updateStatus(R.replicasets, { ...rs, status });
    } catch (err) {
      if (isApiError(err, 'NotFound')) return;
      if (isApiError(err, 'Conflict')) { this.queue.add(keyOf(rs)); return; }
      throw err;
    }
  }
}
