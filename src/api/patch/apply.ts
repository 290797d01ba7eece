// Server-side apply (PATCH with application/apply-patch+yaml), after upstream's field manager:
// the applied configuration merges into the live object (or creates it) along the schema's list
// keys and atomic types; the manager's Apply entry in metadata.managedFields becomes exactly the
// fields it applied; fields it applied before and no longer applies are removed unless another
// manager owns them; changing a field another manager owns is a 409 conflict unless force=true.

import { ApiError, errors, statusFailure } from '../../kube/errors.js';
import { decodeTyped } from '../decode/typed.js';
import { directiveOf, type FieldValidation, strictWarnings } from '../decode/media.js';
import { parsePatchBody } from '../decode/patchbody.js';
import { groupVersionString, splitApiVersion, targetStruct } from '../decode/decode.js';
import { goQuote } from '../../kube/errors.js';
import type { GroupVersionKind } from '../openapi/schema.js';
import type { KubeObject, ManagedFieldsEntry } from '../../kube/types.js';
import { FieldSet, pathString } from './fieldset.js';
import {
  decodeManagers, encodeManagers, type FieldManagerOptions, managerKey, type Managers, recordUpdate, strip, withoutManagedFields,
} from './managedfields.js';
import { compare, mergeValue, removePath, toFieldSet } from './structured.js';
import { deepEqual, isObject, type JsonObject } from './values.js';

export interface ApplyOptions extends FieldManagerOptions {
  /** The kind the URL serves. */
  gvk: GroupVersionKind;
  /** ?force=true: take over conflicting fields. */
  force?: boolean;
  fieldValidation?: FieldValidation | '';
}

export interface ApplyResult {
  object: KubeObject;
  /** True when the object did not exist and the apply creates it. */
  created: boolean;
  warnings: string[];
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * upstream's printManager of a manager identifier (which carries no time): "kubectl" for an
 * applier, "kube-controller-manager" using apps/v1 for an updater.
 */
function printManager(e: ManagedFieldsEntry): string {
  let s = goQuote(e.manager ?? '');
  if (e.subresource) s += ` with subresource ${goQuote(e.subresource)}`;
  if (e.operation === 'Update') s += ` using ${e.apiVersion}`;
  return s;
}

function conflictError(conflicts: { entry: ManagedFieldsEntry; path: string }[]): ApiError {
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0].entry)}: ${conflicts[0].path}`;
  } else {
    const byManager = new Map<string, { entry: ManagedFieldsEntry; paths: string[] }>();
    for (const c of conflicts) {
      const k = managerKey(c.entry);
      if (!byManager.has(k)) byManager.set(k, { entry: c.entry, paths: [] });
      byManager.get(k)!.paths.push(c.path);
    }
    const lines = [...byManager.entries()].sort(([a], [b]) => (a < b ? -1 : 1))
      .flatMap(([, m]) => [`conflicts with ${printManager(m.entry)}:`, ...m.paths.map((p) => `- ${p}`)]);
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new ApiError(statusFailure(409, 'Conflict', message, {
    causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${printManager(c.entry)}`, field: c.path })),
  }));
}

/** JSON as Go's encoder writes a map: keys sorted, <, > and & escaped, a newline at the end. */
function goJson(v: unknown): string {
  const encode = (x: unknown): string => {
    if (Array.isArray(x)) return `[${x.map(encode).join(',')}]`;
    if (isObject(x)) return `{${Object.keys(x).sort().filter((k) => x[k] !== undefined).map((k) => `${encode(k)}:${encode(x[k])}`).join(',')}}`;
    return JSON.stringify(x).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  };
  return `${encode(v)}\n`;
}

/**
 * Applies a server-side apply body to `live` (undefined when the object does not exist yet).
 * Throws ApiError: 400 for a malformed body or one of another kind, 409 for conflicts, 500 (as
 * upstream) when the configuration does not fit the schema.
 */
export function serverSideApply(live: KubeObject | undefined, body: Buffer, opts: ApplyOptions): ApplyResult {
  const directive = directiveOf(opts.fieldValidation);
  const { patch, strictErrors } = parsePatchBody(body, 'application/apply-patch+yaml', directive);
  const config = patch as JsonObject;
  const target = targetStruct(opts.gvk);
  const { group, version } = splitApiVersion(config.apiVersion);
  if (group !== opts.gvk.group || version !== opts.gvk.version || config.kind !== opts.gvk.kind) {
    throw errors.badRequest(`invalid object type: ${group}/${version}, Kind=${config.kind ?? ''}`);
  }
  const meta = (isObject(config.metadata) ? config.metadata : {}) as JsonObject;
  if (meta.managedFields !== undefined && meta.managedFields !== null) throw errors.badRequest('metadata.managedFields must be nil');
  const typed = decodeTyped(config, target.name, 'apply');
  if (typed.error) {
    const where = `${meta.namespace ?? ''}/${meta.name ?? ''}; ${opts.gvk.group}/${opts.gvk.version}, Kind=${opts.gvk.kind}`;
    throw new ApiError(statusFailure(500, '', `failed to create typed patch object (${where}): ${typed.error}`));
  }

  const t = { ref: { kind: 'struct' as const, name: target.name } };
  const liveObj: KubeObject = live ? withoutManagedFields(live) : { apiVersion: config.apiVersion as string, kind: opts.gvk.kind, metadata: {} };
  const managers: Managers = decodeManagers(live?.metadata?.managedFields);
  // An object nobody tracked yet: what it holds belongs to "before-first-apply".
  if (live && managers.size === 0) recordUpdate(managers, undefined, liveObj, { ...opts, manager: 'before-first-apply', subresource: undefined });

  const entry: ManagedFieldsEntry = { manager: opts.manager, operation: 'Apply', apiVersion: groupVersionString(opts.gvk), time: opts.time };
  if (opts.subresource) entry.subresource = opts.subresource;
  const self = managerKey(entry);
  const lastSet = managers.get(self)?.set ?? new FieldSet();
  const applied = strip(toFieldSet(config, t), opts.ignoredFields);

  // Merge, then drop what this manager applied before, applies no more, and nobody else owns.
  const merged = mergeValue(liveObj, config, t) as KubeObject;
  const others = [...managers.entries()].filter(([k]) => k !== self).map(([, m]) => m);
  for (const path of lastSet.difference(applied).paths()) {
    if (applied.hasUnder(path) || others.some((m) => m.set.hasUnder(path))) continue;
    removePath(merged, path, t);
  }

  // Fields that change and belong to someone else conflict.
  const cmp = compare(liveObj, merged, t);
  const changed = cmp.added.union(cmp.modified);
  const conflicts = others.flatMap((m) => m.set.intersection(changed).paths().map((p) => ({ entry: m.entry, path: pathString(p) })));
  if (conflicts.length && !opts.force) throw conflictError(conflicts);
  for (const m of others) m.set = m.set.difference(changed).difference(cmp.removed);
  for (const [k, m] of managers) if (m.set.empty()) managers.delete(k);

  // An apply that changes nothing keeps the entry's time (a new entry then has none).
  const unchanged = live !== undefined && deepEqual(liveObj, merged);
  const { time: _t, ...untimed } = entry;
  managers.set(self, { entry: unchanged ? managers.get(self)?.entry ?? untimed : entry, set: applied });

  const object = unchanged ? structuredClone(liveObj) : merged;
  object.apiVersion = groupVersionString(opts.gvk);
  object.kind = opts.gvk.kind;
  // kubectl's server-side apply keeps a client-side apply annotation in step: the applied
  // configuration without that annotation.
  const annotations = object.metadata?.annotations;
  if (opts.manager === 'kubectl' && annotations?.[LAST_APPLIED] !== undefined) {
    const applied = structuredClone(config);
    const appliedMeta = applied.metadata as JsonObject | undefined;
    if (isObject(appliedMeta?.annotations)) delete appliedMeta.annotations[LAST_APPLIED];
    object.metadata.annotations = { ...annotations, [LAST_APPLIED]: goJson(applied) };
  }
  const encoded = encodeManagers(managers);
  if (encoded.length) object.metadata = { ...object.metadata, managedFields: encoded };

  if (strictErrors.length && directive === 'Strict') throw errors.badRequest(`error strict decoding YAML: ${strictErrors.join(', ')}`);
  return { object, created: live === undefined, warnings: directive === 'Warn' ? strictWarnings(strictErrors) : [] };
}
