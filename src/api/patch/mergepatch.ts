// JSON merge patch (RFC 7386) as the API server applies it (evanphx/json-patch v4's MergePatch),
// and the inverse: the merge patch that turns one document into another.

import { deepEqual, isObject, setOwn } from './values.js';

/** Drops null members of objects, at any depth (null array items stay). */
function pruneNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => (x === null ? x : pruneNulls(x)));
  if (!isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== null) setOwn(out, k, pruneNulls(x));
  return out;
}

function mergeDocs(doc: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) {
      delete doc[k];
    } else if (!Object.hasOwn(doc, k) || doc[k] === null) {
      setOwn(doc, k, pruneNulls(v));
    } else if (isObject(doc[k]) && isObject(v)) {
      mergeDocs(doc[k] as Record<string, unknown>, v);
    } else {
      // A non-object current value is replaced (nulls pruned); a non-object patch value replaces as is.
      setOwn(doc, k, isObject(doc[k]) ? structuredClone(v) : pruneNulls(v));
    }
  }
  return doc;
}

/** Applies a merge patch to a copy of `doc`. A non-object patch replaces the document. */
export function applyMergePatch(doc: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return Array.isArray(patch) ? pruneNulls(patch) : structuredClone(patch);
  if (!isObject(doc)) return pruneNulls(patch);
  return mergeDocs(structuredClone(doc), patch);
}

/**
 * The merge patch that turns `from` into `to` (both objects): removed members become null,
 * changed objects recurse, anything else is replaced whole. Values that are null in `to`
 * cannot be expressed by a merge patch.
 */
export function createMergePatch(from: Record<string, unknown>, to: Record<string, unknown>): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const k of Object.keys(from)) if (!Object.hasOwn(to, k)) setOwn(patch, k, null);
  for (const [k, v] of Object.entries(to)) {
    const old = Object.hasOwn(from, k) ? from[k] : undefined;
    if (isObject(old) && isObject(v)) {
      const sub = createMergePatch(old, v);
      if (Object.keys(sub).length) setOwn(patch, k, sub);
    } else if (old === undefined || !deepEqual(old, v)) {
      setOwn(patch, k, structuredClone(v));
    }
  }
  return patch;
}
