// Structural schemas (apiextensions-apiserver's pkg/apiserver/schema/validation.go): every field
// specifies its type in properties/items/additionalProperties; allOf, anyOf, oneOf and not only
// add value validations to fields the structural part declares. The errors read as upstream's,
// sorted as upstream sorts them.

import { fieldErrorText, forbidden, invalid, required, type FieldError } from '../../kube/errors.js';
import { child, index, key } from './paths.js';
import { regexError } from './schema/regex.js';
import type { JSONSchemaProps } from './types.js';

type Level = 'root' | 'item' | 'field';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The single items schema (an array of schemas is reported elsewhere). */
export function itemsOf(s: JSONSchemaProps): JSONSchemaProps | undefined {
  return isObj(s.items) ? (s.items as JSONSchemaProps) : undefined;
}

/** additionalProperties as a schema, or undefined (absent, true or false). */
export function additionalPropertiesOf(s: JSONSchemaProps): JSONSchemaProps | undefined {
  return isObj(s.additionalProperties) ? (s.additionalProperties as JSONSchemaProps) : undefined;
}

const INT_OR_STRING_ANY_OF = (v: JSONSchemaProps[] | undefined): boolean =>
  Array.isArray(v) && v.length === 2 && v.every((x, i) => isObj(x) && Object.keys(x).length === 1 && x.type === ['integer', 'string'][i]);

/** Errors that make `schema` non-structural, sorted as upstream sorts them. */
export function validateStructural(path: string, schema: JSONSchemaProps): FieldError[] {
  const errs = [...invariants(schema, 'root', path), ...completeness(schema, path)];
  return errs.sort((a, b) => (fieldErrorText(a) < fieldErrorText(b) ? -1 : fieldErrorText(a) > fieldErrorText(b) ? 1 : 0));
}

function invariants(s: JSONSchemaProps | undefined, lvl: Level, path: string): FieldError[] {
  if (!s) return [];
  const errs: FieldError[] = [];
  const items = itemsOf(s);
  if (s.type === 'array' && !items) errs.push(required(child(path, 'items'), 'must be specified'));
  errs.push(...invariants(items, 'item', child(path, 'items')));
  for (const [k, v] of Object.entries(s.properties ?? {})) errs.push(...invariants(v, 'field', key(child(path, 'properties'), k)));
  if (s.additionalProperties !== undefined) {
    if (lvl === 'root') errs.push(forbidden(child(path, 'additionalProperties'), 'must not be used at the root'));
    const ap = additionalPropertiesOf(s);
    if (ap) errs.push(...invariants(ap, 'field', child(path, 'additionalProperties')));
  }
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  const embedded = s['x-kubernetes-embedded-resource'] === true;
  if (intOrString && preserve) errs.push(invalid(child(path, 'x-kubernetes-preserve-unknown-fields'), true, 'must be false if x-kubernetes-int-or-string is true'));
  if (intOrString && embedded) errs.push(invalid(child(path, 'x-kubernetes-embedded-resource'), true, 'must be false if x-kubernetes-int-or-string is true'));

  const skipAnyOf = intOrString && INT_OR_STRING_ANY_OF(s.anyOf);
  const skipFirstAllOfAnyOf = intOrString && !!s.allOf?.length && INT_OR_STRING_ANY_OF(s.allOf[0]?.anyOf);
  errs.push(...valueValidation(s, skipAnyOf, skipFirstAllOfAnyOf, lvl, path));

  const checkMetadata = lvl === 'root' || embedded;
  if (embedded && s.type !== 'object') {
    if (!s.type) errs.push(required(child(path, 'type'), 'must be object if x-kubernetes-embedded-resource is true'));
    else errs.push(invalid(child(path, 'type'), s.type, 'must be object if x-kubernetes-embedded-resource is true'));
  } else if (!s.type && !intOrString && !preserve) {
    const why = { root: 'must not be empty at the root', item: 'must not be empty for specified array items', field: 'must not be empty for specified object fields' }[lvl];
    errs.push(required(child(path, 'type'), why));
  }
  if (embedded && s.additionalProperties !== undefined) errs.push(forbidden(child(path, 'additionalProperties'), 'must not be used if x-kubernetes-embedded-resource is set'));
  if (lvl === 'root' && s.type && s.type !== 'object') errs.push(invalid(child(path, 'type'), s.type, 'must be object at the root'));
  const props = s.properties ?? {};
  for (const f of ['kind', 'apiVersion']) {
    if (props[f] && checkMetadata && props[f].type !== 'string') errs.push(invalid(child(key(child(path, 'properties'), f), 'type'), props[f].type ?? '', 'must be string'));
  }
  if (props.metadata) errs.push(...metadataInvariants(props.metadata, checkMetadata, lvl, key(child(path, 'properties'), 'metadata')));
  if (embedded && !preserve && Object.keys(props).length === 0) {
    errs.push(required(child(path, 'properties'), 'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields'));
  }
  return errs;
}

/** The root's metadata may only say name and generateName; it is implicitly ObjectMeta. */
function metadataInvariants(s: JSONSchemaProps, checkMetadata: boolean, lvl: Level, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (checkMetadata && s.type !== 'object') errs.push(invalid(child(path, 'type'), s.type ?? '', 'must be object'));
  if (lvl === 'root') {
    const names = Object.keys(s.properties ?? {});
    const onlyNames = names.every((n) => n === 'name' || n === 'generateName');
    // Everything else (type and default aside) is forbidden, a description too.
    const { type: _t, default: _d, properties: _p, ...rest } = s;
    const meaningful = Object.entries(rest).filter(([, v]) => v !== undefined && v !== false && v !== '' && !(Array.isArray(v) && v.length === 0));
    if (!onlyNames || meaningful.length > 0) errs.push(forbidden(path, 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
  }
  return errs;
}

/** allOf/anyOf/oneOf/not at a structural node, and a pattern that must compile. */
function valueValidation(v: JSONSchemaProps, skipAnyOf: boolean, skipFirstAllOfAnyOf: boolean, lvl: Level, path: string, allowXValidations = false): FieldError[] {
  const errs: FieldError[] = [];
  if (!skipAnyOf) (v.anyOf ?? []).forEach((x, i) => errs.push(...nested(x, false, lvl, index(child(path, 'anyOf'), i), false)));
  (v.allOf ?? []).forEach((x, i) => errs.push(...nested(x, skipFirstAllOfAnyOf && i === 0, lvl, index(child(path, 'allOf'), i), allowXValidations)));
  (v.oneOf ?? []).forEach((x, i) => errs.push(...nested(x, false, lvl, index(child(path, 'oneOf'), i), false)));
  if (v.not) errs.push(...nested(v.not, false, lvl, child(path, 'not'), false));
  if (v.pattern) {
    const err = regexError(v.pattern);
    if (err) errs.push(invalid(child(path, 'pattern'), v.pattern, `must be a valid regular expression, but isn't: ${err}`));
  }
  return errs;
}

/** A schema inside allOf/anyOf/oneOf/not: value validations only. */
function nested(v: JSONSchemaProps | undefined, skipAnyOf: boolean, lvl: Level, path: string, allowXValidations: boolean): FieldError[] {
  if (!v) return [];
  const errs: FieldError[] = [...valueValidation(v, skipAnyOf, false, lvl, path, allowXValidations)];
  const items = itemsOf(v);
  if (items) errs.push(...nested(items, false, lvl, child(path, 'items'), allowXValidations));
  for (const [k, f] of Object.entries(v.properties ?? {})) errs.push(...nested(f, false, 'field', key(child(path, 'properties'), k), allowXValidations));
  if (v.type) errs.push(forbidden(child(path, 'type'), 'must be empty to be structural'));
  if (v.additionalProperties !== undefined) errs.push(forbidden(child(path, 'additionalProperties'), 'must be undefined to be structural'));
  if (v.default !== undefined && v.default !== null) errs.push(forbidden(child(path, 'default'), 'must be undefined to be structural'));
  if (v.title) errs.push(forbidden(child(path, 'title'), 'must be empty to be structural'));
  if (v.description) errs.push(forbidden(child(path, 'description'), 'must be empty to be structural'));
  if (v.nullable) errs.push(forbidden(child(path, 'nullable'), 'must be false to be structural'));
  if (v['x-kubernetes-preserve-unknown-fields']) errs.push(forbidden(child(path, 'x-kubernetes-preserve-unknown-fields'), 'must be false to be structural'));
  if (v['x-kubernetes-embedded-resource']) errs.push(forbidden(child(path, 'x-kubernetes-embedded-resource'), 'must be false to be structural'));
  if (v['x-kubernetes-int-or-string']) errs.push(forbidden(child(path, 'x-kubernetes-int-or-string'), 'must be false to be structural'));
  if (v['x-kubernetes-list-map-keys']?.length) errs.push(forbidden(child(path, 'x-kubernetes-list-map-keys'), 'must be empty to be structural'));
  if (v['x-kubernetes-list-type'] !== undefined) errs.push(forbidden(child(path, 'x-kubernetes-list-type'), 'must be undefined to be structural'));
  if (v['x-kubernetes-map-type'] !== undefined) errs.push(forbidden(child(path, 'x-kubernetes-map-type'), 'must be undefined to be structural'));
  if (v['x-kubernetes-validations']?.length && !allowXValidations) errs.push(forbidden(child(path, 'x-kubernetes-validations'), 'must be empty to be structural'));
  if (v.properties?.metadata) errs.push(forbidden(key(child(path, 'properties'), 'metadata'), 'must not be specified in a nested context'));
  return errs;
}

/** Every field a value validation names must be declared in the structural part. */
function completeness(s: JSONSchemaProps, path: string): FieldError[] {
  return valueCompleteness(s, s, path, path);
}

function valueCompleteness(v: JSONSchemaProps, s: JSONSchemaProps | undefined, sPath: string, vPath: string): FieldError[] {
  const errs: FieldError[] = [];
  if (v.not) errs.push(...nestedCompleteness(v.not, s, sPath, child(vPath, 'not')));
  (v.allOf ?? []).forEach((x, i) => errs.push(...nestedCompleteness(x, s, sPath, index(child(vPath, 'allOf'), i))));
  (v.anyOf ?? []).forEach((x, i) => errs.push(...nestedCompleteness(x, s, sPath, index(child(vPath, 'anyOf'), i))));
  (v.oneOf ?? []).forEach((x, i) => errs.push(...nestedCompleteness(x, s, sPath, index(child(vPath, 'oneOf'), i))));
  return errs;
}

function nestedCompleteness(v: JSONSchemaProps, s: JSONSchemaProps | undefined, sPath: string, vPath: string): FieldError[] {
  if (!s) return [required(sPath, `because it is defined in ${vPath}`)];
  const errs = [...valueCompleteness(v, s, sPath, vPath)];
  const vItems = itemsOf(v);
  if (vItems) errs.push(...nestedCompleteness(vItems, itemsOf(s), child(sPath, 'items'), child(vPath, 'items')));
  for (const [k, f] of Object.entries(v.properties ?? {})) {
    const sf = s.properties?.[k];
    if (!sf) errs.push(required(key(child(sPath, 'properties'), k), `because it is defined in ${key(child(vPath, 'properties'), k)}`));
    else errs.push(...nestedCompleteness(f, sf, key(child(sPath, 'properties'), k), key(child(vPath, 'properties'), k)));
  }
  return errs;
}
