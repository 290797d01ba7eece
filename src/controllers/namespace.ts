// Namespace controller: when a namespace is being deleted, deletes everything in it, waits until
// it is all gone (pods may take their grace period), then removes the "kubernetes" finalizer so
// the API server deletes the namespace.

import { isApiError } from '../api/errors.js';
import type { KubeList, Namespace } from '../api/types.js';
import type { Informer } from '../client/informer.js';
import { pathOf, R, type ResourceRef } from '../client/resources.js';
import { WorkQueue } from '../client/workqueue.js';
import type { Controller, ControllerContext } from './common.js';

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
    let remaining = 0;
    for (const ref of NAMESPACED) {
      try {
        await client.request('DELETE', pathOf(ref, name), { body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' } });
        const left = await client.request<KubeList>('GET', pathOf(ref, name), { query: { limit: 1 } });
        remaining += left.items.length;
      } catch (err) {
        if (!isApiError(err, 'NotFound')) throw err;
      }
    }
    if (remaining > 0) {
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
}
