// The options each verb reads from its query, as upstream's handlers decode them
// (ParameterCodec.DecodeParameters into ListOptions, CreateOptions, UpdateOptions, PatchOptions,
// DeleteOptions, TableOptions) and validate them (k8s.io/apimachinery's meta/v1 and internalversion
// validation): a value the conversion refuses is 400 with its text, a decoded value the validation
// refuses is 422 `<Kind>.meta.k8s.io "" is invalid: ...`.

import { errors, forbidden, goQuote, invalid, notSupported, required, tooLong, type FieldError } from '../../kube/errors.js';
import { parseGoInt64, QueryParamError, queryBool, queryInt64, queryOptionalBool } from '../../kube/query.js';
import type { FieldValidation } from './codecs.js';

/** Runs a conversion; its refusal is a 400 with the conversion's words. */
export function converted<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof QueryParamError) throw errors.badRequest(err.message);
    throw err;
  }
}

function refuse(kind: string, errs: FieldError[]): void {
  if (errs.length) throw errors.invalid('meta.k8s.io', kind, '', errs);
}

export interface ListQuery {
  labelSelector: string;
  fieldSelector: string;
  watch: boolean;
  allowWatchBookmarks: boolean;
  resourceVersion: string;
  resourceVersionMatch: string;
  timeoutSeconds?: number;
  /** 0 (or a negative value, which upstream ignores too) lists everything. */
  limit: number;
  continue: string;
  sendInitialEvents?: boolean;
}

/** ListOptions for list, watch and deletecollection (WatchList on, as in Kubernetes 1.32). */
export function listOptions(q: URLSearchParams, forceWatch = false): ListQuery {
  const o: ListQuery = converted(() => ({
    labelSelector: q.get('labelSelector') ?? '',
    fieldSelector: q.get('fieldSelector') ?? '',
    watch: queryBool(q, 'watch') || forceWatch,
    allowWatchBookmarks: queryBool(q, 'allowWatchBookmarks'),
    resourceVersion: q.get('resourceVersion') ?? '',
    resourceVersionMatch: q.get('resourceVersionMatch') ?? '',
    timeoutSeconds: queryInt64(q, 'timeoutSeconds'),
    limit: queryInt64(q, 'limit') ?? 0,
    continue: q.get('continue') ?? '',
    sendInitialEvents: queryOptionalBool(q, 'sendInitialEvents'),
  }));
  refuse('ListOptions', o.watch ? watchErrors(o) : listErrors(o));
  return o;
}

function listErrors(o: ListQuery): FieldError[] {
  const errs: FieldError[] = [];
  const match = o.resourceVersionMatch;
  if (match) {
    if (!o.resourceVersion) errs.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided'));
    if (o.continue) errs.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
    if (match !== 'Exact' && match !== 'NotOlderThan') errs.push(notSupported('resourceVersionMatch', match, ['Exact', 'NotOlderThan', '']));
    if (match === 'Exact' && o.resourceVersion === '0') errs.push(forbidden('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
  }
  if (o.sendInitialEvents !== undefined) errs.push(forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list'));
  return errs;
}

function watchErrors(o: ListQuery): FieldError[] {
  const errs: FieldError[] = [];
  const match = o.resourceVersionMatch;
  if (o.sendInitialEvents !== undefined && match !== 'NotOlderThan') {
    errs.push(forbidden('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'));
  }
  if (match) {
    if (o.sendInitialEvents === undefined) errs.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided'));
    if (match !== 'NotOlderThan') errs.push(notSupported('resourceVersionMatch', match, ['NotOlderThan']));
    if (o.continue) errs.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
  }
  return errs;
}

export interface WriteQuery {
  dryRun: string[];
  fieldManager: string;
  fieldValidation: FieldValidation;
  /** PatchOptions.force (undefined when absent). */
  force?: boolean;
}

/** CreateOptions, UpdateOptions or PatchOptions; `applyPatch` for the apply patch types. */
export function writeOptions(q: URLSearchParams, kind: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions', applyPatch = false): WriteQuery {
  const dryRun = q.getAll('dryRun');
  const fieldManager = q.get('fieldManager') ?? '';
  const directive = q.get('fieldValidation') ?? '';
  const force = kind === 'PatchOptions' ? queryOptionalBool(q, 'force') : undefined;
  const errs: FieldError[] = [];
  if (kind === 'PatchOptions') {
    if (applyPatch && fieldManager === '') errs.push(required('fieldManager', 'is required for apply patch'));
    if (!applyPatch && force !== undefined) errs.push(forbidden('force', 'may not be specified for non-apply patch'));
  }
  errs.push(...fieldManagerErrors(fieldManager), ...dryRunErrors(dryRun));
  if (!['', 'Ignore', 'Warn', 'Strict'].includes(directive)) errs.push(notSupported('fieldValidation', directive, ['', 'Ignore', 'Strict', 'Warn']));
  refuse(kind, errs);
  return { dryRun, fieldManager, fieldValidation: (directive || 'Warn') as FieldValidation, force };
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** ValidateFieldManager: at most 128 bytes, printable characters only. */
function fieldManagerErrors(fm: string): FieldError[] {
  const errs: FieldError[] = [];
  if (Buffer.byteLength(fm) > 128) errs.push(tooLong('fieldManager', fm, 128));
  let at = 0;
  for (const ch of fm) {
    if (!PRINTABLE.test(ch)) {
      const code = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      errs.push(invalid('fieldManager', fm, `invalid character U+${code} (at position ${at})`));
    }
    at += Buffer.byteLength(ch);
  }
  return errs;
}

/** ValidateDryRun: "All" is the only value. */
export function dryRunErrors(dryRun: string[]): FieldError[] {
  return dryRun.every((v) => v === 'All') ? [] : [notSupported('dryRun', dryRun, ['All'])];
}

export interface DeleteQuery {
  gracePeriodSeconds?: number;
  orphanDependents?: boolean;
  propagationPolicy?: string;
  dryRun: string[];
  /** ?uid= and ?resourceVersion= are preconditions. */
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** DeleteOptions from the query (upstream reads it only when the request has no body). */
export function deleteQueryOptions(q: URLSearchParams): DeleteQuery {
  const o: DeleteQuery = converted(() => ({
    gracePeriodSeconds: queryInt64(q, 'gracePeriodSeconds'),
    orphanDependents: queryOptionalBool(q, 'orphanDependents'),
    propagationPolicy: q.get('propagationPolicy') ?? undefined,
    dryRun: q.getAll('dryRun'),
  }));
  const uid = q.get('uid');
  const rv = q.get('resourceVersion');
  if (uid || rv) o.preconditions = { ...(uid ? { uid } : {}), ...(rv ? { resourceVersion: rv } : {}) };
  return o;
}

/** ValidateDeleteOptions, as 422 DeleteOptions.meta.k8s.io. */
export function validateDeleteOptions(o: DeleteQuery): void {
  const errs: FieldError[] = [];
  if (o.orphanDependents !== undefined && o.propagationPolicy !== undefined) {
    errs.push(invalid('propagationPolicy', o.propagationPolicy, 'orphanDependents and deletionPropagation cannot be both set'));
  }
  if (o.propagationPolicy !== undefined && !['Foreground', 'Background', 'Orphan'].includes(o.propagationPolicy)) {
    errs.push(notSupported('propagationPolicy', o.propagationPolicy, ['Foreground', 'Background', 'Orphan', 'nil']));
  }
  errs.push(...dryRunErrors(o.dryRun));
  refuse('DeleteOptions', errs);
}

/** TableOptions.includeObject, refused as upstream's optionsForTransform refuses it (400). */
export function includeObjectOption(q: URLSearchParams): 'None' | 'Metadata' | 'Object' {
  const v = q.get('includeObject') ?? '';
  if (v === '') return 'Metadata';
  if (v === 'None' || v === 'Metadata' || v === 'Object') return v;
  throw errors.badRequest(`Unable to convert to Table as requested: includeObject: Invalid value: ${goQuote(v)}: must be 'Metadata', 'Object', 'None', or empty`);
}

/** A resourceVersion a read names exactly (resourceVersionMatch=Exact), as a store revision. */
export function exactRevision(rv: string): number {
  return converted(() => parseGoInt64(rv));
}
