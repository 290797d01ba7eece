// ControllerRevisions, as StatefulSets and DaemonSets keep them: one per pod template, named
// <owner>-<hash>, with an increasing revision number; the label controller-revision-hash on pods
// says which template made them. `kubectl rollout history` reads these.

import { isApiError } from '../kube/errors.js';
import type { KubeObject, PodTemplateSpec } from '../kube/types.js';
import type { ApiClient } from '../client/client.js';
import type { Informer } from '../client/informer.js';
import { NAMESPACE_INDEX } from '../client/factory.js';
import { R } from '../client/resources.js';
import { computeHash, controllerRef, ownerRefTo } from './common.js';

export const REVISION_HASH_LABEL = 'controller-revision-hash';

export interface Revisions {
  /** The revision name for the current template (what pods should carry in controller-revision-hash). */
  update: string;
  /** Every revision of the owner, oldest first. */
  all: KubeObject[];
}

/** Finds or creates the ControllerRevision of owner's current template; prunes beyond the history limit. */
export async function syncRevisions(client: ApiClient, informer: Informer, owner: KubeObject & { spec: { template: PodTemplateSpec; revisionHistoryLimit?: number } }, kind: 'StatefulSet' | 'DaemonSet', inUse: Set<string>): Promise<Revisions> {
  const owned = informer.byIndex(NAMESPACE_INDEX, owner.metadata.namespace!)
    .filter((r) => controllerRef(r)?.uid === owner.metadata.uid)
    .sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
  const data = { spec: { template: { ...owner.spec.template, $patch: 'replace' } } };
  const hash = computeHash(owner.spec.template, owner.status?.collisionCount);
  const name = `${owner.metadata.name}-${hash}`;
  const maxRevision = Math.max(0, ...owned.map((r) => r.revision ?? 0));
  let current = owned.find((r) => r.metadata.name === name);
  if (!current) {
    try {
      current = await client.create(R.controllerrevisions, owner.metadata.namespace, {
        metadata: { name, namespace: owner.metadata.namespace, labels: { ...(owner.spec.template.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: hash }, ownerReferences: [ownerRefTo(owner, 'apps/v1', kind)] },
        data, revision: maxRevision + 1,
      });
      owned.push(current);
    } catch (err) {
      if (!isApiError(err, 'AlreadyExists')) throw err;
      current = await client.get(R.controllerrevisions, owner.metadata.namespace, name);
    }
  } else if ((current.revision ?? 0) < maxRevision) {
    // Rolled back to an earlier template: it becomes the newest revision again.
    current = await client.patch(R.controllerrevisions, owner.metadata.namespace, name, { revision: maxRevision + 1 });
  }
  const limit = owner.spec.revisionHistoryLimit ?? 10;
  const prunable = owned.filter((r) => r.metadata.name !== name && !inUse.has(r.metadata.name!));
  for (const r of prunable.slice(0, Math.max(0, prunable.length - limit))) {
    try { await client.delete(R.controllerrevisions, r.metadata.namespace, r.metadata.name!); } catch (err) { if (!isApiError(err, 'NotFound')) throw err; }
  }
  return { update: name, all: owned };
}

/** The hash part of a revision name, for the pod label. */
export function revisionHash(revisionName: string, ownerName: string): string {
  return revisionName.slice(ownerName.length + 1);
}
