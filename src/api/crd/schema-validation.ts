// Validation of a CRD version's openAPIV3Schema (upstream's
// validateCustomResourceDefinitionValidation and ValidateCustomResourceDefinitionOpenAPISchema):
// what the root may hold, structural schema invariants, defaults that must validate and be
// pruned, list and map types, x-kubernetes-validations syntax and compilation.

import { type FieldError, forbidden, invalid, notSupported, required } from '../../kube/errors.js';
import { costErrorMessage, CRD_COST_LIMIT, maxSize } from './cel/cost.js';
import { type CostTally, ruleCompileErrors } from './cel/rules.js';
import { child, index, key } from './paths.js';
import { pruneObject } from './schema/prune.js';
import { printable, validateSchema } from './schema/validate.js';
import { additionalPropertiesOf, itemsOf, validateStructural } from './structural.js';
import type { JSONSchemaProps } from './types.js';

const OPENAPI_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];
const META_FIELDS = new Set(['metadata', 'kind', 'apiVersion']);
const ROOT_FIELDS_WITH_STATUS = new Set(['description', 'type', 'format', 'title', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum',
  'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems', 'uniqueItems', 'multipleOf', 'required', 'items', 'properties', 'externalDocs',
  'example', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-validations']);
const ROOT_FIELD_NAMES = 'Description Type Format Title Maximum ExclusiveMaximum Minimum ExclusiveMinimum MaxLength MinLength Pattern MaxItems MinItems UniqueItems MultipleOf Required Items Properties ExternalDocs Example XPreserveUnknownFields XValidations';
const REASONS = ['FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueRequired'];

interface NodeContext {
  allowDefaults: boolean;
  disallowDefaultsReason?: string;
  insideResourceMeta: boolean;
  /** The nearest enclosing path oldSelf cannot see through. */
  uncorrelatable?: string;
  /** CEL rules are compiled only on a structural schema. */
  cel: boolean;
  /** How many times a rule at this node runs at most. */
  cardinality: number;
}

const isZero = (v: unknown) => v === undefined || v === null || v === false || v === '' || v === 0 || (Array.isArray(v) && v.length === 0);

/** Errors of one version's schema at `path` ("spec.validation" or "spec.versions[0].schema"). */
export function validateVersionSchema(schema: JSONSchemaProps | undefined, statusEnabled: boolean, path: string): FieldError[] {
  if (!schema) return [];
  const errs: FieldError[] = [];
  const root = child(path, 'openAPIV3Schema');
  if (statusEnabled) {
    for (const [k, v] of Object.entries(schema)) {
      if (isZero(v)) continue;
      if (k === 'type') {
        if (schema.type !== 'object') {
          errs.push(invalid(child(root, 'type'), schema.type, 'only "object" is allowed as the type at the root of the schema if the status subresource is enabled'));
          break;
        }
        continue;
      }
      if (!ROOT_FIELDS_WITH_STATUS.has(k)) {
        errs.push(invalid(root, '', `only [${ROOT_FIELD_NAMES}] fields are allowed at the root of the schema if the status subresource is enabled`));
        break;
      }
    }
  }
  if (schema.nullable) errs.push(forbidden(child(root, 'nullable'), 'nullable cannot be true at the root'));

  // Structural first: defaults and rules are only checked on a structural schema.
  const structural = validateStructural(root, schema);
  let cel = false;
  if (structural.length) errs.push(...structural);
  else {
    const defaultErrs = validateDefaults(schema, root);
    errs.push(...defaultErrs);
    cel = defaultErrs.length === 0;
  }
  const nodeErrs: FieldError[] = [];
  const celErrs: FieldError[] = [];
  const tally: CostTally = { cardinality: 1, total: 0, rules: [] };
  validateNode(schema, root, { allowDefaults: true, insideResourceMeta: false, cel, cardinality: 1 }, true, nodeErrs, celErrs, tally);
  errs.push(...nodeErrs, ...celErrs);
  if (tally.total > CRD_COST_LIMIT) {
    // Upstream names the rules that cost most, then the total.
    for (const r of [...tally.rules].sort((a, b) => b.cost - a.cost).slice(0, 4)) {
      errs.push(forbidden(r.path, 'contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema'));
    }
    errs.push(forbidden(root, costErrorMessage('x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema', tally.total, CRD_COST_LIMIT)));
  }
  return errs;
}

function validateNode(s: JSONSchemaProps | undefined, path: string, ctx: NodeContext, isRoot: boolean, errs: FieldError[], celErrs: FieldError[], tally: CostTally): void {
  if (!s) return;
  errs.push(...standardChecks(s, path, ctx));
  if (s.uniqueItems) errs.push(forbidden(child(path, 'uniqueItems'), 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic'));
  if (s.additionalProperties !== undefined) {
    if (Object.keys(s.properties ?? {}).length && (s.additionalProperties === false || typeof s.additionalProperties === 'object')) {
      errs.push(forbidden(child(path, 'additionalProperties'), 'additionalProperties and properties are mutual exclusive'));
    }
    const base = { ...ctx, cardinality: ctx.cardinality * maxSize(s) };
    const sub = ctx.insideResourceMeta ? { ...base, allowDefaults: false, disallowDefaultsReason: 'inside additionalProperties applying to object metadata' } : base;
    validateNode(additionalPropertiesOf(s), child(path, 'additionalProperties'), sub, false, errs, celErrs, tally);
  }
  const mapType = s['x-kubernetes-map-type'];
  for (const [name, prop] of Object.entries(s.properties ?? {})) {
    let sub: NodeContext = ctx;
    if (!(mapType === undefined || mapType === 'granular' || mapType === 'atomic')) sub = { ...sub, uncorrelatable: sub.uncorrelatable ?? path };
    if ((isRoot || s['x-kubernetes-embedded-resource']) && META_FIELDS.has(name)) {
      sub = { ...sub, insideResourceMeta: true };
      if (isRoot) sub = { ...sub, allowDefaults: false, disallowDefaultsReason: `in top-level ${name}` };
    }
    validateNode(prop, key(child(path, 'properties'), name), sub, false, errs, celErrs, tally);
  }
  const plain = { ...ctx, cel: false };
  validateNode(s.not, child(path, 'not'), plain, false, errs, celErrs, tally);
  (s.allOf ?? []).forEach((x, i) => validateNode(x, index(child(path, 'allOf'), i), plain, false, errs, celErrs, tally));
  (s.oneOf ?? []).forEach((x, i) => validateNode(x, index(child(path, 'oneOf'), i), plain, false, errs, celErrs, tally));
  (s.anyOf ?? []).forEach((x, i) => validateNode(x, index(child(path, 'anyOf'), i), plain, false, errs, celErrs, tally));
  for (const [name, d] of Object.entries(s.definitions ?? {})) validateNode(d, key(child(path, 'definitions'), name), plain, false, errs, celErrs, tally);
  const items = itemsOf(s);
  if (s.items !== undefined) {
    const counted = { ...ctx, cardinality: ctx.cardinality * maxSize(s) };
    const sub = s['x-kubernetes-list-type'] === 'map' ? counted : { ...counted, uncorrelatable: ctx.uncorrelatable ?? path };
    validateNode(items, child(path, 'items'), sub, false, errs, celErrs, tally);
    if (Array.isArray(s.items)) s.items.forEach((x, i) => validateNode(x, index(child(path, 'items'), i), sub, false, errs, celErrs, tally));
  }
  if (s['x-kubernetes-preserve-unknown-fields'] === false) {
    errs.push(invalid(child(path, 'x-kubernetes-preserve-unknown-fields'), false, 'must be true or undefined'));
  }
  errs.push(...listAndMapTypes(s, path));
  errs.push(...validationRules(s, path, ctx, errs.length === 0, celErrs, isRoot, tally));
}

/** upstream's specStandardValidatorV3.validate. */
function standardChecks(s: JSONSchemaProps, path: string, ctx: NodeContext): FieldError[] {
  const errs: FieldError[] = [];
  if (s.type && !OPENAPI_TYPES.includes(s.type) && s.type !== 'null') errs.push(notSupported(child(path, 'type'), s.type, OPENAPI_TYPES));
  if (s.default !== undefined && s.default !== null && !ctx.allowDefaults) {
    errs.push(forbidden(child(path, 'default'), `must not be set${ctx.disallowDefaultsReason ? ` ${ctx.disallowDefaultsReason}` : ''}`));
  }
  if (s.id) errs.push(forbidden(child(path, 'id'), 'id is not supported'));
  if (s.additionalItems !== undefined) errs.push(forbidden(child(path, 'additionalItems'), 'additionalItems is not supported'));
  if (Object.keys(s.patternProperties ?? {}).length) errs.push(forbidden(child(path, 'patternProperties'), 'patternProperties is not supported'));
  if (Object.keys(s.definitions ?? {}).length) errs.push(forbidden(child(path, 'definitions'), 'definitions is not supported'));
  if (s.dependencies !== undefined) errs.push(forbidden(child(path, 'dependencies'), 'dependencies is not supported'));
  if (s.$ref !== undefined) errs.push(forbidden(child(path, '$ref'), '$ref is not supported'));
  if (s.type === 'null') errs.push(forbidden(child(path, 'type'), 'type cannot be set to null, use nullable as an alternative'));
  if (Array.isArray(s.items) && s.items.length) errs.push(forbidden(child(path, 'items'), 'items must be a schema object and not an array'));
  if (ctx.insideResourceMeta && s['x-kubernetes-embedded-resource']) {
    errs.push(forbidden(child(path, 'x-kubernetes-embedded-resource'), 'must not be used inside of resource meta'));
  }
  return errs;
}

function listAndMapTypes(s: JSONSchemaProps, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const mapType = s['x-kubernetes-map-type'];
  const listType = s['x-kubernetes-list-type'];
  const keys = s['x-kubernetes-list-map-keys'] ?? [];
  if (mapType !== undefined && s.type !== 'object') {
    if (!s.type) errs.push(required(child(path, 'type'), 'must be object if x-kubernetes-map-type is specified'));
    else errs.push(invalid(child(path, 'type'), s.type, 'must be object if x-kubernetes-map-type is specified'));
  }
  if (mapType !== undefined && mapType !== 'atomic' && mapType !== 'granular') errs.push(notSupported(child(path, 'x-kubernetes-map-type'), mapType, ['atomic', 'granular']));
  const items = itemsOf(s);
  if (listType !== undefined && s.type !== 'array') {
    if (!s.type) errs.push(required(child(path, 'type'), 'must be array if x-kubernetes-list-type is specified'));
    else errs.push(invalid(child(path, 'type'), s.type, 'must be array if x-kubernetes-list-type is specified'));
  } else if (listType === 'set' && items) {
    if (items.type === 'array' && items['x-kubernetes-list-type'] !== undefined && items['x-kubernetes-list-type'] !== 'atomic') {
      errs.push(invalid(child(child(path, 'items'), 'x-kubernetes-list-type'), items['x-kubernetes-list-type'], 'must be atomic as item of a list with x-kubernetes-list-type=set'));
    }
    if (items.type === 'object' && items['x-kubernetes-map-type'] !== 'atomic') {
      errs.push(invalid(child(child(path, 'items'), 'x-kubernetes-map-type'), items['x-kubernetes-list-type'] ?? null, 'must be atomic as item of a list with x-kubernetes-list-type=set'));
    }
  }
  if (listType !== undefined && !['atomic', 'set', 'map'].includes(listType)) errs.push(notSupported(child(path, 'x-kubernetes-list-type'), listType, ['atomic', 'set', 'map']));
  if (keys.length) {
    if (listType === undefined) errs.push(required(child(path, 'x-kubernetes-list-type'), 'must be map if x-kubernetes-list-map-keys is non-empty'));
    else if (listType !== 'map') errs.push(invalid(child(path, 'x-kubernetes-list-type'), listType, 'must be map if x-kubernetes-list-map-keys is non-empty'));
  }
  if (listType === 'map') {
    if (!keys.length) errs.push(required(child(path, 'x-kubernetes-list-map-keys'), 'must not be empty if x-kubernetes-list-type is map'));
    if (s.items === undefined) errs.push(required(child(path, 'items'), 'must have a schema if x-kubernetes-list-type is map'));
    if (Array.isArray(s.items)) errs.push(invalid(child(path, 'items'), '', 'must only have a single schema if x-kubernetes-list-type is map'));
    if (items && items.type !== 'object') errs.push(invalid(child(child(path, 'items'), 'type'), items.type ?? '', "must be object if parent array's x-kubernetes-list-type is map"));
    if (items && items.type === 'object') {
      const seen = new Set<string>();
      for (const k of keys) {
        const p = items.properties?.[k];
        if (p) {
          if (p.type === 'array' || p.type === 'object') {
            errs.push(invalid(child(key(child(child(path, 'items'), 'properties'), k), 'type'), items.type, "must be a scalar type if parent array's x-kubernetes-list-type is map"));
          }
        } else {
          errs.push(invalid(child(path, 'x-kubernetes-list-map-keys'), keys, 'entries must all be names of item properties'));
        }
        if (seen.has(k)) errs.push(invalid(child(path, 'x-kubernetes-list-map-keys'), keys, 'must not contain duplicate entries'));
        seen.add(k);
      }
    }
  }
  // validateMapListKeysMapSet
  if (items && (listType === 'set' || listType === 'map')) {
    if (items.nullable) errs.push(forbidden(child(child(path, 'items'), 'nullable'), `cannot be nullable when x-kubernetes-list-type is ${listType}`));
    if (listType === 'map') {
      for (const k of keys) {
        const p = items.properties?.[k];
        if (!p) continue;
        if (!(items.required ?? []).includes(k) && p.default === undefined) {
          errs.push(required(child(key(child(child(path, 'items'), 'properties'), k), 'default'), 'this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property'));
        }
        if (p.nullable) errs.push(forbidden(child(key(child(child(path, 'items'), 'properties'), k), 'nullable'), 'this property is in x-kubernetes-list-map-keys, so it cannot be nullable'));
      }
    }
  }
  return errs;
}

function validationRules(s: JSONSchemaProps, path: string, ctx: NodeContext, noSchemaErrors: boolean, celErrs: FieldError[], isRoot: boolean, tally: CostTally): FieldError[] {
  const rules = s['x-kubernetes-validations'] ?? [];
  if (!rules.length) return [];
  const errs: FieldError[] = [];
  rules.forEach((rule, i) => {
    const at = index(child(path, 'x-kubernetes-validations'), i);
    const ruleText = (rule.rule ?? '').trim();
    const msg = (rule.message ?? '').trim();
    if (!ruleText) errs.push(required(child(at, 'rule'), 'rule is not specified'));
    else if (rule.message && !msg) errs.push(invalid(child(at, 'message'), rule.message, 'message must be non-empty if specified'));
    else if (/[\n\r]/.test(msg)) errs.push(invalid(child(at, 'message'), rule.message, 'message must not contain line breaks'));
    else if (/[\n\r]/.test(ruleText) && !msg) errs.push(required(child(at, 'message'), 'message must be specified if rule contains line breaks'));
    if (rule.messageExpression !== undefined && rule.messageExpression !== '' && !rule.messageExpression.trim()) {
      errs.push(required(child(at, 'messageExpression'), 'messageExpression must be non-empty if specified'));
    }
    if (rule.reason !== undefined && !REASONS.includes(rule.reason)) errs.push(notSupported(child(at, 'reason'), rule.reason, REASONS));
    if (rule.fieldPath !== undefined && rule.fieldPath !== '' && !rule.fieldPath.trim()) errs.push(invalid(child(at, 'fieldPath'), rule.fieldPath, 'fieldPath must be non-empty if specified'));
    if (rule.fieldPath && /\n/.test(rule.fieldPath)) errs.push(invalid(child(at, 'fieldPath'), rule.fieldPath, 'fieldPath must not contain line breaks'));
    if (rule.fieldPath && !fieldPathValid(s, rule.fieldPath)) errs.push(invalid(child(at, 'fieldPath'), rule.fieldPath, 'fieldPath must be a valid path'));
  });
  if (noSchemaErrors && errs.length === 0 && ctx.cel) {
    tally.cardinality = ctx.cardinality;
    celErrs.push(...ruleCompileErrors(s, path, isRoot, ctx.uncorrelatable, tally));
  }
  return errs;
}

/** Does `fieldPath` (".a.b" or "['a'].b") name a field the schema declares? */
function fieldPathValid(s: JSONSchemaProps, fieldPath: string): boolean {
  const parts = fieldPath.trim().replace(/\[['"]([^'"]*)['"]\]/g, '.$1').replace(/^\./, '').split('.');
  let cur: JSONSchemaProps | undefined = s;
  for (const p of parts) {
    if (!p || !cur) return false;
    if (cur.properties?.[p]) cur = cur.properties[p];
    else if (additionalPropertiesOf(cur)) cur = additionalPropertiesOf(cur);
    else if (cur['x-kubernetes-preserve-unknown-fields']) return true;
    else return false;
  }
  return true;
}

/**
 * Defaults must validate against their own schema node and be pruned (upstream's
 * ValidateDefaults with requirePrunedDefaults); defaults inside metadata must be valid metadata.
 */
function validateDefaults(schema: JSONSchemaProps, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const visit = (s: JSONSchemaProps | undefined, p: string, insideMeta: boolean): void => {
    if (!s) return;
    if (s.default !== undefined && s.default !== null && !insideMeta) {
      const copy = structuredClone(s.default);
      if (typeof copy === 'object' && copy !== null && !Array.isArray(copy)) {
        const pruned = pruneObject(copy as Record<string, unknown>, { ...s, 'x-kubernetes-embedded-resource': false });
        if (pruned.length) errs.push(invalid(child(p, 'default'), printable(s.default), 'must not have unknown fields'));
      } else if (Array.isArray(copy)) {
        const before = JSON.stringify(copy);
        pruneObject({ v: copy }, { type: 'object', properties: { v: s } });
        if (JSON.stringify(copy) !== before) errs.push(invalid(child(p, 'default'), printable(s.default), 'must not have unknown fields'));
      }
      errs.push(...validateSchema(s.default, s, child(p, 'default')));
    }
    const items = itemsOf(s);
    if (items) visit(items, child(p, 'items'), insideMeta);
    for (const [k, sub] of Object.entries(s.properties ?? {})) {
      const meta = insideMeta || ((s === schema || s['x-kubernetes-embedded-resource'] === true) && META_FIELDS.has(k));
      visit(sub, key(child(p, 'properties'), k), meta);
    }
  };
  visit(schema, path, false);
  return errs;
}
