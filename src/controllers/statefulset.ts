// StatefulSet controller: pods with stable names <set>-0, <set>-1, ... whose hostname is the pod
// name and subdomain the governing Service (so they resolve as web-0.web.default.svc.cluster.local),
// created in order and removed in reverse order under OrderedReady (all at once under Parallel),
// rolled one at a time from the highest ordinal down, with ControllerRevisions.

import { isApiError } from '../kube/errors.js';
import type { Pod, StatefulSet } from '../kube/types.js';
import { NAMESPACE_INDEX } from '../client/factory.js';
import { keyOf, splitKey, type Informer } from '../client/informer.js';
import { R } from '../client/resources.js';
import { WorkQueue } from '../client/workqueue.js';
import { controllerRef, isPodAvailable, isPodReady, type Controller, type ControllerContext } from './common.js';
import { podFromTemplate } from './podcontrol.js';
import { REVISION_HASH_LABEL, syncRevisions } from './revisions.js';

const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

function ordinalOf(set: StatefulSet, pod: Pod): number {
  const m = new RegExp(`^${set.metadata.name!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(\\d+)$`).exec(pod.metadata.name ?? '');
  return m ? Number(m[1]) : -1;
}

export class StatefulSetController implements Controller {
  readonly name = 'statefulset-controller';
  private readonly queue: WorkQueue;
  private readonly sets: Informer<StatefulSet>;
  private readonly pods: Informer<Pod>;
  private readonly revisions: Informer;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue({ name: this.name, log: ctx.log(this.name) });
    this.sets = ctx.informers.get<StatefulSet>(R.statefulsets);
    this.pods = ctx.informers.get<Pod>(R.pods);
    this.revisions = ctx.informers.get(R.controllerrevisions);
  }

  start(): void {
    this.sets.addHandler({ add: (s) => this.queue.add(keyOf(s)), update: (_o, s) => this.queue.add(keyOf(s)) });
    const podChanged = (p: Pod) => {
      const ref = controllerRef(p);
      if (ref?.kind === 'StatefulSet') this.queue.add(`${p.metadata.namespace}/${ref.name}`);
    };
    this.pods.addHandler({ add: podChanged, update: (_o, p) => podChanged(p), delete: podChanged });
    void Promise.all([this.sets.waitForSync(), this.pods.waitForSync(), this.revisions.waitForSync()]).then(() => this.queue.run(2, (k) => this.reconcile(k)));
  }

  async stop(): Promise<void> {
    await this.queue.stop();
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const set = this.sets.get(namespace, name);
    if (!set || set.metadata.deletionTimestamp) return;
    const client = this.ctx.client;
    const pods = this.pods.byIndex(NAMESPACE_INDEX, namespace!).filter((p) => controllerRef(p)?.uid === set.metadata.uid);
    const inUse = new Set(pods.map((p) => p.metadata.labels?.[REVISION_HASH_LABEL]).filter(Boolean) as string[]);
    const revs = await syncRevisions(client, this.revisions, set, 'StatefulSet', inUse);
    const updateRevision = revs.update;
    const replicas = set.spec.replicas ?? 1;
    const start = set.spec.ordinals?.start ?? 0;
    const parallel = set.spec.podManagementPolicy === 'Parallel';
    const byOrdinal = new Map<number, Pod>();
    for (const p of pods) byOrdinal.set(ordinalOf(set, p), p);
    const recorder = this.ctx.recorder(this.name);

    const createPod = async (ordinal: number) => {
      const podName = `${name}-${ordinal}`;
      const pod = podFromTemplate(set.spec.template, set, 'apps/v1', 'StatefulSet', {
        name: podName,
        labels: { [REVISION_HASH_LABEL]: updateRevision, [POD_NAME_LABEL]: podName, [POD_INDEX_LABEL]: String(ordinal) },
        hostname: podName,
        subdomain: set.spec.serviceName || undefined,
      });
      try {
        await client.create(R.pods, namespace, pod);
        recorder.event(set, 'Normal', 'SuccessfulCreate', `create Pod ${podName} in StatefulSet ${name} successful`);
      } catch (err) {
        if (!isApiError(err, 'AlreadyExists')) {
          recorder.event(set, 'Warning', 'FailedCreate', `create Pod ${podName} in StatefulSet ${name} failed error: ${(err as Error).message}`);
          throw err;
        }
      }
    };
    const deletePod = async (pod: Pod) => {
      try {
        await client.delete(R.pods, namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } });
        recorder.event(set, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${name} successful`);
      } catch (err) {
        if (!isApiError(err, 'NotFound')) throw err;
      }
    };

    // Failed pods are replaced; terminating ones are waited for.
    for (const p of pods) if (p.status?.phase === 'Failed' && !p.metadata.deletionTimestamp) await deletePod(p);

    let blocked = false;
    for (let ord = start; ord < start + replicas; ord++) {
      const pod = byOrdinal.get(ord);
      if (!pod) {
        if (blocked) break;
        await createPod(ord);
        if (!parallel) { blocked = true; break; }
        continue;
      }
      if (!parallel && (pod.metadata.deletionTimestamp || !isPodReady(pod))) { blocked = true; break; }
    }

    // Scale down: highest ordinal first, one at a time under OrderedReady.
    const condemned = [...byOrdinal.entries()].filter(([ord]) => ord < start || ord >= start + replicas).sort((a, b) => b[0] - a[0]);
    for (const [, pod] of condemned) {
      if (pod.metadata.deletionTimestamp) { if (!parallel) break; continue; }
      if (!parallel && blocked) break;
      await deletePod(pod);
      if (!parallel) break;
    }

    // Rolling update: the highest ordinal not at the update revision, above the partition, once the rest is ready.
    if ((set.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' && condemned.length === 0 && !blocked) {
      const partition = set.spec.updateStrategy?.rollingUpdate?.partition ?? 0;
      const live = [...byOrdinal.entries()].filter(([ord]) => ord >= start && ord < start + replicas).sort((a, b) => b[0] - a[0]);
      const allReady = live.every(([, p]) => isPodReady(p) && !p.metadata.deletionTimestamp);
      if (allReady) {
        const stale = live.find(([ord, p]) => ord - start >= partition && p.metadata.labels?.[REVISION_HASH_LABEL] !== updateRevision);
        if (stale) await deletePod(stale[1]);
      }
    }
    await this.updateStatus(set, pods, updateRevision, revs.all.find((r) => r.metadata.name !== updateRevision && pods.some((p) => p.metadata.labels?.[REVISION_HASH_LABEL] === r.metadata.name))?.metadata.name ?? updateRevision);
  }

  private async updateStatus(set: StatefulSet, pods: Pod[], updateRevision: string, currentRevision: string): Promise<void> {
    const active = pods.filter((p) => !p.metadata.deletionTimestamp);
    const updated = active.filter((p) => p.metadata.labels?.[REVISION_HASH_LABEL] === updateRevision).length;
    const status: NonNullable<StatefulSet['status']> = {
      observedGeneration: set.metadata.generation,
      replicas: active.length,
      readyReplicas: active.filter(isPodReady).length,
      availableReplicas: active.filter((p) => isPodAvailable(p, set.spec.minReadySeconds ?? 0)).length,
      currentReplicas: updated === active.length ? updated : active.length - updated,
      updatedReplicas: updated,
      currentRevision: updated === active.length ? updateRevision : currentRevision,
      updateRevision,
      collisionCount: set.status?.collisionCount ?? 0,
    };
    if (JSON.stringify(set.status ?? {}) === JSON.stringify({ ...status, ...(set.status?.conditions ? { conditions: set.status.conditions } : {}) })) return;
    try {
      await this.ctx.client.updateStatus(R.statefulsets, { ...set, status: { ...status, ...(set.status?.conditions ? { conditions: set.status.conditions } : {}) } });
    } catch (err) {
      if (isApiError(err, 'Conflict')) { this.queue.add(keyOf(set)); return; }
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }
}
