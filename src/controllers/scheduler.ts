// The scheduler: binds each unscheduled pod to a node, as kube-scheduler does for the cases knit
// needs: nodeSelector, nodeName already set (nothing to do), unschedulable and NotReady nodes
// avoided, and replicas spread by placing each pod on the feasible node running the fewest pods
// (of its owner first, then overall).

import { isApiError } from '../kube/errors.js';
import type { Node, Pod } from '../kube/types.js';
import type { Informer } from '../client/informer.js';
import { keyOf, splitKey } from '../client/informer.js';
import { R } from '../client/resources.js';
import { WorkQueue } from '../client/workqueue.js';
import { controllerRef, isPodActive, toleratesTaint, type Controller, type ControllerContext, type Taint } from './common.js';
import { metaTime } from '../common/time.js';

export function nodeIsReady(n: Node): boolean {
  return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

const tolerates = (pod: Pod, taint: Taint) => toleratesTaint(pod.spec.tolerations ?? [], taint);

interface NodeSelectorRequirement { key: string; operator: string; values?: string[] }

function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
  switch (r.operator) {
    case 'In': return value !== undefined && (r.values ?? []).includes(value);
    case 'NotIn': return value === undefined || !(r.values ?? []).includes(value);
    case 'Exists': return value !== undefined;
    case 'DoesNotExist': return value === undefined;
    case 'Gt': return value !== undefined && Number(value) > Number(r.values?.[0]);
    case 'Lt': return value !== undefined && Number(value) < Number(r.values?.[0]);
    default: return false;
  }
}

/** Required node affinity: any term matches, all requirements of a term hold. */
function affinityAllows(pod: Pod, n: Node): boolean {
  const terms: { matchFields?: NodeSelectorRequirement[]; matchExpressions?: NodeSelectorRequirement[] }[] =
    (pod.spec.affinity as any)?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  if (terms.length === 0) return true;
  return terms.some((t) => (t.matchFields ?? []).every((r) => requirementMatches(r, r.key === 'metadata.name' ? n.metadata.name : undefined))
    && (t.matchExpressions ?? []).every((r) => requirementMatches(r, n.metadata.labels?.[r.key])));
}

/** Nodes pod may run on. */
export function feasibleNodes(pod: Pod, nodes: Node[]): Node[] {
  return nodes.filter((n) => {
    if (n.metadata.deletionTimestamp || n.spec.unschedulable) return false;
    if (!nodeIsReady(n) && !tolerates(pod, { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' })) return false;
    if (!affinityAllows(pod, n)) return false;
    for (const [k, v] of Object.entries(pod.spec.nodeSelector ?? {})) if (n.metadata.labels?.[k] !== v) return false;
    for (const t of n.spec.taints ?? []) {
      if ((t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerates(pod, t)) return false;
    }
    return true;
  });
}

export class Scheduler implements Controller {
  readonly name = 'default-scheduler';
  private readonly queue: WorkQueue;
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  /** Bindings made but not yet seen in the cache, so spreading counts them. */
  private readonly assumed = new Map<string, string>();

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue({ name: this.name, log: ctx.log(this.name), baseDelayMs: 200, maxDelayMs: 10_000 });
    this.pods = ctx.informers.get<Pod>(R.pods);
    this.nodes = ctx.informers.get<Node>(R.nodes);
    this.pods.addIndex('nodeName', (p) => (p.spec.nodeName ? [p.spec.nodeName] : []));
  }

  start(): void {
    const check = (p: Pod) => {
      if (p.spec.nodeName) this.assumed.delete(keyOf(p));
      else if (isPodActive(p) && (p.spec.schedulerName ?? 'default-scheduler') === 'default-scheduler') this.queue.add(keyOf(p));
    };
    this.pods.addHandler({ add: check, update: (_o, p) => check(p), delete: (p) => this.assumed.delete(keyOf(p)) });
    // A node that becomes ready may take pods that waited.
    this.nodes.addHandler({
      add: () => this.retryPending(),
      update: (o, n) => { if (nodeIsReady(n) !== nodeIsReady(o) || n.spec.unschedulable !== o.spec.unschedulable) this.retryPending(); },
    });
    void Promise.all([this.pods.waitForSync(), this.nodes.waitForSync()]).then(() => this.queue.run(1, (k) => this.schedule(k)));
  }

  async stop(): Promise<void> {
    await this.queue.stop();
  }

  private retryPending(): void {
    for (const p of this.pods.list()) if (!p.spec.nodeName && isPodActive(p)) this.queue.add(keyOf(p));
  }

  private podsOn(node: string): Pod[] {
    return this.pods.byIndex('nodeName', node).filter(isPodActive);
  }

  async schedule(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pod = this.pods.get(namespace, name);
    if (!pod || pod.spec.nodeName || !isPodActive(pod) || this.assumed.has(key)) return;
    const candidates = feasibleNodes(pod, this.nodes.list());
    if (candidates.length === 0) {
      const total = this.nodes.list().length;
      this.ctx.recorder(this.name).event(pod, 'Warning', 'FailedScheduling',
        `0/${total} nodes are available: ${total === 0 ? 'no nodes available to schedule pods' : `${total} node(s) didn't match Pod's node affinity/selector or were not ready`}. preemption: 0/${total} nodes are available: ${total} Preemption is not helpful for scheduling.`);
      await this.markUnschedulable(pod, total);
      return;
    }
    const owner = controllerRef(pod)?.uid;
    const isSibling = (p: Pod | undefined) => !!owner && !!p && controllerRef(p)?.uid === owner;
    // Bindings made moments ago are not in the cache yet: they count where they went, so a
    // burst of replicas spreads as a slower one does.
    const assumedOn = (node: string) => [...this.assumed].filter(([, n]) => n === node).map(([k]) => this.pods.getByKey(k));
    const score = (n: Node): [number, number, string] => {
      const here = this.podsOn(n.metadata.name!);
      const assumed = assumedOn(n.metadata.name!);
      const siblings = here.filter(isSibling).length + assumed.filter(isSibling).length;
      return [siblings, here.length + assumed.length, n.metadata.name!];
    };
    const best = candidates.map((n) => ({ n, s: score(n) })).sort((a, b) => a.s[0] - b.s[0] || a.s[1] - b.s[1] || a.s[2].localeCompare(b.s[2]))[0].n;
    try {
      await this.ctx.client.create(R.pods, namespace, { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace }, target: { apiVersion: 'v1', kind: 'Node', name: best.metadata.name } }, 'binding');
      this.assumed.set(key, best.metadata.name!);
      this.ctx.recorder(this.name).event(pod, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${best.metadata.name}`);
    } catch (err) {
      if (isApiError(err, 'NotFound') || isApiError(err, 'Conflict')) return;
      throw err;
    }
  }

  private async markUnschedulable(pod: Pod, total: number): Promise<void> {
    const cond = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (cond?.status === 'False' && cond.reason === 'Unschedulable') return;
    const conditions = (pod.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
    conditions.push({ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', lastProbeTime: null, lastTransitionTime: metaTime(), message: `0/${total} nodes are available` });
    try {
      await this.ctx.client.patch(R.pods, pod.metadata.namespace, pod.metadata.name!, { status: { phase: 'Pending', conditions } }, 'merge', 'status');
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }
}
