// Namespace controller: when a namespace is being deleted, deletes everything in it, waits until
// it is all gone (pods may take their grace period, finalizers their owners), reporting what is
// left in upstream's status conditions, then removes the "kubernetes" finalizer so the API server
// deletes the namespace.

import { isApiError } from '../kube/errors.js';
import type { KubeList, Namespace } from '../kube/types.js';
import type { Informer } from '../client/informer.js';
import { pathOf, R, type ResourceRef } from '../client/resources.js';
import { WorkQueue } from '../client/workqueue.js';
import type { Controller, ControllerContext } from './common.js';
import { metaTime } from '../common/time.js';

/** Every namespaced kind knit serves. Pods go last so their controllers do not recreate them. */
const NAMESPACED: ResourceRef[] = [
  R.deployments, R.statefulsets, R.daemonsets, R.replicasets, R.controllerrevisions, R.services, R.endpointslices, R.endpoints,
  R.ingresses, R.networkpolicies, R.configmaps, R.secrets, R.serviceaccounts, R.leases, R.events, R.pods,
];

export class NamespaceController implements Controller {
  readonly name = 'namespace-controller';
  private readonly queue: WorkQueue;
  private readonly namespaces: Informer<Namespace>;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue({ name: this.name, log: ctx.log(this.name), baseDelayMs: 200, maxDelayMs: 5000 });
    this.namespaces = ctx.informers.get<Namespace>(R.namespaces);
  }

  start(): void {
    const check = (ns: Namespace) => { if (ns.metadata.deletionTimestamp) this.queue.add(ns.metadata.name!); };
    this.namespaces.addHandler({ add: check, update: (_o, ns) => check(ns) });
    void this.namespaces.waitForSync().then(() => this.queue.run(1, (k) => this.reconcile(k)));
  }

  async stop(): Promise<void> {
    await this.queue.stop();
  }

  async reconcile(name: string): Promise<void> {
    const ns = this.namespaces.get(undefined, name);
    if (!ns?.metadata.deletionTimestamp) return;
    if (!(ns.spec?.finalizers ?? []).includes('kubernetes')) return;
    const client = this.ctx.client;
    const remaining: RemainingContent = { byResource: new Map(), byFinalizer: new Map(), unexpected: [] };
    for (const ref of NAMESPACED) {
      try {
        await client.request('DELETE', pathOf(ref, name), { body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' } });
        const left = await client.request<KubeList>('GET', pathOf(ref, name));
        if (left.items.length === 0) continue;
        remaining.byResource.set(`${ref.plural}.${ref.group}`, left.items.length);
        let finalized = false;
        for (const item of left.items) {
          for (const f of item.metadata.finalizers ?? []) {
            remaining.byFinalizer.set(f, (remaining.byFinalizer.get(f) ?? 0) + 1);
            finalized = true;
          }
        }
        // Pods may be waiting out their grace period; anything else left without a finalizer is unexpected.
        if (!finalized && ref !== R.pods) remaining.unexpected.push(`unexpected items still remain in namespace: ${name} for gvr: ${ref.group}/${ref.version}, Resource=${ref.plural}`);
      } catch (err) {
        if (!isApiError(err, 'NotFound')) throw err;
      }
    }
    await this.reportConditions(ns, remaining);
    if (remaining.byResource.size > 0) {
      this.queue.addAfter(name, 500);
      return;
    }
    try {
      await client.request('PUT', `${pathOf(R.namespaces, undefined, name)}/finalize`, {
        body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name }, spec: { finalizers: (ns.spec?.finalizers ?? []).filter((f) => f !== 'kubernetes') } },
      });
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }

  /** Upstream's deletion conditions, so `kubectl describe ns` says what a Terminating namespace waits for. */
  private async reportConditions(ns: Namespace, remaining: RemainingContent): Promise<void> {
    const conditions = deletionConditions(remaining);
    const old = (ns.status?.conditions ?? []) as (Condition & { lastTransitionTime?: string })[];
    const now = metaTime();
    let changed = false;
    const next = conditions.map((c) => {
      const prev = old.find((o) => o.type === c.type);
      if (prev && prev.status === c.status && prev.reason === c.reason && prev.message === c.message) return prev;
      changed = true;
      return { ...c, lastTransitionTime: now };
    });
    if (!changed) return;
    try {
      await this.ctx.client.updateStatus(R.namespaces, { ...ns, status: { ...ns.status, conditions: next } });
    } catch (err) {
      // A stale copy or a namespace already gone: the next pass reports again.
      if (!isApiError(err, 'Conflict') && !isApiError(err, 'NotFound')) throw err;
    }
  }
}

interface RemainingContent {
  /** "<plural>.<group>" -> items left. */
  byResource: Map<string, number>;
  byFinalizer: Map<string, number>;
  unexpected: string[];
}

interface Condition {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message: string;
}

/** The five conditions the namespace deleter keeps, each "ok" unless something is left. */
function deletionConditions(r: RemainingContent): Condition[] {
  const ok = (type: string, reason: string, message: string): Condition => ({ type, status: 'False', reason, message });
  const counted = (m: Map<string, number>, what: (k: string, n: number) => string) => [...m].map(([k, n]) => what(k, n)).sort().join(', ');
  return [
    ok('NamespaceDeletionDiscoveryFailure', 'ResourcesDiscovered', 'All resources successfully discovered'),
    ok('NamespaceDeletionGroupVersionParsingFailure', 'ParsedGroupVersions', 'All legacy kube types successfully parsed'),
    r.unexpected.length
      ? { type: 'NamespaceDeletionContentFailure', status: 'True', reason: 'ContentDeletionFailed', message: `Failed to delete all resource types, ${r.unexpected.length} remaining: ${r.unexpected.length === 1 ? r.unexpected[0] : `[${r.unexpected.join(', ')}]`}` }
      : ok('NamespaceDeletionContentFailure', 'ContentDeleted', 'All content successfully deleted, may be waiting on finalization'),
    r.byResource.size
      ? { type: 'NamespaceContentRemaining', status: 'True', reason: 'SomeResourcesRemain', message: `Some resources are remaining: ${counted(r.byResource, (k, n) => `${k} has ${n} resource instances`)}` }
      : ok('NamespaceContentRemaining', 'ContentRemoved', 'All content successfully removed'),
    r.byFinalizer.size
      ? { type: 'NamespaceFinalizersRemaining', status: 'True', reason: 'SomeFinalizersRemain', message: `Some content in the namespace has finalizers remaining: ${counted(r.byFinalizer, (k, n) => `${k} in ${n} resource instances`)}` }
      : ok('NamespaceFinalizersRemaining', 'ContentHasNoFinalizers', 'All content-preserving finalizers finished'),
  ];
}
