// Strategic merge patch as upstream's API server applies it (apimachinery's strategicpatch,
// mergeMap and friends, with MergeParallelList and IgnoreUnmatchedNulls): maps merge key by key,
// lists merge by their patchMergeKey when their patchStrategy is "merge" and are replaced
// otherwise; the directives $patch (replace/delete/merge), $retainKeys, $deleteFromPrimitiveList/
// and $setElementOrder/ work as upstream documents; null deletes a key. The merge order of list
// items follows upstream: $setElementOrder, then the patch's order, then the live object's.
// Like upstream, this mutates both arguments.

import { type TypeRef, structDef } from '../openapi/schema.js';
import { goSprintV, goTypeOf } from '../decode/gofmt.js';
import { isObject, type JsonObject } from './values.js';

/** A strategic merge patch failure, with the HTTP status upstream answers it with. */
export class StrategicPatchError extends Error {
  /** 400 BadRequest, 422 (upstream's generic "rejected our request"), 500 (reason unknown). */
  constructor(message: string, readonly code: 400 | 422 | 500) {
    super(message);
    this.name = 'StrategicPatchError';
  }
}

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';
const SET_ELEMENT_ORDER = '$setElementOrder';

const badJsonFormat = (what: string) => new StrategicPatchError(`invalid patch format of ${what}`, 400);
const internal = (message: string) => new StrategicPatchError(message, 500);
/** mergepatch.ErrBadArgType: "expected a []interface {}, but received a string" (Go prints a nil type as %!s(<nil>)). */
const badArgType = (expected: string, actual: unknown) =>
  internal(`expected a ${expected}, but received a ${actual === undefined || actual === null ? '%!s(<nil>)' : goTypeOf(actual)}`);
const noMergeKey = (m: JsonObject, key: string) => internal(`map: ${goSprintV(m)} does not contain declared merge key: ${key}`);

interface PatchMeta {
  /** The schema of the value (for a list: of its items). */
  schema: TypeRef | undefined;
  /** "merge", "replace" or "" (retainKeys only works through the $retainKeys directive). */
  strategy: string;
  mergeKey: string;
}

/** What the schema says about member `key` of a value typed `node`. */
function lookup(node: TypeRef | undefined, key: string, slice: boolean): PatchMeta {
  if (node?.kind === 'map') return { schema: node.values, strategy: '', mergeKey: '' };
  const field = node?.kind === 'struct' ? structDef(node.name)?.fields.get(key) : undefined;
  if (!field) return { schema: undefined, strategy: '', mergeKey: '' };
  const strategy = (field.patchStrategy ?? '').split(',').find((s) => s !== 'retainKeys') ?? '';
  const schema = slice && field.type.kind === 'list' ? field.type.items : field.type;
  return { schema, strategy, mergeKey: field.patchMergeKey ?? '' };
}

/** Go's reflect type of a list element, as strategicpatch compares them. */
function elementType(...lists: (unknown[] | undefined)[]): string {
  let prev: string | undefined;
  for (const list of lists) {
    for (const v of list ?? []) {
      const t = goTypeOf(v);
      if (prev === undefined) {
        if (Array.isArray(v)) throw new StrategicPatchError('lists of lists are not supported', 422);
        prev = t;
      } else if (prev !== t) {
        throw internal(`list element types are not identical: ${goSprintV(lists.map((l) => l ?? []))}`);
      }
    }
  }
  if (prev === undefined) throw internal('no elements in any of the given slices');
  return prev;
}

const isMapType = (t: string) => t === 'map[string]interface {}';

/** Removes $patch maps (directives) from a value that is taken as is. */
function removeDirectives(v: unknown): { value: unknown; keep: boolean } {
  if (isObject(v)) {
    if (DIRECTIVE in v) return { value: undefined, keep: false };
    for (const [k, x] of Object.entries(v)) {
      const r = removeDirectives(x);
      if (r.keep) v[k] = r.value;
      else delete v[k];
    }
    return { value: v, keep: true };
  }
  if (Array.isArray(v)) return { value: v.map(removeDirectives).filter((r) => r.keep).map((r) => r.value), keep: true };
  return { value: v, keep: true };
}

function discardNulls(v: unknown): void {
  if (isObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (x === null) delete v[k];
      else discardNulls(x);
    }
  } else if (Array.isArray(v)) {
    v.forEach(discardNulls);
  }
}

/** Sets original[k] to a patch value taken as is (nulls dropped, directives removed). */
function takePatchValue(original: JsonObject, k: string, patchV: unknown): void {
  discardNulls(patchV);
  const r = removeDirectives(patchV);
  if (r.keep) original[k] = r.value;
  else delete original[k];
}

function splitDirectiveKey(key: string, prefix: string, error: StrategicPatchError): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) throw error;
  return key.slice(slash + 1);
}

// ---- lists ----

const keyOf = (item: unknown, mergeKey: string, kind: string) => (isMapType(kind) ? (isObject(item) ? item[mergeKey] : undefined) : item);

function indexIn(list: unknown[], v: unknown, mergeKey: string, kind: string): number {
  const want = keyOf(v, mergeKey, kind);
  return list.findIndex((x) => keyOf(x, mergeKey, kind) === want);
}

function findByKey(list: unknown[], key: string, value: unknown): number {
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (!isObject(item)) throw internal(`value for key ${i} is not a map`);
    if (Object.hasOwn(item, key) && item[key] === value) return i;
  }
  return -1;
}

function validateMergeKeys(mergeKey: string, ...lists: unknown[][]): void {
  for (const list of lists) {
    for (const item of list) {
      if (!isObject(item)) throw badArgType('map[string]interface {}', item);
      if (!Object.hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
    }
  }
}

/** Stable sort of `items` by their position in `order` (items not in `order` keep their place). */
function sortByOrder(items: unknown[], order: unknown[], mergeKey: string, kind: string): unknown[] {
  let toDelete: unknown[] = [];
  if (isMapType(kind)) {
    validateMergeKeys(mergeKey, items, order);
    toDelete = items.filter((v) => (v as JsonObject)[DIRECTIVE] === 'delete');
    items = items.filter((v) => (v as JsonObject)[DIRECTIVE] !== 'delete');
  }
  const sorted = items.map((v, i) => ({ v, i, at: indexIn(order, v, mergeKey, kind) }))
    .sort((a, b) => (a.at >= 0 && b.at >= 0 ? a.at - b.at : a.i - b.i)).map((e) => e.v);
  return [...sorted, ...toDelete];
}

/** Interleaves server-only items into the patch items, keeping each side's order (upstream's mergeSortedSlice). */
function mergeSorted(left: unknown[], right: unknown[], serverOrder: unknown[], mergeKey: string, kind: string): unknown[] {
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey, kind);
      const ri = indexIn(serverOrder, right[j], mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

function normalizeOrder(patchItems: unknown[], serverOnly: unknown[], patchOrder: unknown[], serverOrder: unknown[], mergeKey: string, kind: string): unknown[] {
  return mergeSorted(sortByOrder(serverOnly, serverOrder, mergeKey, kind), sortByOrder(patchItems, patchOrder, mergeKey, kind), serverOrder, mergeKey, kind);
}

/** Splits `merged` into the items present in `by` and the others. */
function partition(merged: unknown[], by: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const inPatch: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const v of merged) {
    let found: boolean;
    if (!mergeKey) found = by.includes(v);
    else {
      if (!isObject(v)) throw badArgType('map[string]interface {}', v);
      if (!Object.hasOwn(v, mergeKey)) throw noMergeKey(v, mergeKey);
      found = findByKey(by, mergeKey, v[mergeKey]) >= 0;
    }
    (found ? inPatch : serverOnly).push(v);
  }
  return [inPatch, serverOnly];
}

/** Go's in-place scalar dedup (it moves the last element into a duplicate's slot). */
function dedupScalars(s: unknown[]): unknown[] {
  let length = s.length - 1;
  for (let i = 0; i < length; i++) {
    for (let j = i + 1; j <= length; j++) {
      if (s[i] === s[j]) {
        s[j] = s[length];
        s.length = length;
        length--;
        j--;
      }
    }
  }
  return s;
}

function mergeSlice(original: unknown[], patch: unknown[], schema: TypeRef | undefined, mergeKey: string, isDeleteList: boolean): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = elementType(original, patch);
  let merged: unknown[];
  if (!isMapType(kind)) {
    if (isDeleteList) return original.filter((v) => !patch.includes(v));
    merged = dedupScalars([...original, ...patch]);
  } else {
    if (!mergeKey) throw internal('cannot merge lists without merge key for struct');
    // Special elements first: {$patch: delete, key: v} drops items, {$patch: replace} replaces the list.
    const plain: unknown[] = [];
    let replace = false;
    for (const v of patch as JsonObject[]) {
      if (!(DIRECTIVE in v)) {
        plain.push(v);
        continue;
      }
      const directive = v[DIRECTIVE];
      if (directive === 'delete') {
        if (!Object.hasOwn(v, mergeKey)) throw noMergeKey(v, mergeKey);
        for (let at; (at = findByKey(original, mergeKey, v[mergeKey])) >= 0;) original.splice(at, 1);
      } else if (directive === 'replace') {
        replace = true;
      } else if (directive === 'merge') {
        throw internal('merging lists cannot yet be specified in the patch');
      } else {
        throw internal(`unknown patch type: ${goSprintV(directive)} in map: ${goSprintV(v)}`);
      }
    }
    if (replace) {
      original = plain;
      patch = [];
    } else {
      patch = plain;
    }
    // New items go to a copy: the live order below must not see them (as in upstream).
    merged = [...original];
    for (const v of patch as JsonObject[]) {
      if (!Object.hasOwn(v, mergeKey)) throw noMergeKey(v, mergeKey);
      const at = findByKey(merged, mergeKey, v[mergeKey]);
      if (at >= 0) merged[at] = mergeMap(merged[at] as JsonObject, v, schema);
      else merged.push(v);
    }
  }
  const [patchItems, serverOnly] = partition(merged, patch, mergeKey);
  return normalizeOrder(patchItems, serverOnly, patch, original, mergeKey, kind);
}

function mergeSliceHandler(original: unknown, patch: unknown, meta: PatchMeta, isDeleteList: boolean): unknown[] {
  if (!Array.isArray(original)) throw badArgType('[]interface {}', original);
  if (!Array.isArray(patch)) throw badArgType('[]interface {}', patch);
  if (meta.strategy === 'merge' || isDeleteList) return mergeSlice(original, patch, meta.schema, meta.mergeKey, isDeleteList);
  return patch;
}

// ---- maps ----

function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  if (!(RETAIN_KEYS in patch)) return;
  const list = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(list)) throw badJsonFormat('retainKeys');
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!list.includes(k)) throw badJsonFormat('retainKeys');
  }
  for (const k of Object.keys(original)) if (!list.includes(k)) delete original[k];
}

/** Merges each list that has a $setElementOrder/ directive, in the directive's order. */
function mergeOrderedLists(original: JsonObject, patch: JsonObject, schema: TypeRef | undefined): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const order = patch[key];
    delete patch[key];
    if (!Array.isArray(order)) throw badArgType('[]interface {}', order);
    const listKey = splitDirectiveKey(key, SET_ELEMENT_ORDER, badJsonFormat('setElementOrder list'));
    const foundOriginal = Object.hasOwn(original, listKey);
    const foundPatch = Object.hasOwn(patch, listKey);
    const originalList = original[listKey];
    const patchList = patch[listKey];
    if (foundOriginal && !Array.isArray(originalList)) throw badArgType('[]interface {}', originalList);
    if (foundPatch && !Array.isArray(patchList)) throw badArgType('[]interface {}', patchList);
    const meta = lookup(schema, listKey, true);
    validateOrderList((patchList ?? []) as unknown[], order, meta.mergeKey);
    let merged: unknown[];
    if (foundOriginal && !foundPatch) merged = originalList as unknown[];
    else if (!foundOriginal && foundPatch) merged = removeDirectives(patchList).value as unknown[];
    else if (foundOriginal && foundPatch) merged = mergeSliceHandler(originalList, patchList, meta, false);
    else continue;
    const [inOrder, serverOnly] = partition(merged, order, meta.mergeKey);
    const kind = elementType(originalList as unknown[] | undefined, patchList as unknown[] | undefined);
    original[listKey] = normalizeOrder(inOrder, serverOnly, order, (originalList ?? []) as unknown[], meta.mergeKey, kind);
    delete patch[listKey];
  }
}

/** The patch list's items must appear in the $setElementOrder list, in the same order. */
function validateOrderList(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (!order.length || !patchList.length) return;
  const items = mergeKey ? patchList.filter((v) => !(isObject(v) && v[DIRECTIVE] === 'delete')) : patchList;
  let p = 0;
  let o = 0;
  while (p < items.length && o < order.length) {
    const item = items[p];
    if (isObject(item) && DIRECTIVE in item) {
      p++;
      continue;
    }
    let equal: boolean;
    if (!mergeKey) equal = item === order[o];
    else {
      const left = item;
      const right = order[o];
      if (!isObject(left)) throw badArgType('map[string]interface {}', left);
      if (!isObject(right)) throw badArgType('map[string]interface {}', right);
      if (!Object.hasOwn(left, mergeKey)) throw noMergeKey(left, mergeKey);
      if (!Object.hasOwn(right, mergeKey)) throw noMergeKey(right, mergeKey);
      equal = left[mergeKey] === right[mergeKey];
    }
    if (equal) p++;
    o++;
  }
  if (p < items.length && o >= order.length) {
    throw internal(`The order in patch list:\n${goSprintV(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${goSprintV(order)}\n`);
  }
}

function mergeMap(original: JsonObject | undefined, patch: JsonObject, schema: TypeRef | undefined): JsonObject {
  if (DIRECTIVE in patch) {
    const directive = patch[DIRECTIVE];
    if (directive === 'replace') {
      delete patch[DIRECTIVE];
      return patch;
    }
    if (directive === 'delete') return {};
    throw internal(`unknown patch type: ${goSprintV(directive)} in map: ${goSprintV(patch)}`);
  }
  original ??= {};
  applyRetainKeys(original, patch);
  mergeOrderedLists(original, patch, schema);
  for (const [key, patchV] of Object.entries(patch)) {
    let k = key;
    let isDeleteList = false;
    if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      k = splitDirectiveKey(key, DELETE_FROM_PRIMITIVE_LIST, badJsonFormat('primitive list'));
      isDeleteList = true;
    }
    if (patchV === null) {
      delete original[k];
      continue;
    }
    if (!Object.hasOwn(original, k)) {
      if (!isDeleteList) takePatchValue(original, k, patchV);
      continue;
    }
    const current = original[k];
    if (goTypeOf(current) !== goTypeOf(patchV)) {
      if (!isDeleteList) takePatchValue(original, k, patchV);
      continue;
    }
    if (isObject(current)) {
      const meta = lookup(schema, k, false);
      original[k] = meta.strategy === 'replace' ? patchV : mergeMap(current, patchV as JsonObject, meta.schema);
    } else if (Array.isArray(current)) {
      original[k] = mergeSliceHandler(current, patchV, lookup(schema, k, true), isDeleteList);
    } else {
      const r = removeDirectives(patchV);
      if (r.keep) original[k] = r.value;
      else delete original[k];
    }
  }
  return original;
}

/**
 * Applies a strategic merge patch to `original` (both plain JSON objects; both are mutated, as
 * upstream does) using the patch metadata of schema type `structName`. Throws StrategicPatchError.
 */
export function strategicMergePatch(original: JsonObject, patch: JsonObject | null, structName: string): JsonObject {
  if (patch === null) return original;
  return mergeMap(original, patch, { kind: 'struct', name: structName });
}
