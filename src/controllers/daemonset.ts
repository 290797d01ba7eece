// DaemonSet controller: one pod per eligible node (nodeSelector, taints the pods do not tolerate
// exclude a node), placed by the scheduler through a required node affinity to that node as
// upstream does, rolled one node at a time (maxUnavailable) when the template changes.

import { isApiError } from '../kube/errors.js';
import type { DaemonSet, Node, Pod } from '../kube/types.js';
import { NAMESPACE_INDEX } from '../client/factory.js';
import { keyOf, splitKey, type Informer } from '../client/informer.js';
import { R } from '../client/resources.js';
import { WorkQueue } from '../client/workqueue.js';
import { controllerRef, intOrPercent, isPodAvailable, isPodReady, toleratesTaint, type Controller, type ControllerContext } from './common.js';
import { podFromTemplate } from './podcontrol.js';
import { REVISION_HASH_LABEL, revisionHash, syncRevisions } from './revisions.js';

/** The tolerations upstream adds to every DaemonSet pod. */
const DAEMON_TOLERATIONS: { key: string; operator: string; value?: string; effect: string }[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

/** The node a DaemonSet pod is pinned to through its required node affinity. */
export function daemonPodNode(pod: Pod): string | undefined {
  const terms = (pod.spec.affinity as any)?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const t of terms) for (const f of t.matchFields ?? []) if (f.key === 'metadata.name' && f.operator === 'In') return f.values?.[0];
  return undefined;
}

function eligible(ds: DaemonSet, node: Node): boolean {
  if (node.metadata.deletionTimestamp) return false;
  for (const [k, v] of Object.entries(ds.spec.template.spec.nodeSelector ?? {})) if (node.metadata.labels?.[k] !== v) return false;
  const tolerations = [...(ds.spec.template.spec.tolerations ?? []), ...DAEMON_TOLERATIONS];
  for (const t of node.spec.taints ?? []) {
    if (t.effect === 'PreferNoSchedule') continue;
    if (!toleratesTaint(tolerations, t)) return false;
  }
  return true;
}

export class DaemonSetController implements Controller {
  readonly name = 'daemonset-controller';
  private readonly queue: WorkQueue;
  private readonly sets: Informer<DaemonSet>;
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  private readonly revisions: Informer;
  /** Pods created per DaemonSet and node that the cache may not show yet (avoids creating twice). */
  private readonly creating = new Map<string, number>();

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue({ name: this.name, log: ctx.log(this.name) });
    this.sets = ctx.informers.get<DaemonSet>(R.daemonsets);
    this.pods = ctx.informers.get<Pod>(R.pods);
    this.nodes = ctx.informers.get<Node>(R.nodes);
    this.revisions = ctx.informers.get(R.controllerrevisions);
  }

  start(): void {
    this.sets.addHandler({ add: (s) => this.queue.add(keyOf(s)), update: (_o, s) => this.queue.add(keyOf(s)) });
    const podChanged = (p: Pod) => {
      const ref = controllerRef(p);
      if (ref?.kind === 'DaemonSet') this.queue.add(`${p.metadata.namespace}/${ref.name}`);
    };
    this.pods.addHandler({ add: podChanged, update: (_o, p) => podChanged(p), delete: podChanged });
    const all = () => { for (const s of this.sets.list()) this.queue.add(keyOf(s)); };
    this.nodes.addHandler({ add: all, update: (o, n) => { if (JSON.stringify(o.spec) !== JSON.stringify(n.spec) || JSON.stringify(o.metadata.labels) !== JSON.stringify(n.metadata.labels)) all(); }, delete: all });
    void Promise.all([this.sets.waitForSync(), this.pods.waitForSync(), this.nodes.waitForSync(), this.revisions.waitForSync()])
      .then(() => this.queue.run(1, (k) => this.reconcile(k)));
  }

  async stop(): Promise<void> {
    await this.queue.stop();
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const ds = this.sets.get(namespace, name);
    if (!ds || ds.metadata.deletionTimestamp) return;
    const client = this.ctx.client;
    const recorder = this.ctx.recorder(this.name);
    const pods = this.pods.byIndex(NAMESPACE_INDEX, namespace!).filter((p) => controllerRef(p)?.uid === ds.metadata.uid);
    const inUse = new Set(pods.map((p) => `${name}-${p.metadata.labels?.[REVISION_HASH_LABEL]}`));
    const revs = await syncRevisions(client, this.revisions, ds, 'DaemonSet', inUse);
    const hash = revisionHash(revs.update, name!);
    const nodes = this.nodes.list();
    const wanted = new Set(nodes.filter((n) => eligible(ds, n)).map((n) => n.metadata.name!));
    const byNode = new Map<string, Pod[]>();
    for (const p of pods) {
      const node = p.spec.nodeName ?? daemonPodNode(p);
      if (node) (byNode.get(node) ?? byNode.set(node, []).get(node)!).push(p);
    }
    const remove = async (p: Pod) => {
      try {
        await client.delete(R.pods, namespace, p.metadata.name!, { preconditions: { uid: p.metadata.uid } });
        recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
      } catch (err) { if (!isApiError(err, 'NotFound')) throw err; }
    };
    for (const node of wanted) {
      const here = (byNode.get(node) ?? []).filter((p) => !p.metadata.deletionTimestamp);
      const failed = here.filter((p) => p.status?.phase === 'Failed');
      for (const p of failed) await remove(p);
      const live = here.filter((p) => p.status?.phase !== 'Failed');
      const pendingKey = `${key}/${node}`;
      if (live.length > 0) this.creating.delete(pendingKey);
      const pending = Date.now() - (this.creating.get(pendingKey) ?? 0) < 30_000;
      if (live.length === 0 && !pending && !(byNode.get(node) ?? []).some((p) => p.metadata.deletionTimestamp)) {
        const pod = podFromTemplate(ds.spec.template, ds, 'apps/v1', 'DaemonSet', { labels: { [REVISION_HASH_LABEL]: hash, 'pod-template-generation': String(ds.metadata.generation ?? 1) } });
        pod.spec.tolerations = [...(pod.spec.tolerations ?? []), ...DAEMON_TOLERATIONS.filter((t) => !(pod.spec.tolerations ?? []).some((x) => x.key === t.key && x.effect === t.effect))];
        pod.spec.affinity = { ...(pod.spec.affinity ?? {}), nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }] } } };
        const created = await client.create<Pod>(R.pods, namespace, pod);
        this.creating.set(pendingKey, Date.now());
        recorder.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
      } else if (live.length > 1) {
        for (const p of live.slice(1)) await remove(p);
      }
    }
    for (const [node, ps] of byNode) if (!wanted.has(node)) for (const p of ps) if (!p.metadata.deletionTimestamp) await remove(p);

    // Rolling update: replace old-template pods while at most maxUnavailable are not available.
    if ((ds.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
      const maxUnavailable = Math.max(1, intOrPercent(ds.spec.updateStrategy?.rollingUpdate?.maxUnavailable, wanted.size, true, 1));
      const current = pods.filter((p) => !p.metadata.deletionTimestamp && wanted.has(p.spec.nodeName ?? daemonPodNode(p) ?? ''));
      let unavailable = wanted.size - current.filter((p) => isPodAvailable(p, ds.spec.minReadySeconds ?? 0)).length;
      for (const p of current) {
        if (unavailable >= maxUnavailable) break;
        if (p.metadata.labels?.[REVISION_HASH_LABEL] === hash) continue;
        await remove(p);
        unavailable++;
      }
    }
    await this.updateStatus(ds, pods, wanted, hash);
  }

  private async updateStatus(ds: DaemonSet, pods: Pod[], wanted: Set<string>, hash: string): Promise<void> {
    const scheduled = pods.filter((p) => !p.metadata.deletionTimestamp && p.spec.nodeName);
    const onWanted = scheduled.filter((p) => wanted.has(p.spec.nodeName!));
    const available = onWanted.filter((p) => isPodAvailable(p, ds.spec.minReadySeconds ?? 0)).length;
    const status: NonNullable<DaemonSet['status']> = {
      currentNumberScheduled: new Set(onWanted.map((p) => p.spec.nodeName)).size,
      numberMisscheduled: new Set(scheduled.filter((p) => !wanted.has(p.spec.nodeName!)).map((p) => p.spec.nodeName)).size,
      desiredNumberScheduled: wanted.size,
      numberReady: onWanted.filter(isPodReady).length,
      observedGeneration: ds.metadata.generation,
      updatedNumberScheduled: onWanted.filter((p) => p.metadata.labels?.[REVISION_HASH_LABEL] === hash).length,
      numberAvailable: available,
      numberUnavailable: Math.max(0, wanted.size - available),
    };
    if (JSON.stringify(ds.status ?? {}) === JSON.stringify(status)) return;
    try {
      await this.ctx.client.updateStatus(R.daemonsets, { ...ds, status });
    } catch (err) {
      if (isApiError(err, 'Conflict')) { this.queue.add(keyOf(ds)); return; }
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }
}
