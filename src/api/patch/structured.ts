// Walks over objects guided by the schema's server-side apply facts (structured-merge-diff's
// typed values): which nodes are atomic, which lists are keyed maps or sets. It builds field sets,
// compares two objects, merges an applied configuration into a live object and removes fields.

import { listItemKey } from '../decode/typed.js';
import { type FieldDef, type StructDef, type TypeRef, structDef } from '../openapi/schema.js';
import { FieldSet, type Path } from './fieldset.js';
import { deepEqual, isObject, type JsonObject, setOwn } from './values.js';

type Shape =
  | { kind: 'leaf' }
  | { kind: 'struct'; def: StructDef }
  | { kind: 'map'; values: TypeRef }
  | { kind: 'list'; items: TypeRef; field: FieldDef };

/** A node's type: the type reference and the field that holds it (whose facts refine it). */
export interface NodeType {
  ref?: TypeRef;
  field?: FieldDef;
}

function shapeOf(t: NodeType): Shape {
  const { ref, field } = t;
  if (!ref || ref.kind === 'scalar') return { kind: 'leaf' };
  if (ref.kind === 'struct') {
    const def = structDef(ref.name)!;
    return def.atomic || field?.mapType === 'atomic' ? { kind: 'leaf' } : { kind: 'struct', def };
  }
  if (ref.kind === 'map') return field?.mapType === 'atomic' ? { kind: 'leaf' } : { kind: 'map', values: ref.values };
  return field && (field.listType === 'map' || field.listType === 'set') ? { kind: 'list', items: ref.items, field } : { kind: 'leaf' };
}

function childType(shape: Shape, key: string): NodeType {
  if (shape.kind === 'struct') {
    const field = shape.def.fields.get(key);
    return { ref: field?.type, field };
  }
  if (shape.kind === 'map') return { ref: shape.values };
  return {};
}

/** The path element of a list item: k:{"name":"x"} for keyed lists, v:"x" for sets. */
function itemPE(shape: Shape & { kind: 'list' }, item: unknown): string {
  if (shape.field.listType === 'set') return `v:${JSON.stringify(item)}`;
  const itemDef = shape.items.kind === 'struct' ? structDef(shape.items.name) : undefined;
  return `k:${JSON.stringify(listItemKey(isObject(item) ? item : {}, shape.field.listMapKeys ?? [], itemDef))}`;
}

/** A list's items by path element (first occurrence wins), in list order. */
function indexItems(shape: Shape & { kind: 'list' }, list: unknown): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (Array.isArray(list)) for (const item of list) {
    const pe = itemPE(shape, item);
    if (!out.has(pe)) out.set(pe, item);
  }
  return out;
}

const itemType = (shape: Shape & { kind: 'list' }): NodeType => ({ ref: shape.items });

// ---- field sets ----

/** The fields a value sets (structured-merge-diff's ToFieldSet). */
export function toFieldSet(value: unknown, t: NodeType): FieldSet {
  const set = new FieldSet();
  const visit = (v: unknown, nt: NodeType, path: Path) => {
    const shape = shapeOf(nt);
    if (shape.kind === 'leaf' || (shape.kind !== 'list' && !isObject(v)) || (shape.kind === 'list' && !Array.isArray(v))) {
      if (path.length) set.insert(path);
      return;
    }
    if (shape.kind === 'list') {
      for (const [pe, item] of indexItems(shape, v)) {
        visit(item, itemType(shape), [...path, pe]);
        set.insert([...path, pe]);
      }
      return;
    }
    for (const [k, x] of Object.entries(v as JsonObject)) {
      const child = [...path, `f:${k}`];
      visit(x, childType(shape, k), child);
      // Empty or null values, and map entries, are members themselves.
      if (x === null || (isObject(x) && !Object.keys(x).length) || shape.kind === 'map') set.insert(child);
    }
  };
  visit(value, t, []);
  return set;
}

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/**
 * What changed from `lhs` to `rhs`. Leaves are compared by value; a container that appears or
 * disappears is itself added or removed, except where upstream's Go objects always hold it (so
 * that its comparison sees it on both sides): struct-valued fields and required fields.
 */
export function compare(lhs: unknown, rhs: unknown, t: NodeType): Comparison {
  const cmp: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  const empty = (v: unknown) => v === undefined || v === null || (Array.isArray(v) ? !v.length : isObject(v) && !Object.keys(v).length);
  const visit = (l: unknown, r: unknown, nt: NodeType, path: Path, alwaysThere: boolean) => {
    const shape = shapeOf(nt);
    const containers = shape.kind === 'list' ? [l, r].every((v) => v === undefined || Array.isArray(v)) : [l, r].every((v) => v === undefined || isObject(v));
    if (shape.kind === 'leaf' || !containers || (empty(l) && empty(r))) {
      if (!path.length) return;
      if (l === undefined) cmp.added.insert(path);
      else if (r === undefined) cmp.removed.insert(path);
      else if (!deepEqual(l, r)) cmp.modified.insert(path);
      return;
    }
    if (shape.kind === 'list') {
      const li = indexItems(shape, l);
      const ri = indexItems(shape, r);
      for (const pe of new Set([...li.keys(), ...ri.keys()])) visit(li.get(pe), ri.get(pe), itemType(shape), [...path, pe], false);
    } else {
      const lo = (l ?? {}) as JsonObject;
      const ro = (r ?? {}) as JsonObject;
      for (const k of new Set([...Object.keys(lo), ...Object.keys(ro)])) {
        const lv = Object.hasOwn(lo, k) ? lo[k] : undefined;
        const rv = Object.hasOwn(ro, k) ? ro[k] : undefined;
        const child = childType(shape, k);
        const always = shape.kind === 'struct' && (child.ref?.kind === 'struct' || shape.def.required.includes(k));
        visit(lv, rv, child, [...path, `f:${k}`], always);
      }
    }
    if (!path.length || alwaysThere) return;
    if (l === undefined) cmp.added.insert(path);
    else if (r === undefined) cmp.removed.insert(path);
  };
  visit(lhs, rhs, t, [], false);
  return cmp;
}

// ---- merging an applied configuration ----

/** Merges list items in structured-merge-diff's order: live order, applied items placed by their shared neighbours. */
function mergeLists(shape: Shape & { kind: 'list' }, live: unknown, config: unknown[]): unknown[] {
  const lhs = indexItems(shape, live);
  const rhs = indexItems(shape, config);
  const lPEs = [...lhs.keys()];
  const rPEs = [...rhs.keys()];
  const shared = rPEs.filter((pe) => lhs.has(pe));
  let nextShared = shared.shift();
  const merged = new Set<string>();
  const out: unknown[] = [];
  const push = (pe: string) => {
    const m = mergeValue(lhs.get(pe), rhs.has(pe) ? rhs.get(pe) : undefined, itemType(shape));
    if (m !== undefined) out.push(m);
  };
  for (let l = 0, r = 0; l < lPEs.length || r < rPEs.length;) {
    if (l < lPEs.length && r < rPEs.length) {
      if (lPEs[l] === rPEs[r]) {
        merged.add(lPEs[l]);
        push(lPEs[l]);
        l++;
        r++;
        nextShared = shared.shift();
        continue;
      }
      if (rhs.has(lPEs[l]) && nextShared !== undefined && nextShared !== lPEs[l]) {
        l++;
        continue;
      }
    }
    if (l < lPEs.length) {
      if (!rhs.has(lPEs[l])) {
        push(lPEs[l]);
        l++;
        continue;
      } else if (merged.has(lPEs[l])) {
        l++;
      }
    }
    if (r < rPEs.length) {
      const pe = rPEs[r];
      merged.add(pe);
      push(pe);
      r++;
      if (nextShared === pe) nextShared = shared.shift();
    }
  }
  return out;
}

/** The applied configuration `config` merged over `live`; undefined when the result has no value. */
export function mergeValue(live: unknown, config: unknown, t: NodeType): unknown {
  if (config === undefined) return live;
  if (config === null) return undefined;
  const shape = shapeOf(t);
  if (shape.kind === 'list' && Array.isArray(config)) return mergeLists(shape, live, config);
  if ((shape.kind === 'struct' || shape.kind === 'map') && isObject(config)) {
    const out: JsonObject = isObject(live) ? { ...live } : {};
    for (const [k, v] of Object.entries(config)) {
      const m = mergeValue(Object.hasOwn(out, k) ? out[k] : undefined, v, childType(shape, k));
      if (m === undefined) delete out[k];
      else setOwn(out, k, m);
    }
    return out;
  }
  return structuredClone(config);
}

// ---- removing fields ----

/** Removes the node at `path` from `value` (in place); empty containers left behind go too. */
export function removePath(value: unknown, path: Path, t: NodeType): void {
  const [pe, ...rest] = path;
  const shape = shapeOf(t);
  if (shape.kind === 'list' && Array.isArray(value)) {
    const at = value.findIndex((item) => itemPE(shape, item) === pe);
    if (at < 0) return;
    if (!rest.length) value.splice(at, 1);
    else removePath(value[at], rest, itemType(shape));
    return;
  }
  if (!isObject(value) || !pe.startsWith('f:')) return;
  const key = pe.slice(2);
  if (!Object.hasOwn(value, key)) return;
  if (!rest.length) {
    delete value[key];
    return;
  }
  const child = value[key];
  removePath(child, rest, childType(shape, key));
  if ((Array.isArray(child) && !child.length) || (isObject(child) && !Object.keys(child).length)) delete value[key];
}
