// metadata.managedFields: who owns which fields, as upstream's field manager records it. Every
// write updates it: an Update entry per (manager, apiVersion, subresource) gains the fields the
// write changed and other managers lose them; server-side apply (apply.ts) records Apply entries.

import { splitApiVersion } from '../decode/decode.js';
import { structForKind } from '../openapi/schema.js';
import type { KubeObject, ManagedFieldsEntry } from '../../kube/types.js';
import { FieldSet, type Path } from './fieldset.js';
import { compare, type NodeType } from './structured.js';

export interface FieldManagerOptions {
  /** The field manager (?fieldManager=, or derived from the user agent). */
  manager: string;
  /** RFC 3339 time for the entries this write touches. */
  time: string;
  /** Set when the write went to a subresource ("status", "scale"). */
  subresource?: string;
  /** Top-level fields this endpoint does not manage (upstream's reset fields): ["status"] for the main resource, ["spec"] for /status. */
  ignoredFields?: string[];
}

/** One manager's fields, keyed like upstream's manager identifier (manager, operation, apiVersion for updates, subresource). */
export interface ManagerFields {
  entry: ManagedFieldsEntry;
  set: FieldSet;
}
export type Managers = Map<string, ManagerFields>;

// Paths upstream's stripMeta removes from every set.
const STRIPPED: Path[] = [['f:apiVersion'], ['f:kind'], ['f:metadata'],
  ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion']
    .map((f) => ['f:metadata', `f:${f}`])];

export function managerKey(e: ManagedFieldsEntry): string {
  return JSON.stringify([e.manager ?? '', e.operation ?? '', e.operation === 'Apply' ? '' : e.apiVersion ?? '', e.subresource ?? '']);
}

/** The object's type, for walking it. */
export function objectType(obj: KubeObject): NodeType {
  const { group, version } = splitApiVersion(obj.apiVersion);
  const def = structForKind(group, version, obj.kind ?? '');
  return { ref: def ? { kind: 'struct', name: def.name } : undefined };
}

/** Removes what no manager may own: metadata bookkeeping and the endpoint's ignored fields. */
export function strip(set: FieldSet, ignoredFields: string[] = []): FieldSet {
  return FieldSet.of(set.paths().filter((p) => !STRIPPED.some((s) => s.length === p.length && s.every((pe, i) => pe === p[i]))
    && !ignoredFields.includes(p[0]?.slice(2))));
}

export function decodeManagers(entries: ManagedFieldsEntry[] | undefined): Managers {
  const out: Managers = new Map();
  for (const e of entries ?? []) {
    if (!e || !e.manager && !e.operation) continue;
    out.set(managerKey(e), { entry: e, set: FieldSet.fromFieldsV1(e.fieldsV1) });
  }
  return out;
}

/** managedFields in upstream's order: Apply before Update, then by time, manager, apiVersion, subresource. */
export function encodeManagers(managers: Managers): ManagedFieldsEntry[] {
  const seconds = (t?: string) => (t ? Math.floor(Date.parse(t) / 1000) : 0);
  const cmp = (a?: string, b?: string) => ((a ?? '') < (b ?? '') ? -1 : (a ?? '') > (b ?? '') ? 1 : 0);
  return [...managers.values()].filter((m) => !m.set.empty())
    .map(({ entry, set }) => {
      const e: ManagedFieldsEntry = { manager: entry.manager, operation: entry.operation, apiVersion: entry.apiVersion };
      if (entry.time) e.time = entry.time;
      e.fieldsType = 'FieldsV1';
      e.fieldsV1 = set.toFieldsV1();
      if (entry.subresource) e.subresource = entry.subresource;
      return e;
    })
    .sort((p, q) => cmp(p.operation, q.operation) || seconds(p.time) - seconds(q.time) || cmp(p.manager, q.manager)
      || cmp(p.apiVersion, q.apiVersion) || cmp(p.subresource, q.subresource));
}

/** A copy of obj without managedFields (for comparisons and for building sets). */
export function withoutManagedFields<T extends KubeObject>(obj: T): T {
  const { managedFields: _m, ...metadata } = obj.metadata ?? {};
  return { ...obj, metadata };
}

/**
 * Records an Update by `manager` from `live` to `next` in `managers` (mutated): the changed
 * fields move to the manager, other managers lose them and what was removed.
 */
export function recordUpdate(managers: Managers, live: KubeObject | undefined, next: KubeObject, opts: FieldManagerOptions): void {
  const t = objectType(next);
  const cmp = compare(live ? withoutManagedFields(live) : undefined, withoutManagedFields(next), t);
  const changed = strip(cmp.added.union(cmp.modified), opts.ignoredFields);
  for (const [key, m] of managers) {
    m.set = m.set.difference(changed).difference(cmp.removed);
    if (m.set.empty()) managers.delete(key);
  }
  if (changed.empty()) return;
  const entry: ManagedFieldsEntry = { manager: opts.manager, operation: 'Update', apiVersion: next.apiVersion, time: opts.time };
  if (opts.subresource) entry.subresource = opts.subresource;
  const key = managerKey(entry);
  managers.set(key, { entry, set: (managers.get(key)?.set ?? new FieldSet()).union(changed) });
}

const isReset = (entries: ManagedFieldsEntry[] | undefined) =>
  entries?.length === 1 && Object.keys(entries[0] ?? {}).length === 0;

/**
 * metadata.managedFields after a create, update or non-apply patch from `live` (undefined on
 * create) to `next`, as upstream's field manager computes them. Returns a copy of `next`.
 * Managed fields are tracked from creation; an existing object that has none stays untracked
 * until it is applied to. A client may set managedFields itself; `[{}]` clears them.
 */
export function updateManagedFields(live: KubeObject | undefined, next: KubeObject, opts: FieldManagerOptions): KubeObject {
  const requested = next.metadata?.managedFields;
  let managers: Managers;
  if (opts.subresource || !requested?.length) managers = decodeManagers(live?.metadata?.managedFields);
  else managers = isReset(requested) ? new Map() : decodeManagers(requested);
  const out = withoutManagedFields(next);
  const created = !live?.metadata?.uid;
  if (managers.size === 0 && !created) return out;
  recordUpdate(managers, live, out, opts);
  const encoded = encodeManagers(managers);
  if (encoded.length) out.metadata = { ...out.metadata, managedFields: encoded };
  return out;
}
