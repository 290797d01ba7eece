// ObjectMeta validation as upstream does it (k8s.io/apimachinery/pkg/api/validation/objectmeta.go
// and the finalizer rules of pkg/apis/core/validation): names, generateName, namespace, labels,
// annotations, owner references, finalizers, and what an update may not change.

import { forbidden, invalid, required, tooLong, type FieldError } from '../../kube/errors.js';
import type { ResourceDef } from '../resource.js';
import type { KubeObject, ObjectMeta } from '../../kube/types.js';
import { child, index } from './fieldpath.js';
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue, isValidPathSegmentName, isValidPathSegmentPrefix } from './strings.js';
import { deepEqual, isRecord, list, str } from './values.js';

export const FIELD_IMMUTABLE = 'field is immutable';
export const IS_NEGATIVE = 'must be greater than or equal to 0';
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export type NameValidation = NonNullable<ResourceDef['nameValidation']>;
/** prefix: the value is a generateName, to which a random suffix will be appended. */
export type NameValidator = (name: string, prefix: boolean) => string[];

/** generateName may end in '-': check it as if that were a letter. */
function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? name.slice(0, -2) + 'a' : name;
}

export const nameValidators: Record<NameValidation, NameValidator> = {
  dns1123Subdomain: (n, prefix) => isDNS1123Subdomain(prefix ? maskTrailingDash(n) : n),
  dns1123Label: (n, prefix) => isDNS1123Label(prefix ? maskTrailingDash(n) : n),
  dns1035Label: (n, prefix) => isDNS1035Label(prefix ? maskTrailingDash(n) : n),
  pathSegment: (n, prefix) => (prefix ? isValidPathSegmentPrefix(n) : isValidPathSegmentName(n)),
};

export function validateNonnegativeField(value: number, field: string): FieldError[] {
  return value < 0 ? [invalid(field, value, IS_NEGATIVE)] : [];
}

export function validateImmutableField(newVal: unknown, oldVal: unknown, field: string): FieldError[] {
  return deepEqual(newVal ?? null, oldVal ?? null) ? [] : [invalid(field, newVal ?? null, FIELD_IMMUTABLE)];
}

export function validateLabelName(key: string, field: string): FieldError[] {
  return isQualifiedName(key).map((m) => invalid(field, key, m));
}

/** A label map (metadata.labels, nodeSelector, a Service selector): every error at the map's path. */
export function validateLabels(labels: unknown, field: string): FieldError[] {
  if (!isRecord(labels)) return [];
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels)) {
    errs.push(...validateLabelName(k, field));
    const value = typeof v === 'string' ? v : String(v);
    errs.push(...isValidLabelValue(value).map((m) => invalid(field, value, m)));
  }
  return errs;
}

export function validateAnnotations(annotations: unknown, field: string): FieldError[] {
  if (!isRecord(annotations)) return [];
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    errs.push(...isQualifiedName(k.toLowerCase()).map((m) => invalid(field, k, m)));
    size += Buffer.byteLength(k) + Buffer.byteLength(typeof v === 'string' ? v : String(v));
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(tooLong(field, '', TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

export function validateOwnerReferences(refs: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = '';
  for (const ref of list<Record<string, unknown>>(refs)) {
    const apiVersion = str(ref?.apiVersion);
    const version = apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
    if (!version) errs.push(invalid(child(field, 'apiVersion'), apiVersion, 'version must not be empty'));
    if (!str(ref?.kind)) errs.push(invalid(child(field, 'kind'), str(ref?.kind), 'kind must not be empty'));
    if (!str(ref?.name)) errs.push(invalid(child(field, 'name'), str(ref?.name), 'name must not be empty'));
    if (!str(ref?.uid)) errs.push(invalid(child(field, 'uid'), str(ref?.uid), 'uid must not be empty'));
    if (apiVersion === 'v1' && ref?.kind === 'Event') errs.push(invalid(field, ref, '/v1, Kind=Event is disallowed from being an owner'));
    if (ref?.controller === true) {
      const name = `${str(ref.kind)}/${str(ref.name)}`;
      if (firstController) {
        errs.push(invalid(field, refs, `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${name}`));
      } else {
        firstController = name;
      }
    }
  }
  return errs;
}

const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

/** A finalizer without a '/' must be one of Kubernetes' own. */
function validateKubeFinalizerName(name: string, field: string): FieldError[] {
  return !name.includes('/') && !STANDARD_FINALIZERS.has(name)
    ? [invalid(field, name, 'name is neither a standard finalizer name nor is it fully qualified')]
    : [];
}

function validateKubeFinalizerNames(finalizers: unknown, field: string): FieldError[] {
  return list<unknown>(finalizers).flatMap((f, i) => validateKubeFinalizerName(str(f), index(field, i)));
}

/** One finalizer name: a qualified name, and one of Kubernetes' own unless it has a prefix. */
export function validateFinalizerName(name: string, field: string): FieldError[] {
  return [...isQualifiedName(name).map((m) => invalid(field, name, m)), ...validateKubeFinalizerName(name, field)];
}

export function validateFinalizers(finalizers: unknown, field: string): FieldError[] {
  const names = list<unknown>(finalizers).map(str);
  const errs = names.flatMap((n) => isQualifiedName(n).map((m) => invalid(field, n, m)));
  if (names.includes('orphan') && names.includes('foregroundDeletion')) {
    errs.push(invalid(field, names, 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  return errs.concat(validateKubeFinalizerNames(finalizers, field));
}

/** apimachinery's ValidateFinalizers: qualified names, orphan and foregroundDeletion not both. */
function validateQualifiedFinalizers(finalizers: unknown, field: string): FieldError[] {
  const names = list<unknown>(finalizers).map(str);
  const errs = names.flatMap((n) => isQualifiedName(n).map((m) => invalid(field, n, m)));
  if (names.includes('orphan') && names.includes('foregroundDeletion')) {
    errs.push(invalid(field, names, 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  return errs;
}

export interface ObjectMetaOptions {
  namespaced: boolean;
  nameValidation?: NameValidation;
  /** On create a missing name is fine when generateName is set (the registry generates it). */
  isCreate?: boolean;
  /** The path of the metadata: "metadata" unless it is embedded. */
  path?: string;
  /**
   * apimachinery's generic checks only (the apiextensions server's kinds): a finalizer needs to be
   * a qualified name, not one of Kubernetes' own or prefixed.
   */
  genericFinalizers?: boolean;
}

/**
 * Upstream's ValidateObjectMeta, and with oldMeta also ValidateObjectMetaUpdate (immutable uid,
 * creationTimestamp, name, namespace, deletion fields; generation never decreases; no new
 * finalizers once deletion started).
 */
export function validateObjectMeta(meta: ObjectMeta, opts: ObjectMetaOptions, oldMeta?: ObjectMeta): FieldError[] {
  const path = opts.path ?? 'metadata';
  const m = isRecord(meta) ? (meta as ObjectMeta) : {};
  const nameFn = nameValidators[opts.nameValidation ?? 'dns1123Subdomain'];
  const errs: FieldError[] = [];
  const name = str(m.name);
  const generateName = str(m.generateName);

  if (oldMeta) {
    errs.push(...validateImmutableField(m.name, oldMeta.name, child(path, 'name')));
    errs.push(...validateImmutableField(m.namespace, oldMeta.namespace, child(path, 'namespace')));
    errs.push(...validateImmutableField(m.uid, oldMeta.uid, child(path, 'uid')));
    errs.push(...validateImmutableField(m.creationTimestamp, oldMeta.creationTimestamp, child(path, 'creationTimestamp')));
    errs.push(...validateImmutableField(m.deletionTimestamp, oldMeta.deletionTimestamp, child(path, 'deletionTimestamp')));
    errs.push(...validateImmutableField(m.deletionGracePeriodSeconds, oldMeta.deletionGracePeriodSeconds, child(path, 'deletionGracePeriodSeconds')));
    if ((m.generation ?? 0) < (oldMeta.generation ?? 0)) errs.push(invalid(child(path, 'generation'), m.generation ?? 0, 'must not be decremented'));
    if (oldMeta.deletionTimestamp) {
      const added = [...new Set(list<string>(m.finalizers))].filter((f) => !list(oldMeta.finalizers).includes(f)).sort();
      if (added.length) {
        errs.push(forbidden(child(path, 'finalizers'), `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`));
      }
    }
    if (!opts.genericFinalizers) errs.push(...validateKubeFinalizerNames(m.finalizers, child(path, 'finalizers')));
  } else {
    if (generateName) errs.push(...nameFn(generateName, true).map((msg) => invalid(child(path, 'generateName'), generateName, msg)));
    if (!name) {
      if (!(opts.isCreate && generateName)) errs.push(required(child(path, 'name'), 'name or generateName is required'));
    } else {
      errs.push(...nameFn(name, false).map((msg) => invalid(child(path, 'name'), name, msg)));
    }
    const namespace = str(m.namespace);
    if (opts.namespaced) {
      if (!namespace) errs.push(required(child(path, 'namespace')));
      else errs.push(...nameValidators.dns1123Label(namespace, false).map((msg) => invalid(child(path, 'namespace'), namespace, msg)));
    } else if (namespace) {
      errs.push(forbidden(child(path, 'namespace'), 'not allowed on this type'));
    }
    errs.push(...validateNonnegativeField(m.generation ?? 0, child(path, 'generation')));
    errs.push(...(opts.genericFinalizers ? validateQualifiedFinalizers(m.finalizers, child(path, 'finalizers')) : validateFinalizers(m.finalizers, child(path, 'finalizers'))));
  }
  errs.push(...validateLabels(m.labels, child(path, 'labels')));
  errs.push(...validateAnnotations(m.annotations, child(path, 'annotations')));
  errs.push(...validateOwnerReferences(m.ownerReferences, child(path, 'ownerReferences')));
  return errs;
}

/** validateObjectMeta for a whole object of a kind; the shape of the registry's metadata hook. */
export function validateMetadata(obj: KubeObject, def: Pick<ResourceDef, 'namespaced' | 'nameValidation' | 'genericMetadata'>, old?: KubeObject): FieldError[] {
  return validateObjectMeta(obj.metadata, {
    namespaced: def.namespaced, nameValidation: def.nameValidation, isCreate: !old, genericFinalizers: def.genericMetadata,
  }, old?.metadata);
}
