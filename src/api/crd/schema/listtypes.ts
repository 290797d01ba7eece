// x-kubernetes-list-type set and map lists hold each value (or each key) once (upstream's
// listtype.ValidateListSetsAndMaps): a repeat is "spec.ports[1]: Duplicate value:
// map[string]interface {}{"name":"http"}". Paths follow upstream's: map values as [key].

import { duplicate, type FieldError, GoValue, invalid } from '../../../kube/errors.js';
import { goSharpV } from '../../decode/gofmt.js';
import { additionalPropertiesOf, itemsOf } from '../structural.js';
import type { JSONSchemaProps } from '../types.js';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const child = (p: string, k: string) => (p ? `${p}.${k}` : k);

const shown = (v: unknown) => (isObj(v) || Array.isArray(v) ? new GoValue(goSharpV(v)) : v);

/** Errors for repeated entries of set and map lists anywhere in `obj`. */
export function validateListTypes(obj: Json, s: JSONSchemaProps | undefined, path = ''): FieldError[] {
  if (!s) return [];
  const errs: FieldError[] = [];
  const additional = additionalPropertiesOf(s);
  for (const k of Object.keys(obj)) {
    if (s.properties && Object.hasOwn(s.properties, k)) errs.push(...walk(obj[k], s.properties[k], child(path, k)));
    else if (additional) errs.push(...walk(obj[k], additional, `${path}[${k}]`));
  }
  return errs;
}

function walk(x: unknown, s: JSONSchemaProps, path: string): FieldError[] {
  if (isObj(x)) return validateListTypes(x, s, path);
  if (!Array.isArray(x)) return [];
  const errs: FieldError[] = [];
  const type = s['x-kubernetes-list-type'];
  if (type === 'set') {
    for (const i of repeats(x)) errs.push(duplicate(`${path}[${i}]`, shown(x[i])));
  } else if (type === 'map') {
    errs.push(...listMapErrors(x, s['x-kubernetes-list-map-keys'] ?? [], path));
  }
  const items = itemsOf(s);
  if (items) x.forEach((v, i) => errs.push(...walk(v, items, `${path}[${i}]`)));
  return errs;
}

/** Indices of the second occurrence of each repeated value (later repeats are not reported again). */
function repeats(values: unknown[]): number[] {
  const seen = new Map<string, number>();
  const out: number[] = [];
  values.forEach((v, i) => {
    const k = JSON.stringify(v ?? null, (_k, x) => (isObj(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1))) : x));
    const times = seen.get(k) ?? 0;
    if (times === 1) out.push(i);
    seen.set(k, times + 1);
  });
  return out;
}

function listMapErrors(list: unknown[], keys: string[], path: string): FieldError[] {
  for (let i = 0; i < list.length; i++) {
    if (list[i] !== null && !isObj(list[i])) return [invalid(`${path}[${i}]`, shown(list[i]), 'must be an object for an array of list-type map')];
  }
  if (list.length <= 1) return [];
  const keyOf = (x: unknown): Json => {
    const out: Json = {};
    if (isObj(x)) for (const k of keys) if (Object.hasOwn(x, k)) out[k] = x[k];
    return out;
  };
  const keyed = list.map(keyOf);
  return repeats(keyed).map((i) => duplicate(`${path}[${i}]`, shown(keyed[i])));
}
