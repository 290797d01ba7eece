// Defaults and validation of CustomResourceDefinition objects, with upstream's messages
// (apiextensions-apiserver's v1 defaults and pkg/apis/apiextensions/validation). Upstream
// validates the internal version, into which a v1 CRD converts with the schema, subresources
// and printer columns hoisted to spec.validation, spec.subresources and
// spec.additionalPrinterColumns when every version has the same: its error paths say so.

import { type FieldError, forbidden, GoValue, invalid, notSupported, required } from '../../kube/errors.js';
import type { KubeObject } from '../../kube/types.js';
import { validateImmutableField } from '../validation/meta.js';
import { isDNS1035Label, isDNS1123Subdomain } from '../validation/strings.js';
import { child, index, key } from './paths.js';
import { validateVersionSchema } from './schema-validation.js';
import { CLEANUP_FINALIZER, type CRDNames, type CRDSpec, type CRDVersion, type CustomResourceDefinition, isConditionTrue, type PrinterColumn, type CRDSubresources } from './types.js';

export { CLEANUP_FINALIZER };

const COLUMN_TYPES = ['boolean', 'date', 'integer', 'number', 'string'];
const COLUMN_FORMATS = ['byte', 'date', 'date-time', 'double', 'float', 'int32', 'int64', 'password'];
const APPROVAL = 'api-approved.kubernetes.io';
const APPROVAL_LINK = 'see https://github.com/kubernetes/enhancements/pull/1111';

const isObj = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** spec.versions as a list of objects, whatever the object holds. */
const versionsOf = (o: KubeObject): CRDVersion[] => (Array.isArray(o.spec?.versions) ? (o.spec.versions as unknown[]).filter(isObj) as CRDVersion[] : []);

/** v1 defaults: singular and listKind from kind, conversion None, storedVersions from the storage version. */
export function defaultCRD(o: KubeObject): void {
  if (!isObj(o.spec)) return;
  const spec = o.spec as CRDSpec;
  if (isObj(spec.names)) {
    if (!spec.names.singular && spec.names.kind) spec.names.singular = String(spec.names.kind).toLowerCase();
    if (!spec.names.listKind && spec.names.kind) spec.names.listKind = `${spec.names.kind}List`;
  }
  if (!isObj(spec.conversion)) spec.conversion = { strategy: 'None' };
  if (isObj(spec.conversion.webhook?.clientConfig?.service) && spec.conversion.webhook.clientConfig.service.port === undefined) {
    spec.conversion.webhook.clientConfig.service.port = 443;
  }
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
function identical<T>(versions: CRDVersion[], get: (v: CRDVersion) => T | undefined, nonEmpty: (t: T | undefined) => boolean): boolean {
  return versions.length > 0 && versions.every((v) => nonEmpty(get(v)) && same(get(v), get(versions[0])));
}

/** Where upstream reports each part of a version: hoisted to spec.* when all versions agree. */
interface Hoisting {
  schema: boolean;
  subresources: boolean;
  columns: boolean;
}

function hoisting(versions: CRDVersion[]): Hoisting {
  return {
    schema: identical(versions, (v) => v.schema, (s) => s !== undefined && s !== null),
    subresources: identical(versions, (v) => v.subresources, (s) => s !== undefined && s !== null),
    columns: identical(versions, (v) => v.additionalPrinterColumns, (c) => !!c?.length),
  };
}

/** Go's %#v of the internal versions list (pointers as upstream's fake addresses: they are never the same). */
function goVersions(versions: CRDVersion[], h: Hoisting): GoValue {
  const ptr = (set: boolean, type: string) => (set ? `(*${type})(0xc000000000)` : `(*${type})(nil)`);
  const list = (set: boolean, type: string) => (set ? `[]${type}{...}` : `[]${type}(nil)`);
  const items = versions.map((v) => `apiextensions.CustomResourceDefinitionVersion{Name:${JSON.stringify(v.name ?? '')}, Served:${!!v.served}, Storage:${!!v.storage}, `
    + `Deprecated:${!!v.deprecated}, DeprecationWarning:${ptr(v.deprecationWarning !== undefined, 'string')}, `
    + `Schema:${ptr(!h.schema && !!v.schema, 'apiextensions.CustomResourceValidation')}, `
    + `Subresources:${ptr(!h.subresources && !!v.subresources, 'apiextensions.CustomResourceSubresources')}, `
    + `AdditionalPrinterColumns:${list(!h.columns && !!v.additionalPrinterColumns?.length, 'apiextensions.CustomResourceColumnDefinition')}, `
    + `SelectableFields:${list(!!v.selectableFields?.length, 'apiextensions.SelectableField')}}`);
  return new GoValue(`[]apiextensions.CustomResourceDefinitionVersion{${items.join(', ')}}`);
}

function validateDeprecationWarning(v: CRDVersion): string[] {
  const w = v.deprecationWarning;
  if (!v.deprecated && w !== undefined) return ['can only be set for deprecated versions'];
  if (w === undefined) return [];
  const errs: string[] = [];
  if (w.length > 256) errs.push('must be <= 256 characters long');
  if (w.length === 0) errs.push('must not be an empty string');
  let i = 0;
  for (const ch of w) {
    if (/\p{Cc}/u.test(ch)) { errs.push(`must only contain printable UTF-8 characters; control character found at index ${i}`); break; }
    if (!/[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u.test(ch)) { errs.push(`must only contain printable UTF-8 characters; non-printable character found at index ${i}`); break; }
    i += Buffer.byteLength(ch);
  }
  return errs;
}

function validateSimpleJSONPath(s: string, path: string): FieldError[] {
  if (!s) return [invalid(path, s, 'must not be empty')];
  if (s[0] !== '.') return [invalid(path, s, 'must be a simple json path starting with .')];
  return [];
}

function validateSubresources(sub: CRDSubresources | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const scale = sub?.scale;
  if (!scale) return errs;
  const check = (value: string | undefined, name: string, prefixes: string[], why: string, isRequired: boolean) => {
    const at = child(path, `scale.${name}`);
    if (!value) {
      if (isRequired) errs.push(required(at, ''));
      return;
    }
    const e = validateSimpleJSONPath(value, at);
    if (e.length) errs.push(...e);
    else if (!prefixes.some((p) => value.startsWith(p))) errs.push(invalid(at, value, why));
  };
  check(scale.specReplicasPath, 'specReplicasPath', ['.spec.'], 'should be a json path under .spec', true);
  check(scale.statusReplicasPath, 'statusReplicasPath', ['.status.'], 'should be a json path under .status', true);
  check(scale.labelSelectorPath, 'labelSelectorPath', ['.spec.', '.status.'], 'should be a json path under either .spec or .status', false);
  return errs;
}

function validateColumn(col: PrinterColumn, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!col.name) errs.push(required(child(path, 'name'), ''));
  if (!col.type) errs.push(required(child(path, 'type'), `must be one of ${COLUMN_TYPES.join(',')}`));
  else if (!COLUMN_TYPES.includes(col.type)) errs.push(invalid(child(path, 'type'), col.type, `must be one of ${COLUMN_TYPES.join(',')}`));
  if (col.format && !COLUMN_FORMATS.includes(col.format)) errs.push(invalid(child(path, 'format'), col.format, `must be one of ${COLUMN_FORMATS.join(',')}`));
  if (!col.jsonPath) errs.push(required(child(path, 'JSONPath'), ''));
  else errs.push(...validateSimpleJSONPath(col.jsonPath, child(path, 'JSONPath')));
  return errs;
}

export function validateNames(names: CRDNames | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const src: Record<string, unknown> = isObj(names) ? { ...names } : {};
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const strs = (v: unknown) => (Array.isArray(v) ? v.map((x) => String(x)) : []);
  const n: CRDNames = { plural: str(src.plural), singular: str(src.singular), kind: str(src.kind), listKind: str(src.listKind), shortNames: strs(src.shortNames), categories: strs(src.categories) };
  const label = (v: string | undefined, f: string, mixedCase = false) => {
    if (!v) return;
    const e = isDNS1035Label(mixedCase ? v.toLowerCase() : v);
    if (e.length) errs.push(invalid(child(path, f), v, (mixedCase ? 'may have mixed case, but should otherwise match: ' : '') + e.join(',')));
  };
  label(n.plural, 'plural');
  label(n.singular, 'singular');
  label(n.kind, 'kind', true);
  label(n.listKind, 'listKind', true);
  (n.shortNames ?? []).forEach((s, i) => {
    const e = isDNS1035Label(s);
    if (e.length) errs.push(invalid(index(child(path, 'shortNames'), i), s, e.join(',')));
  });
  if (n.kind && n.kind === n.listKind) errs.push(invalid(child(path, 'listKind'), n.listKind, 'kind and listKind may not be the same'));
  (n.categories ?? []).forEach((c, i) => {
    const e = isDNS1035Label(c);
    if (e.length) errs.push(invalid(index(child(path, 'categories'), i), c, e.join(',')));
  });
  return errs;
}

function validateConversion(spec: CRDSpec, path: string): FieldError[] {
  const c = spec.conversion;
  if (!c) return [];
  const errs: FieldError[] = [];
  const at = child(path, 'conversion');
  if (!c.strategy) errs.push(required(child(at, 'strategy'), ''));
  else if (c.strategy !== 'None' && c.strategy !== 'Webhook') errs.push(notSupported(child(at, 'strategy'), c.strategy, ['None', 'Webhook']));
  const cc = c.webhook?.clientConfig;
  const reviewVersions = c.webhook?.conversionReviewVersions ?? [];
  if (c.strategy === 'Webhook') {
    if (!cc) errs.push(required(child(at, 'webhookClientConfig'), 'required when strategy is set to Webhook'));
    else if ((cc.url === undefined) === (cc.service === undefined)) errs.push(required(child(at, 'webhookClientConfig'), 'exactly one of url or service is required'));
    if (!reviewVersions.length) errs.push(required(child(at, 'conversionReviewVersions'), ''));
    else if (!reviewVersions.some((v) => v === 'v1' || v === 'v1beta1')) {
      errs.push(invalid(child(at, 'conversionReviewVersions'), reviewVersions, 'must include at least one of v1, v1beta1'));
    }
  } else {
    if (cc) errs.push(forbidden(child(at, 'webhookClientConfig'), 'should not be set when strategy is not set to Webhook'));
    if (reviewVersions.length) errs.push(forbidden(child(at, 'conversionReviewVersions'), 'should not be set when strategy is not set to Webhook'));
  }
  return errs;
}

function validateSpec(spec: CRDSpec | undefined): FieldError[] {
  const s = (isObj(spec) ? spec : {}) as CRDSpec;
  const errs: FieldError[] = [];
  const path = 'spec';
  if (!s.group) errs.push(required('spec.group', ''));
  else if (isDNS1123Subdomain(s.group).length) errs.push(invalid('spec.group', s.group, isDNS1123Subdomain(s.group).join(',')));
  else if (s.group.split('.').length < 2) errs.push(invalid('spec.group', s.group, 'should be a domain with at least one dot'));

  if (!s.scope) errs.push(required('spec.scope', ''));
  else if (s.scope !== 'Cluster' && s.scope !== 'Namespaced') errs.push(notSupported('spec.scope', s.scope, ['Cluster', 'Namespaced']));

  const versions = Array.isArray(s.versions) ? (s.versions as unknown[]).filter(isObj) as CRDVersion[] : [];
  const h = hoisting(versions);
  if (!h.schema) {
    versions.forEach((v, i) => {
      if (!v.schema?.openAPIV3Schema) errs.push(required(`spec.versions[${i}].schema.openAPIV3Schema`, 'schemas are required'));
    });
  }

  let storage = 0;
  const seen = new Set<string>();
  let unique = true;
  const anyStatus = versions.some((v) => v.subresources?.status !== undefined);
  versions.forEach((v, i) => {
    const at = index('spec.versions', i);
    if (v.storage) storage++;
    if (seen.has(v.name)) unique = false;
    seen.add(v.name);
    const nameErrs = isDNS1035Label(v.name ?? '');
    if (nameErrs.length) errs.push(invalid(child(at, 'name'), v.name ?? '', nameErrs.join(',')));
    for (const e of validateDeprecationWarning(v)) errs.push(invalid(child(at, 'deprecationWarning'), v.deprecationWarning ?? null, e));
    if (!h.schema) errs.push(...validateVersionSchema(v.schema?.openAPIV3Schema, v.subresources?.status !== undefined, child(at, 'schema')));
    if (!h.subresources) errs.push(...validateSubresources(v.subresources, child(at, 'subresources')));
    if (!h.columns) (v.additionalPrinterColumns ?? []).forEach((c, j) => errs.push(...validateColumn(c, index(child(at, 'additionalPrinterColumns'), j))));
  });
  if (!unique) errs.push(invalid('spec.versions', goVersions(versions, h), 'must contain unique version names'));
  if (storage !== 1) errs.push(invalid('spec.versions', goVersions(versions, h), 'must have exactly one version marked as storage version'));
  if (versions.length) {
    const e = isDNS1035Label(versions[0].name ?? '');
    if (e.length) errs.push(invalid('spec.version', versions[0].name ?? '', e.join(',')));
  }

  const names = (isObj(s.names) ? s.names : {}) as CRDNames;
  if (!names.plural) errs.push(required('spec.names.plural', ''));
  if (!names.singular) errs.push(required('spec.names.singular', ''));
  if (!names.kind) errs.push(required('spec.names.kind', ''));
  if (!names.listKind) errs.push(required('spec.names.listKind', ''));
  errs.push(...validateNames(names, 'spec.names'));

  if (h.schema) errs.push(...validateVersionSchema(versions[0].schema?.openAPIV3Schema, anyStatus, 'spec.validation'));
  if (h.subresources) errs.push(...validateSubresources(versions[0].subresources, 'spec.subresources'));
  if (h.columns) (versions[0].additionalPrinterColumns ?? []).forEach((c, j) => errs.push(...validateColumn(c, index('spec.additionalPrinterColumns', j))));
  if (s.conversion?.strategy && s.conversion.strategy !== 'None' && s.preserveUnknownFields) {
    errs.push(invalid('spec.conversion.strategy', s.conversion.strategy, 'must be None if spec.preserveUnknownFields is true'));
  }
  errs.push(...validateConversion(s, path));
  return errs;
}

function validateStoredVersions(crd: CustomResourceDefinition): FieldError[] {
  const stored = Array.isArray(crd.status?.storedVersions) ? crd.status!.storedVersions! : [];
  const path = 'status.storedVersions';
  if (!stored.length) return [invalid(path, stored, 'must have at least one stored version')];
  const errs: FieldError[] = [];
  const remaining = new Map(stored.map((v, i) => [v, i]));
  for (const v of versionsOf(crd)) {
    if (v.storage && !stored.includes(v.name)) errs.push(invalid(path, stored, `must have the storage version ${v.name}`));
    remaining.delete(v.name);
  }
  for (const [v, i] of remaining) errs.push(invalid(index(path, i), v, 'must appear in spec.versions'));
  return errs;
}

function isProtectedGroup(group: string): boolean {
  return group === 'k8s.io' || group.endsWith('.k8s.io') || group === 'kubernetes.io' || group.endsWith('.kubernetes.io');
}

/** The api-approved.kubernetes.io state: approved, bypassed (unapproved...), missing or invalid. */
export function approvalState(crd: KubeObject): { state: 'approved' | 'bypassed' | 'missing' | 'invalid'; reason: string } {
  const a = crd.metadata?.annotations?.[APPROVAL] ?? '';
  if (!a) return { state: 'missing', reason: `protected groups must have approval annotation ${JSON.stringify(APPROVAL)}, ${APPROVAL_LINK}` };
  if (a.startsWith('unapproved')) return { state: 'bypassed', reason: `not approved: ${JSON.stringify(a)}` };
  try {
    const u = new URL(a);
    if (u.host && u.protocol) return { state: 'approved', reason: `approved in ${a}` };
  } catch { /* not a URL */ }
  return { state: 'invalid', reason: `protected groups must have approval annotation ${JSON.stringify(APPROVAL)} with either a URL or a reason starting with "unapproved", ${APPROVAL_LINK}` };
}

function validateApproval(crd: KubeObject, old?: KubeObject): FieldError[] {
  if (!isProtectedGroup(String(crd.spec?.group ?? ''))) return [];
  const now = approvalState(crd);
  if (old && approvalState(old).state === now.state) return [];
  const field = key('metadata.annotations', APPROVAL);
  if (now.state === 'missing') return [required(field, now.reason)];
  if (now.state === 'invalid') return [invalid(field, crd.metadata?.annotations?.[APPROVAL] ?? '', now.reason)];
  return [];
}

function validatePreserveUnknownFields(crd: KubeObject, old?: KubeObject): FieldError[] {
  if (old?.spec?.preserveUnknownFields === true) return [];
  if (crd.spec?.preserveUnknownFields === true) {
    return [invalid('spec.preserveUnknownFields', true, 'cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead')];
  }
  return [];
}

/** metadata.name must be <plural>.<group> (the registry checks the rest of metadata). */
function validateName(crd: KubeObject): FieldError[] {
  const want = `${crd.spec?.names?.plural ?? ''}.${crd.spec?.group ?? ''}`;
  return crd.metadata?.name && crd.metadata.name !== want ? [invalid('metadata.name', crd.metadata.name, 'must be spec.names.plural+"."+spec.group')] : [];
}

export function validateCRD(o: KubeObject): FieldError[] {
  const crd = o as CustomResourceDefinition;
  return [
    ...validateName(crd),
    ...validateSpec(crd.spec),
    ...validateNames(crd.status?.acceptedNames, 'status.acceptedNames'),
    ...validateStoredVersions(crd),
    ...validateApproval(crd),
    ...validatePreserveUnknownFields(crd),
  ];
}

export function validateCRDUpdate(o: KubeObject, old: KubeObject): FieldError[] {
  const crd = o as CustomResourceDefinition;
  const prev = old as CustomResourceDefinition;
  const errs = [...validateName(crd), ...validateSpec(crd.spec)];
  if (isConditionTrue(prev, 'Established')) {
    errs.push(...validateImmutableField(crd.spec?.scope, prev.spec?.scope, 'spec.scope'));
    errs.push(...validateImmutableField(crd.spec?.names?.kind, prev.spec?.names?.kind, 'spec.names.kind'));
  }
  errs.push(...validateImmutableField(crd.spec?.group, prev.spec?.group, 'spec.group'));
  errs.push(...validateImmutableField(crd.spec?.names?.plural, prev.spec?.names?.plural, 'spec.names.plural'));
  errs.push(...validateNames(crd.status?.acceptedNames, 'status.acceptedNames'));
  errs.push(...validateStoredVersions(crd));
  errs.push(...validateApproval(crd, prev));
  errs.push(...validatePreserveUnknownFields(crd, prev));
  return errs;
}

/** A /status write: accepted names (and metadata, checked by the registry). */
export function validateCRDStatus(o: KubeObject): FieldError[] {
  return validateNames((o as CustomResourceDefinition).status?.acceptedNames, 'status.acceptedNames');
}

/** On create the server owns status: only storedVersions, from the storage version (upstream's PrepareForCreate). */
export function prepareCRDForCreate(o: KubeObject): void {
  const storage = versionsOf(o).find((v) => v.storage)?.name;
  o.status = { storedVersions: storage ? [storage] : [] };
}

/** On update, status stays as stored; a new storage version joins storedVersions. */
export function prepareCRDForUpdate(o: KubeObject, old: KubeObject): void {
  o.status = structuredClone(isObj(old.status) ? old.status : {});
  const storage = versionsOf(o).find((v) => v.storage)?.name;
  const stored: string[] = Array.isArray(o.status.storedVersions) ? o.status.storedVersions : [];
  if (storage && !stored.includes(storage)) o.status.storedVersions = [...stored, storage];
}
