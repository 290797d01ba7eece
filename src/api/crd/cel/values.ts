// JSON values as CEL sees them under a structural schema (upstream's UnstructuredToVal):
// integers are int, numbers double, strings with format date-time timestamps and byte bytes,
// objects maps keyed by property name, int-or-string int or string; values the schema does not
// describe (x-kubernetes-preserve-unknown-fields) are typed by their JSON kind. At a resource
// root, metadata shows only name and generateName.

import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { additionalPropertiesOf, itemsOf } from '../structural.js';
import type { JSONSchemaProps } from '../types.js';
import { escapeProperty } from './escaping.js';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Converts `v` for CEL; `s` undefined means "typed by its JSON kind". */
export function toCel(v: unknown, s: JSONSchemaProps | undefined, resourceRoot = false): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') {
    const integral = s ? s.type === 'integer' || s['x-kubernetes-int-or-string'] === true || (!s.type && Number.isInteger(v)) : Number.isInteger(v);
    return integral && Number.isInteger(v) ? BigInt(v) : v;
  }
  if (typeof v === 'string') {
    if (s?.format === 'date-time' || s?.format === 'date') {
      const ms = Date.parse(v);
      if (!Number.isNaN(ms)) return timestampFromDate(new Date(ms));
    }
    if (s?.format === 'byte') return new Uint8Array(Buffer.from(v, 'base64'));
    return v;
  }
  if (typeof v === 'boolean') return v;
  if (Array.isArray(v)) {
    const items = s ? itemsOf(s) : undefined;
    return v.map((x) => toCel(x, items));
  }
  if (!isObj(v)) return null;
  const out = new Map<string, unknown>();
  const props = s?.properties;
  const additional = s ? additionalPropertiesOf(s) : undefined;
  const embedded = resourceRoot || s?.['x-kubernetes-embedded-resource'] === true;
  for (const [k, x] of Object.entries(v)) {
    if (embedded && k === 'metadata' && isObj(x)) {
      const meta = new Map<string, unknown>();
      if (typeof x.name === 'string') meta.set('name', x.name);
      if (typeof x.generateName === 'string') meta.set('generateName', x.generateName);
      out.set(k, meta);
      continue;
    }
    if (embedded && (k === 'apiVersion' || k === 'kind')) {
      out.set(k, x);
      continue;
    }
    const declared = props && Object.hasOwn(props, k);
    const sub = declared ? props[k] : additional;
    // Without a schema for it (preserve-unknown-fields), a field is typed by its JSON kind.
    if (!sub && s && props && !s['x-kubernetes-preserve-unknown-fields']) continue;
    // Object properties go by their CEL names (namespace is __namespace__); map keys stay as they are.
    const name = declared || !additional ? escapeProperty(k) : k;
    if (name !== undefined) out.set(name, toCel(x, sub));
  }
  return out;
}
