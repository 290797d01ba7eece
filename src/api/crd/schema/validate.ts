// OpenAPI v3 validation of custom resources, as upstream's kube-openapi validator runs it and
// apiextensions-apiserver turns its results into field errors:
//   spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"
//   spec.cronSpec: Required value
//   spec.color: Unsupported value: "purple": supported values: "red", "green"
//   spec.name: Too long: may not be more than 5 bytes
//   <nil>: Invalid value: "": "spec.x" must validate one and only one schema (oneOf). Found none valid
// Properties are checked in name order (upstream walks a Go map, in no fixed order).

import { isDeepStrictEqual } from 'node:util';
import { type FieldError, GoValue, invalid, notSupported, required, tooLong, tooMany } from '../../../kube/errors.js';
import { goFloat, goSharpV } from '../../decode/gofmt.js';
import { additionalPropertiesOf, itemsOf } from '../structural.js';
import type { JSONSchemaProps } from '../types.js';
import { formatChecker } from './formats.js';
import { regexMatches, regexError } from './regex.js';

/** One kube-openapi error: a Validation (with a code) or a composite message (no name). */
interface OpenApiError {
  code: 'type' | 'required' | 'enum' | 'tooLong' | 'maxItems' | 'maxProperties' | 'other' | 'composite';
  /** The data path ("spec.replicas"), possibly with a leading "."; composite errors have none. */
  name: string;
  message: string;
  value?: unknown;
  values?: unknown[];
  max?: number;
  actual?: number;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const IN = 'body';

/** The JSON type kube-openapi infers for a decoded value: integers are int64, other numbers float64. */
function schemaType(v: unknown): { type: string; format: string } {
  if (typeof v === 'boolean') return { type: 'boolean', format: '' };
  if (typeof v === 'string') return { type: 'string', format: '' };
  if (typeof v === 'number') return Number.isInteger(v) ? { type: 'integer', format: 'int64' } : { type: 'number', format: 'float64' };
  if (Array.isArray(v)) return { type: 'array', format: '' };
  return { type: 'object', format: '' };
}

/** errors.InvalidType: a string value is quoted into the message. */
function invalidType(name: string, typeName: string, value: unknown): OpenApiError {
  const message = typeof value === 'string'
    ? `${name} in ${IN} must be of type ${typeName}: ${JSON.stringify(value)}`
    : `${name} in ${IN} must be of type ${typeName}`;
  return { code: 'type', name, message, value };
}

/** Formats upstream strips before validating (only the supported ones stay). */
const formatOf = (s: JSONSchemaProps) => (formatChecker(s.format) ? s.format ?? '' : '');

function typesOf(s: JSONSchemaProps): string[] {
  if (s['x-kubernetes-int-or-string']) return ['integer', 'string'];
  return s.type ? [s.type] : [];
}

function checkType(data: unknown, s: JSONSchemaProps, path: string, out: OpenApiError[]): void {
  const types = typesOf(s);
  const format = formatOf(s);
  if (!types.length && !format) return;
  if (data === null || data === undefined) {
    if (types.length && !types.includes('null') && !s.nullable) out.push(invalidType(path, types.join(','), 'null'));
    return;
  }
  const { type, format: dataFormat } = schemaType(data);
  const isFloatInt = type === 'number' && Number.isInteger(data) && types.includes('integer');
  const isIntFloat = type === 'integer' && types.includes('number');
  const isLowerInt = format === 'int64' && dataFormat === 'int32';
  const isLowerFloat = format === 'float64' && dataFormat === 'float32';
  const stringOrSlice = typeof data === 'string' || Array.isArray(data);
  if (!stringOrSlice && format && !(types.includes(type) || dataFormat === format || isFloatInt || isIntFloat || isLowerInt || isLowerFloat)) {
    out.push(invalidType(path, format, dataFormat));
    return;
  }
  if (!(types.includes('number') || types.includes('integer')) && format && stringOrSlice) return;
  if (!(types.includes(type) || isFloatInt || isIntFloat)) out.push(invalidType(path, types.join(','), type));
}

function checkEnum(data: unknown, s: JSONSchemaProps, path: string, out: OpenApiError[]): void {
  if (!s.enum?.length) return;
  if (s.enum.some((e) => isDeepStrictEqual(e, data))) return;
  out.push({ code: 'enum', name: path, value: data, values: s.enum, message: `${path} in ${IN} should be one of ${goSliceV(s.enum)}` });
}

const goSliceV = (v: unknown[]) => `[${v.map((x) => (typeof x === 'string' ? x : typeof x === 'number' ? goFloat(x) : JSON.stringify(x))).join(' ')}]`;


function checkString(data: string, s: JSONSchemaProps, path: string, out: OpenApiError[]): void {
  const length = [...data].length;
  if (s.maxLength !== undefined && length > s.maxLength) {
    out.push({ code: 'tooLong', name: path, value: data, max: s.maxLength, message: `${path} in ${IN} should be at most ${s.maxLength} chars long` });
    return;
  }
  if (s.minLength !== undefined && length < s.minLength) {
    out.push({ code: 'other', name: path, value: data, message: `${path} in ${IN} should be at least ${s.minLength} chars long` });
    return;
  }
  if (s.pattern) {
    const matched = regexMatches(s.pattern, data);
    if (matched === undefined) {
      out.push({ code: 'other', name: path, value: data, message: `${path} in ${IN} should match '${s.pattern}, but pattern is invalid: ${regexError(s.pattern)}'` });
    } else if (!matched) {
      out.push({ code: 'other', name: path, value: data, message: `${path} in ${IN} should match '${s.pattern}'` });
    }
  }
}

function checkNumber(data: number, s: JSONSchemaProps, path: string, out: OpenApiError[]): void {
  const int = Number.isInteger(data);
  const show = (n: number) => (int ? String(Math.trunc(n)) : goFloat(n));
  if (s.multipleOf !== undefined) {
    const f = s.multipleOf;
    if (f < 0) out.push({ code: 'other', name: path, value: f, message: `factor MultipleOf declared for ${path} must be positive: ${goFloat(f)}` });
    else {
      const ok = int && Number.isInteger(f) ? f !== 0 && data % f === 0 : Number.isInteger(f < 1 ? (1 / f) * data : data / f);
      if (!ok) out.push({ code: 'other', name: path, value: data, message: `${path} in ${IN} should be a multiple of ${show(f)}` });
    }
  }
  if (s.minimum !== undefined) {
    const min = int ? Math.trunc(s.minimum) : s.minimum;
    if (s.exclusiveMinimum ? data <= min : data < min) {
      out.push({ code: 'other', name: path, value: data, message: `${path} in ${IN} should be greater than ${s.exclusiveMinimum ? '' : 'or equal to '}${show(s.minimum)}` });
    }
  }
  if (s.maximum !== undefined) {
    const max = int ? Math.trunc(s.maximum) : s.maximum;
    if (s.exclusiveMaximum ? data >= max : data > max) {
      out.push({ code: 'other', name: path, value: data, message: `${path} in ${IN} should be less than ${s.exclusiveMaximum ? '' : 'or equal to '}${show(s.maximum)}` });
    }
  }
}

function checkArray(data: unknown[], s: JSONSchemaProps, path: string, out: OpenApiError[]): void {
  const items = itemsOf(s);
  if (items) data.forEach((v, i) => validateAt(v, items, `${path}[${i}]`, out));
  if (s.minItems !== undefined && data.length < s.minItems) {
    out.push({ code: 'other', name: path, value: data.length, message: `${path} in ${IN} should have at least ${s.minItems} items` });
  }
  if (s.maxItems !== undefined && data.length > s.maxItems) {
    out.push({ code: 'maxItems', name: path, actual: data.length, max: s.maxItems, message: `${path} in ${IN} should have at most ${s.maxItems} items` });
  }
  if (s.uniqueItems && data.some((v, i) => data.slice(0, i).some((u) => isDeepStrictEqual(u, v)))) {
    out.push({ code: 'other', name: path, message: `${path} in ${IN} shouldn't contain duplicates` });
  }
}

function checkObject(data: Json, s: JSONSchemaProps, path: string, out: OpenApiError[]): void {
  const n = Object.keys(data).length;
  if (s.minProperties !== undefined && n < s.minProperties) {
    out.push({ code: 'other', name: path, value: n, message: `${path} in ${IN} should have at least ${s.minProperties} properties` });
    return;
  }
  if (s.maxProperties !== undefined && n > s.maxProperties) {
    out.push({ code: 'maxProperties', name: path, actual: n, max: s.maxProperties, message: `${path} in ${IN} should have at most ${s.maxProperties} properties` });
    return;
  }
  const props = s.properties ?? {};
  const additional = additionalPropertiesOf(s);
  for (const k of Object.keys(data).sort()) {
    if (Object.hasOwn(props, k)) continue;
    if (s.additionalProperties === false) out.push({ code: 'other', name: path, value: k, message: `${path}.${k} in ${IN} is a forbidden property` });
    else if (additional) validateAt(data[k], additional, `${path}.${k}`, out);
  }
  for (const k of Object.keys(props).sort()) {
    if (Object.hasOwn(data, k)) validateAt(data[k], props[k], path ? `${path}.${k}` : k, out);
  }
  for (const k of s.required ?? []) {
    if (!Object.hasOwn(data, k)) out.push({ code: 'required', name: `${path}.${k}`, message: `${path}.${k} in ${IN} is required` });
  }
}

/** allOf, anyOf, oneOf, not: composite messages plus the best failing alternative's errors. */
function checkComposition(data: unknown, s: JSONSchemaProps, path: string, out: OpenApiError[]): void {
  const run = (sub: JSONSchemaProps) => {
    const errs: OpenApiError[] = [];
    validateAt(data, sub, path, errs);
    return errs;
  };
  const fewest = (results: OpenApiError[][]) => results.reduce((a, b) => (b.length < a.length ? b : a));
  if (s.anyOf?.length) {
    const results = s.anyOf.map(run);
    if (!results.some((r) => r.length === 0)) {
      out.push({ code: 'composite', name: '', message: `${JSON.stringify(path)} must validate at least one schema (anyOf)` });
      out.push(...fewest(results));
    }
  }
  if (s.oneOf?.length) {
    const results = s.oneOf.map(run);
    const valid = results.filter((r) => r.length === 0).length;
    if (valid !== 1) {
      const why = valid === 0 ? 'Found none valid' : `Found ${valid} valid alternatives`;
      out.push({ code: 'composite', name: '', message: `${JSON.stringify(path)} must validate one and only one schema (oneOf). ${why}` });
      if (valid === 0) out.push(...fewest(results));
    }
  }
  if (s.allOf?.length) {
    const results = s.allOf.map(run);
    for (const r of results) out.push(...r);
    const valid = results.filter((r) => r.length === 0).length;
    if (valid !== results.length) {
      out.push({ code: 'composite', name: '', message: `${JSON.stringify(path)} must validate all the schemas (allOf)${valid === 0 ? '. None validated' : ''}` });
    }
  }
  if (s.not && run(s.not).length === 0) {
    out.push({ code: 'composite', name: '', message: `${JSON.stringify(path)} must not validate the schema (not)` });
  }
}

function validateAt(data: unknown, s: JSONSchemaProps, path: string, out: OpenApiError[]): void {
  if (data === null || data === undefined) {
    checkType(null, s, path, out);
    checkEnum(null, s, path, out);
    return;
  }
  checkType(data, s, path, out);
  checkComposition(data, s, path, out);
  if (typeof data === 'string') {
    checkString(data, s, path, out);
    const check = formatChecker(s.format);
    if (check && !check(data)) out.push(invalidType(path, s.format!, data));
  }
  if (typeof data === 'number') checkNumber(data, s, path, out);
  if (Array.isArray(data)) checkArray(data, s, path, out);
  checkEnum(data, s, path, out);
  if (isObj(data)) checkObject(data, s, path, out);
}

/**
 * Field errors of `data` against `schema`, as upstream's ValidateCustomResource(fldPath, ...)
 * reports them. `fldPath` is the path the data's own path is appended to; undefined for a
 * custom resource (upstream passes nil, which prints as "<nil>" for errors without a name).
 */
export function validateSchema(data: unknown, schema: JSONSchemaProps, fldPath?: string): FieldError[] {
  const raw: OpenApiError[] = [];
  validateAt(data, schema, '', raw);
  return raw.map((e) => toFieldError(e, fldPath));
}

function toFieldError(e: OpenApiError, fldPath: string | undefined): FieldError {
  const name = e.name.replace(/^\./, '');
  const path = e.code === 'composite' || !name || name === '.' ? fldPath ?? '<nil>' : fldPath ? `${fldPath}.${name}` : name;
  switch (e.code) {
    case 'composite': return invalid(path, '', e.message);
    case 'required': return required(path, '');
    case 'enum': return notSupported(path, e.value, (e.values ?? []).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))));
    case 'tooLong': return tooLong(path, '', e.max ?? -1);
    case 'maxItems': case 'maxProperties': return tooMany(path, e.actual, e.max ?? -1);
    case 'type': return { type: 'FieldValueTypeInvalid', field: path, value: printable(e.value ?? ''), detail: e.message };
    default: return invalid(path, printable(e.value ?? ''), e.message);
  }
}

/** Values as Go's field errors print them: maps and lists with %#v. */
export function printable(v: unknown): unknown {
  if (isObj(v) || Array.isArray(v)) return new GoValue(goSharpV(v));
  return v;
}

