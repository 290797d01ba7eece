// Parsing PATCH bodies as upstream's patch handler does for each media type, with its messages for
// malformed ones and the strict complaints (duplicate fields, unknown fields of JSON patch
// operations) that fieldValidation=Strict refuses and Warn reports.

import { ApiError, errors, goQuote, statusFailure } from '../../kube/errors.js';
import { jsonKind } from './gofmt.js';
import { isObject, JsonSyntaxError, parseGoJson } from './json.js';
import { type FieldValidation, PATCH_MEDIA_TYPES, type PatchType, patchTypeOf } from './media.js';
import { parseYaml, YamlError } from './yaml.js';

export interface ParsedPatch {
  type: PatchType;
  /** The patch document: operations for JSON patch, an object (or null) for the others. */
  patch: unknown;
  /** Strict complaints as Go's errors print them (without "strict decoding error: "). */
  strictErrors: string[];
}

/** Upstream's limit on JSON patch operations. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

/** The 415 a PATCH with another media type gets. */
export function unsupportedPatchType(): ApiError {
  return new ApiError(statusFailure(415, 'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${Object.keys(PATCH_MEDIA_TYPES).join(', ')}`));
}

function parseJson(raw: Buffer, prefix: string, strict: boolean): { value: unknown; duplicates: string[] } {
  try {
    return parseGoJson(raw, { duplicates: strict });
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw errors.badRequest(prefix + e.message);
    throw e;
  }
}

function jsonPatch(raw: Buffer, strict: boolean): ParsedPatch {
  const { value, duplicates } = parseJson(raw, strict ? 'error decoding patch: ' : '', strict);
  const strictErrors: string[] = [];
  if (value !== null && !Array.isArray(value)) {
    throw errors.badRequest(strict
      ? `error decoding patch: json: cannot unmarshal ${jsonKind(value)} into Go value of type []handlers.jsonPatchOp`
      : `json: cannot unmarshal ${jsonKind(value)} into Go value of type jsonpatch.Patch`);
  }
  const ops = (value ?? []) as unknown[];
  ops.forEach((op, i) => {
    if (op !== null && !isObject(op)) {
      throw errors.badRequest(strict
        ? `error decoding patch: json: cannot unmarshal ${jsonKind(op)} into Go value of type handlers.jsonPatchOp`
        : `json: cannot unmarshal ${jsonKind(op)} into Go value of type jsonpatch.Operation`);
    }
    if (!strict || op === null) return;
    for (const [k, v] of Object.entries(op)) {
      if (!['op', 'path', 'from', 'value'].includes(k)) strictErrors.push(`json patch unknown field ${goQuote(`[${i}].${k}`)}`);
      else if (k !== 'value' && v !== null && typeof v !== 'string') {
        throw errors.badRequest(`error decoding patch: json: cannot unmarshal ${jsonKind(v)} into Go struct field jsonPatchOp.${k} of type string`);
      }
    }
  });
  strictErrors.unshift(...duplicates.map((p) => `json patch duplicate field ${goQuote(p)}`));
  if (ops.length > MAX_JSON_PATCH_OPERATIONS) {
    throw errors.tooLarge(`The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${ops.length}`);
  }
  return { type: 'json', patch: ops, strictErrors };
}

function mergePatch(raw: Buffer, strict: boolean): ParsedPatch {
  let parsed: { value: unknown; duplicates: string[] };
  try {
    parsed = parseGoJson(raw, { duplicates: strict });
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    throw errors.badRequest(strict ? `error decoding patch: ${e.message}` : 'Invalid JSON Patch');
  }
  const { value, duplicates } = parsed;
  if (strict && value !== null && !isObject(value)) {
    throw errors.badRequest(`error decoding patch: json: cannot unmarshal ${jsonKind(value)} into Go value of type map[string]interface {}`);
  }
  // evanphx/json-patch refuses null and scalar patches; an array replaces the document.
  if (value === null || (!isObject(value) && !Array.isArray(value))) throw errors.badRequest('Invalid JSON Patch');
  return { type: 'merge', patch: value, strictErrors: duplicates.map((p) => `duplicate field ${goQuote(p)}`) };
}

function strategicPatch(raw: Buffer, strict: boolean): ParsedPatch {
  const { value, duplicates } = parseJson(raw, '', strict);
  if (value !== null && !isObject(value)) {
    throw errors.badRequest(`json: cannot unmarshal ${jsonKind(value)} into Go value of type map[string]interface {}`);
  }
  return { type: 'strategic', patch: value, strictErrors: duplicates.map((p) => `duplicate field ${goQuote(p)}`) };
}

function applyPatch(raw: Buffer): ParsedPatch {
  let parsed;
  try {
    parsed = parseYaml(raw);
  } catch (e) {
    if (e instanceof YamlError) throw errors.badRequest(`error decoding YAML: ${e.message}`);
    throw e;
  }
  if (parsed.value !== null && !isObject(parsed.value)) {
    throw errors.badRequest(`error decoding YAML: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${jsonKind(parsed.value)} into Go value of type map[string]interface {}`);
  }
  return { type: 'apply', patch: parsed.value ?? {}, strictErrors: parsed.duplicateError ? [parsed.duplicateError] : [] };
}

/** Parses a PATCH body of the given media type; throws ApiError as upstream answers malformed ones. */
export function parsePatchBody(raw: Buffer, mediaType: string, directive: FieldValidation): ParsedPatch {
  const strict = directive !== 'Ignore';
  switch (patchTypeOf(mediaType)) {
    case 'json': return jsonPatch(raw, strict);
    case 'merge': return mergePatch(raw, strict);
    case 'strategic': return strategicPatch(raw, strict);
    case 'apply': return applyPatch(raw);
    default: throw unsupportedPatchType();
  }
}
