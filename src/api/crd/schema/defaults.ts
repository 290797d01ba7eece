// Structural defaulting (upstream's defaulting.Default): a property that is missing, or null
// without being nullable, gets a copy of its schema's default; defaults apply from the outside in,
// so a defaulted object gets the defaults of its own properties too.

import { additionalPropertiesOf, itemsOf } from '../structural.js';
import type { JSONSchemaProps } from '../types.js';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const nonNullableNull = (x: unknown, s: JSONSchemaProps | undefined) => x === null && !!s && !s.nullable;

/** Applies the defaults of `s` to `x` in place. */
export function applyDefaults(x: unknown, s: JSONSchemaProps | undefined): void {
  if (!s) return;
  if (Array.isArray(x)) {
    const items = itemsOf(s);
    for (let i = 0; i < x.length; i++) {
      if (nonNullableNull(x[i], items) && items?.default !== undefined) x[i] = structuredClone(items.default);
      applyDefaults(x[i], items);
    }
    return;
  }
  if (!isObj(x)) return;
  for (const [k, prop] of Object.entries(s.properties ?? {})) {
    if (prop.default === undefined || prop.default === null) continue;
    if (!Object.hasOwn(x, k) || nonNullableNull(x[k], prop)) x[k] = structuredClone(prop.default);
  }
  const additional = additionalPropertiesOf(s);
  for (const k of Object.keys(x)) {
    const prop = s.properties && Object.hasOwn(s.properties, k) ? s.properties[k] : undefined;
    if (prop) {
      applyDefaults(x[k], prop);
    } else if (additional) {
      if (nonNullableNull(x[k], additional) && additional.default !== undefined) x[k] = structuredClone(additional.default);
      applyDefaults(x[k], additional);
    }
  }
}

/** True when any node of `s` declares a default (objects then need defaulting when read). */
export function hasDefaults(s: JSONSchemaProps | undefined): boolean {
  if (!s) return false;
  if (s.default !== undefined) return true;
  const items = itemsOf(s);
  if (items && hasDefaults(items)) return true;
  if (Object.values(s.properties ?? {}).some(hasDefaults)) return true;
  return hasDefaults(additionalPropertiesOf(s));
}
