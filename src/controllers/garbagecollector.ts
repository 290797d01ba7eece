// Garbage collector: ownerReferences as upstream honours them. Dependents whose owners are all
// gone are deleted (background propagation); an owner deleted with propagationPolicy Foreground
// waits (finalizer foregroundDeletion) until its blocking dependents are gone; with Orphan
// (finalizer orphan) its dependents lose the reference and stay.

import { isApiError } from '../kube/errors.js';
import type { KubeObject, OwnerReference } from '../kube/types.js';
import type { Informer } from '../client/informer.js';
import { R, type ResourceRef } from '../client/resources.js';
import { WorkQueue } from '../client/workqueue.js';
import type { Controller, ControllerContext } from './common.js';

/** The kinds whose objects the collector follows, as owners and as dependents. */
const KINDS: ResourceRef[] = [
  R.pods, R.replicasets, R.deployments, R.statefulsets, R.daemonsets, R.controllerrevisions, R.jobs, R.cronjobs, R.endpointslices,
  R.endpoints, R.services, R.configmaps, R.secrets, R.serviceaccounts, R.ingresses, R.networkpolicies, R.leases, R.nodes,
];

interface GraphNode {
  ref: ResourceRef;
  obj: KubeObject;
}

export class GarbageCollector implements Controller {
  readonly name = 'garbage-collector-controller';
  private readonly queue: WorkQueue;
  private readonly nodes = new Map<string, GraphNode>();
  private readonly dependents = new Map<string, Set<string>>();
  private readonly informers: Informer[] = [];
  private readonly byKind = new Map<string, ResourceRef>();

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue({ name: this.name, log: ctx.log(this.name), baseDelayMs: 100 });
    for (const ref of KINDS) {
      this.byKind.set(`${ref.group ? `${ref.group}/${ref.version}` : ref.version}/${ref.kind}`, ref);
      this.informers.push(ctx.informers.get(ref));
    }
  }

  start(): void {
    KINDS.forEach((ref, i) => {
      this.informers[i].addHandler({
        add: (obj) => this.upsert(ref, obj, undefined),
        update: (old, obj) => this.upsert(ref, obj, old),
        delete: (obj) => this.remove(obj),
      });
    });
    void Promise.all(this.informers.map((i) => i.waitForSync())).then(() => {
      for (const uid of this.nodes.keys()) this.queue.add(uid);
      this.queue.run(2, (uid) => this.reconcile(uid));
    });
  }

  async stop(): Promise<void> {
    await this.queue.stop();
  }

  private upsert(ref: ResourceRef, obj: KubeObject, old: KubeObject | undefined): void {
    const uid = obj.metadata.uid!;
    if (old) for (const o of old.metadata.ownerReferences ?? []) this.dependents.get(o.uid)?.delete(uid);
    this.nodes.set(uid, { ref, obj });
    for (const o of obj.metadata.ownerReferences ?? []) {
      let set = this.dependents.get(o.uid);
      if (!set) this.dependents.set(o.uid, (set = new Set()));
      set.add(uid);
      if (!this.nodes.has(o.uid)) this.queue.add(uid);
    }
    const f = obj.metadata.finalizers ?? [];
    if (obj.metadata.deletionTimestamp && (f.includes('foregroundDeletion') || f.includes('orphan'))) this.queue.add(uid);
    // A dependent of an owner waiting in the foreground changed: the owner may be done.
    for (const o of obj.metadata.ownerReferences ?? []) {
      const owner = this.nodes.get(o.uid);
      if (owner?.obj.metadata.deletionTimestamp) this.queue.add(o.uid);
    }
  }

  private remove(obj: KubeObject): void {
    const uid = obj.metadata.uid!;
    this.nodes.delete(uid);
    for (const o of obj.metadata.ownerReferences ?? []) {
      this.dependents.get(o.uid)?.delete(uid);
      if (this.nodes.get(o.uid)?.obj.metadata.deletionTimestamp) this.queue.add(o.uid);
    }
    for (const d of this.dependents.get(uid) ?? []) this.queue.add(d);
  }

  private refFor(o: OwnerReference): ResourceRef | undefined {
    return this.byKind.get(`${o.apiVersion}/${o.kind}`);
  }

  /** Whether the owner named by o still exists with o's uid (asking the API server when the cache does not know). */
  private async ownerExists(o: OwnerReference, namespace: string | undefined): Promise<boolean> {
    if (this.nodes.has(o.uid)) return true;
    const ref = this.refFor(o);
    if (!ref) return true; // a kind the collector does not follow: leave its dependents alone
    try {
      const live = await this.ctx.client.get(ref, ref.namespaced ? namespace : undefined, o.name);
      return live.metadata.uid === o.uid;
    } catch (err) {
      if (isApiError(err, 'NotFound')) return false;
      throw err;
    }
  }

  async reconcile(uid: string): Promise<void> {
    const node = this.nodes.get(uid);
    if (!node) return;
    const { ref, obj } = node;
    const ns = obj.metadata.namespace;
    const finalizers = obj.metadata.finalizers ?? [];
    if (obj.metadata.deletionTimestamp) {
      if (finalizers.includes('orphan')) return this.orphanDependents(node);
      if (finalizers.includes('foregroundDeletion')) return this.deleteInForeground(node);
    }
    const owners = obj.metadata.ownerReferences ?? [];
    if (owners.length === 0 || obj.metadata.deletionTimestamp) return;
    const present: OwnerReference[] = [];
    const waitingForeground: OwnerReference[] = [];
    for (const o of owners) {
      if (await this.ownerExists(o, ns)) {
        present.push(o);
        const owner = this.nodes.get(o.uid)?.obj;
        if (owner?.metadata.deletionTimestamp && (owner.metadata.finalizers ?? []).includes('foregroundDeletion')) waitingForeground.push(o);
      }
    }
    if (present.length === 0) {
      await this.deleteObject(ref, obj, 'Background');
    } else if (present.length === waitingForeground.length) {
      // Every remaining owner is being deleted in the foreground: so is this dependent.
      await this.deleteObject(ref, obj, 'Foreground');
    } else if (present.length < owners.length) {
      const keep = owners.filter((o) => present.some((p) => p.uid === o.uid));
      await this.patchOwners(ref, obj, keep);
    }
  }

  private async deleteObject(ref: ResourceRef, obj: KubeObject, propagationPolicy: 'Background' | 'Foreground'): Promise<void> {
    try {
      await this.ctx.client.delete(ref, obj.metadata.namespace, obj.metadata.name!, { propagationPolicy, preconditions: { uid: obj.metadata.uid } });
    } catch (err) {
      if (!isApiError(err, 'NotFound') && !isApiError(err, 'Conflict')) throw err;
    }
  }

  private async patchOwners(ref: ResourceRef, obj: KubeObject, keep: OwnerReference[]): Promise<void> {
    try {
      await this.ctx.client.patch(ref, obj.metadata.namespace, obj.metadata.name!, { metadata: { ownerReferences: keep.length ? keep : null, uid: obj.metadata.uid } });
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }

  private async removeFinalizer(node: GraphNode, finalizer: string): Promise<void> {
    const { ref, obj } = node;
    try {
      await this.ctx.client.patch(ref, obj.metadata.namespace, obj.metadata.name!, {
        metadata: { finalizers: (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer), resourceVersion: obj.metadata.resourceVersion },
      });
    } catch (err) {
      if (isApiError(err, 'Conflict')) { this.queue.add(obj.metadata.uid!); return; }
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }

  private async orphanDependents(node: GraphNode): Promise<void> {
    const uid = node.obj.metadata.uid!;
    for (const d of [...(this.dependents.get(uid) ?? [])]) {
      const dep = this.nodes.get(d);
      if (!dep) continue;
      await this.patchOwners(dep.ref, dep.obj, (dep.obj.metadata.ownerReferences ?? []).filter((o) => o.uid !== uid));
    }
    await this.removeFinalizer(node, 'orphan');
  }

  private async deleteInForeground(node: GraphNode): Promise<void> {
    const uid = node.obj.metadata.uid!;
    let blocking = 0;
    for (const d of [...(this.dependents.get(uid) ?? [])]) {
      const dep = this.nodes.get(d);
      if (!dep) continue;
      const ownerRef = dep.obj.metadata.ownerReferences?.find((o) => o.uid === uid);
      if (ownerRef?.blockOwnerDeletion) blocking++;
      if (!dep.obj.metadata.deletionTimestamp) await this.deleteObject(dep.ref, dep.obj, 'Foreground');
    }
    if (blocking === 0) await this.removeFinalizer(node, 'foregroundDeletion');
  }
}
