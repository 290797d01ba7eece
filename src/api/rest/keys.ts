// Storage keys and object encoding. An object is stored as JSON without its resourceVersion; the
// resourceVersion clients see is the store's modRevision of the key.

import type { KeyValue } from '../../storage/types.js';
import type { ResourceDef } from '../resource.js';
import type { KubeObject } from '../types.js';

export function groupSegment(def: ResourceDef): string {
  return def.group === '' ? 'core' : def.group;
}

/** "/registry/core/services/" or "/registry/core/services/default/" */
export function prefixFor(def: ResourceDef, namespace?: string): string {
  const base = `/registry/${groupSegment(def)}/${def.plural}/`;
  return def.namespaced && namespace ? `${base}${namespace}/` : base;
}

export function keyFor(def: ResourceDef, namespace: string | undefined, name: string): string {
  return def.namespaced ? `${prefixFor(def)}${namespace}/${name}` : `${prefixFor(def)}${name}`;
}

export function apiVersionOf(def: ResourceDef): string {
  return def.group === '' ? def.version : `${def.group}/${def.version}`;
}

export function encodeObject(obj: KubeObject): string {
  const { resourceVersion: _rv, ...meta } = obj.metadata;
  return JSON.stringify({ ...obj, metadata: meta });
}

export function decodeObject(kv: KeyValue): KubeObject {
  const obj = JSON.parse(kv.value) as KubeObject;
  obj.metadata.resourceVersion = String(kv.modRevision);
  return obj;
}
