// Deployment controller: one ReplicaSet per pod template (named <deployment>-<pod-template-hash>),
// rolled by the strategy (RollingUpdate with maxSurge/maxUnavailable, or Recreate), old
// ReplicaSets kept up to revisionHistoryLimit, and the status and conditions that
// `kubectl rollout status` reads.

import { isApiError } from '../../kube/errors.js';
import type { Deployment, Pod, ReplicaSet, WorkloadCondition } from '../../kube/types.js';
import { labelSelectorFromSpec } from '../../kube/selectors.js';
import { NAMESPACE_INDEX } from '../../client/factory.js';
import { keyOf, splitKey, type Informer } from '../../client/informer.js';
import { R } from '../../client/resources.js';
import { WorkQueue } from '../../client/workqueue.js';
import { computeHash, controllerRef, ownerRefTo, templatesEqualIgnoringHash, type Controller, type ControllerContext } from '../common.js';
import { isScalingEvent, maxSurgeOf, maxUnavailableOf, newReplicaSetReplicas, oldReplicaSetScaleDowns, scaleEventSizes } from './rollout.js';
import { metaTime } from '../../common/time.js';

const REVISION = 'deployment.kubernetes.io/revision';
const DESIRED = 'deployment.kubernetes.io/desired-replicas';
const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
const HASH_LABEL = 'pod-template-hash';
/** Deployment annotations that are not copied to its ReplicaSets. */
const SKIP_ANNOTATIONS = new Set(['kubectl.kubernetes.io/last-applied-configuration', REVISION, 'deployment.kubernetes.io/revision-history', DESIRED, MAX_REPLICAS, 'deprecated.deployment.rollback.to']);

const revisionOf = (rs: ReplicaSet) => Number(rs.metadata.annotations?.[REVISION] ?? '0') || 0;

export class DeploymentController implements Controller {
  readonly name = 'deployment-controller';
  private readonly queue: WorkQueue;
  private readonly deployments: Informer<Deployment>;
  private readonly replicaSets: Informer<ReplicaSet>;
  private readonly pods: Informer<Pod>;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue({ name: this.name, log: ctx.log(this.name) });
    this.deployments = ctx.informers.get<Deployment>(R.deployments);
    this.replicaSets = ctx.informers.get<ReplicaSet>(R.replicasets);
    this.pods = ctx.informers.get<Pod>(R.pods);
  }

  start(): void {
    this.deployments.addHandler({ add: (d) => this.queue.add(keyOf(d)), update: (_o, d) => this.queue.add(keyOf(d)) });
    const rsChanged = (rs: ReplicaSet) => {
      const ref = controllerRef(rs);
      if (ref?.kind === 'Deployment') this.queue.add(`${rs.metadata.namespace}/${ref.name}`);
      else if (!ref) {
        for (const d of this.deployments.byIndex(NAMESPACE_INDEX, rs.metadata.namespace ?? '')) {
          if (labelSelectorFromSpec(d.spec.selector)?.matches(rs.metadata.labels)) this.queue.add(keyOf(d));
        }
      }
    };
    this.replicaSets.addHandler({ add: rsChanged, update: (_o, rs) => rsChanged(rs), delete: rsChanged });
    // Recreate waits for old pods to be gone.
    this.pods.addHandler({
      delete: (p) => {
        const ref = controllerRef(p);
        if (ref?.kind !== 'ReplicaSet') return;
        const rs = this.replicaSets.get(p.metadata.namespace, ref.name);
        if (rs) rsChanged(rs);
      },
    });
    void Promise.all([this.deployments.waitForSync(), this.replicaSets.waitForSync(), this.pods.waitForSync()])
      .then(() => this.queue.run(2, (k) => this.reconcile(k)));
  }

  async stop(): Promise<void> {
    await this.queue.stop();
  }

  private event(d: Deployment, reason: string, message: string, type: 'Normal' | 'Warning' = 'Normal'): void {
    this.ctx.recorder(this.name).event(d, type, reason, message);
  }

  /** ReplicaSets this deployment controls, adopting orphans that match its selector. */
  private async claimReplicaSets(d: Deployment): Promise<ReplicaSet[]> {
    const matcher = labelSelectorFromSpec(d.spec.selector);
    const out: ReplicaSet[] = [];
    for (const rs of this.replicaSets.byIndex(NAMESPACE_INDEX, d.metadata.namespace!)) {
      const ref = controllerRef(rs);
      if (ref) {
        if (ref.uid === d.metadata.uid) out.push(rs);
        continue;
      }
      if (d.metadata.deletionTimestamp || !matcher?.matches(rs.metadata.labels)) continue;
      const adopted = await this.ctx.client.patch<ReplicaSet>(R.replicasets, rs.metadata.namespace, rs.metadata.name!, {
        metadata: { ownerReferences: [...(rs.metadata.ownerReferences ?? []), ownerRefTo(d, 'apps/v1', 'Deployment')], uid: rs.metadata.uid },
      });
      out.push(adopted);
    }
    return out;
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.deployments.get(namespace, name);
    if (!cached) return;
    const d = structuredClone(cached);
    if (d.metadata.deletionTimestamp) return;
    const all = await this.claimReplicaSets(d);
    const newRS = all.find((rs) => templatesEqualIgnoringHash(rs.spec.template, d.spec.template));
    const old = all.filter((rs) => rs !== newRS);

    // A paused deployment, or one whose replica count changed (kubectl scale), only resizes.
    const resize = d.spec.paused || isScalingEvent(d, all) ? scaleEventSizes(d, newRS, old) : [];
    if (d.spec.paused || resize.length > 0) {
      let resized = all;
      for (const { rs, to } of resize) {
        const scaled = await this.scale(d, rs, to);
        resized = resized.map((x) => (x === rs ? scaled : x));
      }
      await this.syncStatus(d, resized, resized.find((rs) => rs.metadata.uid === newRS?.metadata.uid));
      return;
    }
    if (d.spec.strategy?.type === 'Recreate') await this.recreate(d, all, old, newRS);
    else await this.rollingUpdate(d, all, old, newRS);
  }

  private async recreate(d: Deployment, all: ReplicaSet[], old: ReplicaSet[], newRS: ReplicaSet | undefined): Promise<void> {
    let scaledDown = false;
    for (const rs of old) {
      if ((rs.spec.replicas ?? 0) > 0) {
        await this.scale(d, rs, 0);
        scaledDown = true;
      }
    }
    const oldPodsRunning = old.some((rs) => (rs.status?.replicas ?? 0) > 0)
      || this.pods.byIndex(NAMESPACE_INDEX, d.metadata.namespace!).some((p) => old.some((rs) => controllerRef(p)?.uid === rs.metadata.uid));
    if (scaledDown || oldPodsRunning) {
      await this.syncStatus(d, all, newRS);
      return;
    }
    const rs = newRS ?? await this.createNewReplicaSet(d, all, d.spec.replicas ?? 1);
    const scaled = await this.scale(d, rs, d.spec.replicas ?? 1);
    await this.cleanup(d, old);
    await this.syncStatus(d, [...old, scaled], scaled, !newRS);
  }

  private async rollingUpdate(d: Deployment, all: ReplicaSet[], old: ReplicaSet[], existingNew: ReplicaSet | undefined): Promise<void> {
    let newRS = existingNew;
    let created = false;
    if (!newRS) {
      const placeholder = { spec: { replicas: 0 }, metadata: {} } as unknown as ReplicaSet;
      // With no old replicas at all (a fresh deployment) the new set starts at full size.
      const size = old.length === 0 ? (d.spec.replicas ?? 1) : newReplicaSetReplicas(d, all, placeholder);
      newRS = await this.createNewReplicaSet(d, all, size);
      all = [...all, newRS];
      created = true;
    } else {
      await this.ensureRevision(d, newRS, all);
      const want = newReplicaSetReplicas(d, all, newRS);
      if (want !== (newRS.spec.replicas ?? 0)) {
        newRS = await this.scale(d, newRS, want);
        all = [...old, newRS];
      }
    }
    for (const { rs, to } of oldReplicaSetScaleDowns(d, all, old, newRS)) {
      const scaled = await this.scale(d, rs, to);
      all = all.map((x) => (x === rs ? scaled : x));
    }
    await this.cleanup(d, all.filter((rs) => rs.metadata.uid !== newRS!.metadata.uid));
    await this.syncStatus(d, all, newRS, created);
  }

  private async createNewReplicaSet(d: Deployment, all: ReplicaSet[], replicas: number): Promise<ReplicaSet> {
    const collisionCount = d.status?.collisionCount ?? 0;
    const hash = computeHash(d.spec.template, collisionCount);
    const template = structuredClone(d.spec.template);
    template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [HASH_LABEL]: hash } };
    const selector = structuredClone(d.spec.selector);
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [HASH_LABEL]: hash };
    const revision = Math.max(0, ...all.map(revisionOf)) + 1;
    const annotations: Record<string, string> = {};
    for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (!SKIP_ANNOTATIONS.has(k)) annotations[k] = v;
    annotations[REVISION] = String(revision);
    annotations[DESIRED] = String(d.spec.replicas ?? 1);
    annotations[MAX_REPLICAS] = String((d.spec.replicas ?? 1) + maxSurgeOf(d));
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1', kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`, namespace: d.metadata.namespace,
        labels: { ...(d.spec.template.metadata?.labels ?? {}), [HASH_LABEL]: hash },
        annotations, ownerReferences: [ownerRefTo(d, 'apps/v1', 'Deployment')],
      },
      spec: { replicas, minReadySeconds: d.spec.minReadySeconds ?? 0, selector, template },
    };
    try {
      const created = await this.ctx.client.create<ReplicaSet>(R.replicasets, d.metadata.namespace, rs);
      this.event(d, 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name} from 0 to ${replicas}`);
      return created;
    } catch (err) {
      if (isApiError(err, 'AlreadyExists')) {
        const existing = await this.ctx.client.get<ReplicaSet>(R.replicasets, d.metadata.namespace, rs.metadata.name!);
        if (controllerRef(existing)?.uid === d.metadata.uid && templatesEqualIgnoringHash(existing.spec.template, d.spec.template)) return existing;
        // A hash collision: bump collisionCount so the next attempt gets another name.
        // An update of the status (the deployment-controller's role may update it, not patch it).
        await this.ctx.client.updateStatus(R.deployments, { ...d, status: { ...(d.status ?? {}), collisionCount: collisionCount + 1 } });
      }
      throw err;
    }
  }

  /** A ReplicaSet that becomes current again (rollback) gets the next revision number. */
  private async ensureRevision(d: Deployment, rs: ReplicaSet, all: ReplicaSet[]): Promise<void> {
    const max = Math.max(0, ...all.map(revisionOf));
    if (revisionOf(rs) === max && max > 0) return;
    const next = revisionOf(rs) === max ? max : max + 1;
    await this.ctx.client.patch(R.replicasets, rs.metadata.namespace, rs.metadata.name!, { metadata: { annotations: { [REVISION]: String(next) } } });
    if (next > revisionOf(rs) && all.length > 1) this.event(d, 'DeploymentRollback', `Rolled back deployment "${d.metadata.name}" to revision ${revisionOf(rs)}`);
  }

  private async scale(d: Deployment, rs: ReplicaSet, to: number): Promise<ReplicaSet> {
    const from = rs.spec.replicas ?? 0;
    const annotations = { [DESIRED]: String(d.spec.replicas ?? 1), [MAX_REPLICAS]: String((d.spec.replicas ?? 1) + maxSurgeOf(d)) };
    const annotated = Object.entries(annotations).every(([k, v]) => rs.metadata.annotations?.[k] === v);
    if (from === to && annotated) return rs;
    const updated = await this.ctx.client.patch<ReplicaSet>(R.replicasets, rs.metadata.namespace, rs.metadata.name!, {
      metadata: { annotations },
      spec: { replicas: to },
    });
    if (from !== to) this.event(d, 'ScalingReplicaSet', `Scaled ${to > from ? 'up' : 'down'} replica set ${rs.metadata.name} from ${from} to ${to}`);
    return updated;
  }

  private async cleanup(d: Deployment, old: ReplicaSet[]): Promise<void> {
    const limit = d.spec.revisionHistoryLimit ?? 10;
    const idle = old.filter((rs) => (rs.spec.replicas ?? 0) === 0 && (rs.status?.replicas ?? 0) === 0 && !rs.metadata.deletionTimestamp)
      .sort((a, b) => revisionOf(a) - revisionOf(b));
    for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) {
      try {
        await this.ctx.client.delete(R.replicasets, rs.metadata.namespace, rs.metadata.name!);
      } catch (err) {
        if (!isApiError(err, 'NotFound')) throw err;
      }
    }
  }

  private async syncStatus(d: Deployment, all: ReplicaSet[], newRS: ReplicaSet | undefined, created = false): Promise<void> {
    const replicas = d.spec.replicas ?? 1;
    const sum = (f: (rs: ReplicaSet) => number | undefined) => all.reduce((n, rs) => n + (f(rs) ?? 0), 0);
    const availableReplicas = sum((rs) => rs.status?.availableReplicas);
    const status: NonNullable<Deployment['status']> = {
      observedGeneration: d.metadata.generation,
      replicas: sum((rs) => rs.status?.replicas),
      updatedReplicas: newRS?.status?.replicas ?? 0,
      readyReplicas: sum((rs) => rs.status?.readyReplicas),
      availableReplicas,
      // Upstream's calculateStatus: the ReplicaSets' desired replicas not yet available.
      unavailableReplicas: Math.max(0, sum((rs) => rs.spec.replicas) - availableReplicas),
      ...(d.status?.collisionCount ? { collisionCount: d.status.collisionCount } : {}),
    };
    const conditions = [...(d.status?.conditions ?? [])];
    const setCondition = (c: Omit<WorkloadCondition, 'lastUpdateTime' | 'lastTransitionTime'>) => {
      const now = metaTime();
      const i = conditions.findIndex((x) => x.type === c.type);
      const prev = i >= 0 ? conditions[i] : undefined;
      if (prev && prev.status === c.status && prev.reason === c.reason && prev.message === c.message) return;
      const next: WorkloadCondition = { ...c, lastUpdateTime: now, lastTransitionTime: prev && prev.status === c.status ? prev.lastTransitionTime : now };
      if (i >= 0) conditions[i] = next;
      else conditions.push(next);
    };
    const minAvailable = replicas - maxUnavailableOf(d);
    if (availableReplicas >= minAvailable) setCondition({ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' });
    else setCondition({ type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' });
    if (d.spec.paused) {
      setCondition({ type: 'Progressing', status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' });
    } else if (newRS) {
      const rsName = newRS.metadata.name;
      const complete = status.updatedReplicas === replicas && status.replicas === replicas && availableReplicas === replicas;
      const prev = conditions.find((c) => c.type === 'Progressing');
      const progressed = JSON.stringify({ ...d.status, conditions: undefined }) !== JSON.stringify({ ...status, conditions: undefined });
      if (complete) {
        setCondition({ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rsName}" has successfully progressed.` });
      } else if (created) {
        setCondition({ type: 'Progressing', status: 'True', reason: 'NewReplicaSetCreated', message: `Created new replica set "${rsName}"` });
      } else if (progressed || !prev || prev.status !== 'True') {
        if (prev?.reason !== 'ProgressDeadlineExceeded' || progressed) {
          setCondition({ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${rsName}" is progressing.` });
          const c = conditions.find((x) => x.type === 'Progressing')!;
          c.lastUpdateTime = metaTime();
        }
      } else {
        const deadlineMs = (d.spec.progressDeadlineSeconds ?? 600) * 1000;
        const since = Date.parse(prev.lastUpdateTime ?? prev.lastTransitionTime ?? metaTime());
        if (Date.now() - since > deadlineMs) {
          setCondition({ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${rsName}" has timed out progressing.` });
        } else {
          this.queue.addAfter(keyOf(d), since + deadlineMs - Date.now() + 1000);
        }
      }
    }
    status.conditions = conditions;
    if (JSON.stringify(d.status ?? {}) === JSON.stringify(status)) return;
    try {
      await this.ctx.client.updateStatus(R.deployments, { ...d, status });
    } catch (err) {
      if (isApiError(err, 'Conflict')) { this.queue.add(keyOf(d)); return; }
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }
}
