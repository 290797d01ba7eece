// PartialObjectMetadata: what clients asking for `as=PartialObjectMetadata` get (metadata only).

import type { KubeObject } from '../../kube/types.js';

export function partialMetadata(obj: KubeObject): KubeObject {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

export function partialMetadataList(items: KubeObject[], metadata: Record<string, unknown>): Record<string, unknown> {
  return { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata, items: items.map(partialMetadata) };
}
