// Pruning, as upstream's unstructuredSchemaCoercer does it on every decoded custom resource: fields
// the structural schema does not specify are dropped (except under
// x-kubernetes-preserve-unknown-fields), ObjectMeta keeps only its own fields, and nulls the schema
// does not allow and cannot default go. The dropped paths are what fieldValidation=Strict reports.

import { pruneUnknownFields } from '../../decode/typed.js';
import { additionalPropertiesOf, itemsOf } from '../structural.js';
import type { JSONSchemaProps } from '../types.js';

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const join = (path: string, k: string) => (path ? `${path}.${k}` : k);

/**
 * Prunes `obj` (a whole custom resource; changed in place) against `schema`, the version's
 * openAPIV3Schema. Returns the paths of the fields it dropped ("spec.foo", "metadata.bar").
 */
export function pruneObject(obj: Json, schema: JSONSchemaProps | undefined): string[] {
  const pruned: string[] = [];
  pruneResource(obj, schema ?? { type: 'object' }, '', pruned);
  return pruned;
}

/** A resource root (the object, or an x-kubernetes-embedded-resource): apiVersion, kind and metadata are implicit. */
function pruneResource(obj: Json, s: JSONSchemaProps, path: string, pruned: string[]): void {
  if (isObj(obj.metadata)) {
    const { value, unknownFields } = pruneUnknownFields(obj.metadata, OBJECT_META);
    if (unknownFields.length) {
      obj.metadata = value;
      for (const f of unknownFields) pruned.push(join(join(path, 'metadata'), f));
    }
  }
  pruneValue(obj, s, path, pruned, true);
}

function pruneValue(x: unknown, s: JSONSchemaProps | undefined, path: string, pruned: string[], root = false): void {
  if (!s) return;
  if (Array.isArray(x)) {
    const items = itemsOf(s);
    x.forEach((v, i) => pruneValue(v, items, `${path}[${i}]`, pruned));
    return;
  }
  if (!isObj(x)) return;
  if (!root && s['x-kubernetes-embedded-resource']) {
    pruneResource(x, { ...s, 'x-kubernetes-embedded-resource': false }, path, pruned);
    return;
  }
  const props = s.properties;
  const additional = additionalPropertiesOf(s);
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  const embeddedOrRoot = root;
  for (const k of Object.keys(x)) {
    if (embeddedOrRoot && (k === 'apiVersion' || k === 'kind' || k === 'metadata')) {
      if (k !== 'metadata' && props?.[k]) pruneValue(x[k], props[k], join(path, k), pruned);
      continue;
    }
    const sub = props && Object.hasOwn(props, k) ? props[k] : additional;
    if (sub) {
      pruneValue(x[k], sub, join(path, k), pruned);
    } else if (!preserve && s.additionalProperties !== true) {
      delete x[k];
      pruned.push(join(path, k));
    }
  }
}

/**
 * Removes null values the schema neither allows (nullable) nor defaults, as upstream does after
 * pruning (PruneNonNullableNullsWithoutDefaults).
 */
export function pruneNulls(x: unknown, s: JSONSchemaProps | undefined): void {
  if (Array.isArray(x)) {
    const items = s ? itemsOf(s) : undefined;
    for (const v of x) pruneNulls(v, items);
    return;
  }
  if (!isObj(x)) return;
  for (const k of Object.keys(x)) {
    const sub = s ? (s.properties && Object.hasOwn(s.properties, k) ? s.properties[k] : additionalPropertiesOf(s)) : undefined;
    if (x[k] === null && sub && !sub.nullable && sub.default === undefined) delete x[k];
    else pruneNulls(x[k], sub);
  }
}
