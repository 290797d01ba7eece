// Storage keys and object encoding. An object is stored as JSON without its resourceVersion; the
// resourceVersion clients see is the store's modRevision of the key.

import type { KeyValue } from '../../storage/types.js';
import type { ResourceDef } from '../resource.js';
import type { KubeObject } from '../../kube/types.js';

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

/** apiVersion, kind and metadata lead, so that encodedWithResourceVersion finds metadata by its place. */
export function encodeObject(obj: KubeObject): string {
  const { resourceVersion: _rv, ...meta } = obj.metadata;
  const { apiVersion, kind, metadata: _m, ...rest } = obj;
  return JSON.stringify({ apiVersion, kind, metadata: meta, ...rest });
}

const LEADING_MEMBERS = /^\{"apiVersion":"((?:[^"\\]|\\.)*)","kind":"((?:[^"\\]|\\.)*)","metadata":\{/;

/**
 * The stored object as JSON with its resourceVersion back in metadata and the apiVersion and
 * kind it is served as: the same object JSON.stringify(decodeObject(kv)) gives (metadata's members
 * in another order), without parsing it, as a list of thousands of objects wants. An object
 * stored otherwise (written by an earlier knit, or as another version) takes the long way.
 */
export function encodedWithResourceVersion(kv: KeyValue, apiVersion: string, kind: string): string {
  const m = LEADING_MEMBERS.exec(kv.value);
  if (!m || m[1] !== apiVersion || m[2] !== kind) return JSON.stringify({ ...decodeObject(kv), apiVersion, kind });
  const at = m[0].length;
  const rv = `"resourceVersion":"${kv.modRevision}"`;
  return `${kv.value.slice(0, at)}${rv}${kv.value[at] === '}' ? '' : ','}${kv.value.slice(at)}`;
}

export function decodeObject(kv: KeyValue): KubeObject {
  const obj = JSON.parse(kv.value) as KubeObject;
  obj.metadata.resourceVersion = String(kv.modRevision);
  return obj;
}
