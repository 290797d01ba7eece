// Creating and claiming the pods a workload owns, as upstream's PodControl and
// ControllerRefManager do: pods are made from the template with a controller ownerReference;
// orphans that match the selector are adopted, owned pods that no longer match are released.

import { isApiError } from '../kube/errors.js';
import type { KubeObject, LabelSelector, Pod, PodTemplateSpec } from '../kube/types.js';
import { labelSelectorFromSpec } from '../kube/selectors.js';
import type { ApiClient } from '../client/client.js';
import { R } from '../client/resources.js';
import { controllerRef, ownerRefTo } from './common.js';

export function podFromTemplate(template: PodTemplateSpec, owner: KubeObject, ownerApiVersion: string, ownerKind: string, extra?: { name?: string; generateName?: string; labels?: Record<string, string>; hostname?: string; subdomain?: string; nodeName?: string }): Pod {
  const meta = structuredClone(template.metadata ?? {});
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...(extra?.name ? { name: extra.name } : { generateName: extra?.generateName ?? `${owner.metadata.name}-` }),
      namespace: owner.metadata.namespace,
      labels: { ...(meta.labels ?? {}), ...(extra?.labels ?? {}) },
      ...(meta.annotations ? { annotations: meta.annotations } : {}),
      ...(meta.finalizers ? { finalizers: meta.finalizers } : {}),
      ownerReferences: [ownerRefTo(owner, ownerApiVersion, ownerKind)],
    },
    spec: structuredClone(template.spec),
  };
  if (extra?.hostname) pod.spec.hostname = extra.hostname;
  if (extra?.subdomain) pod.spec.subdomain = extra.subdomain;
  if (extra?.nodeName) pod.spec.nodeName = extra.nodeName;
  return pod;
}

/**
 * The pods owner controls among candidates: those whose controllerRef is owner, plus orphans
 * matching selector (adopted here). Owned pods that no longer match are released.
 */
export async function claimPods(client: ApiClient, owner: KubeObject, ownerApiVersion: string, ownerKind: string, selector: LabelSelector | undefined, candidates: Pod[]): Promise<Pod[]> {
  const matcher = labelSelectorFromSpec(selector);
  const claimed: Pod[] = [];
  for (const pod of candidates) {
    const ref = controllerRef(pod);
    const matches = matcher ? matcher.matches(pod.metadata.labels) : false;
    if (ref) {
      if (ref.uid !== owner.metadata.uid) continue;
      if (matches || owner.metadata.deletionTimestamp) {
        claimed.push(pod);
        continue;
      }
      // Release: the pod's labels no longer match.
      await patchOwners(client, pod, (pod.metadata.ownerReferences ?? []).filter((r) => r.uid !== owner.metadata.uid));
      continue;
    }
    if (!matches || owner.metadata.deletionTimestamp || pod.metadata.deletionTimestamp) continue;
    const refs = [...(pod.metadata.ownerReferences ?? []), ownerRefTo(owner, ownerApiVersion, ownerKind)];
    const adopted = await patchOwners(client, pod, refs);
    if (adopted) claimed.push(adopted);
  }
  return claimed;
}

async function patchOwners(client: ApiClient, pod: Pod, ownerReferences: KubeObject['metadata']['ownerReferences']): Promise<Pod | undefined> {
  try {
    return await client.patch<Pod>(R.pods, pod.metadata.namespace, pod.metadata.name!, {
      metadata: { ownerReferences: ownerReferences?.length ? ownerReferences : null, uid: pod.metadata.uid },
    }, 'merge');
  } catch (err) {
    if (isApiError(err, 'NotFound')) return undefined;
    throw err;
  }
}

/**
 * Creates and deletes that a controller made but its informer has not shown yet, so that a
 * reconcile in between does not create or delete twice (upstream's expectations).
 */
export class Expectations {
  private readonly pending = new Map<string, { creates: Set<string>; deletes: Set<string>; at: number }>();

  constructor(private readonly ttlMs = 60_000) {}

  private entry(owner: string) {
    let e = this.pending.get(owner);
    if (!e) this.pending.set(owner, (e = { creates: new Set(), deletes: new Set(), at: Date.now() }));
    return e;
  }

  expectCreate(owner: string, podName: string): void {
    const e = this.entry(owner);
    e.creates.add(podName);
    e.at = Date.now();
  }

  expectDelete(owner: string, podName: string): void {
    const e = this.entry(owner);
    e.deletes.add(podName);
    e.at = Date.now();
  }

  /** Forgets what the informer now shows: creates it has seen and deletes it no longer holds. */
  observe(owner: string, seen: Set<string>): void {
    const e = this.pending.get(owner);
    if (!e) return;
    if (Date.now() - e.at > this.ttlMs) {
      this.pending.delete(owner);
      return;
    }
    for (const n of e.creates) if (seen.has(n)) e.creates.delete(n);
    for (const n of e.deletes) if (!seen.has(n)) e.deletes.delete(n);
    if (e.creates.size === 0 && e.deletes.size === 0) this.pending.delete(owner);
  }

  creates(owner: string): Set<string> {
    return this.pending.get(owner)?.creates ?? new Set();
  }

  deletes(owner: string): Set<string> {
    return this.pending.get(owner)?.deletes ?? new Set();
  }

  forget(owner: string): void {
    this.pending.delete(owner);
  }
}
