// Decoding a create or update body (JSON, YAML or Kubernetes protobuf) into an object of the kind
// the URL serves, as upstream's API server does: apiVersion and kind default from the URL, a body
// of another kind is refused, fields of the wrong type and (with fieldValidation=Strict) unknown or
// duplicate fields are refused with upstream's messages; Warn turns the strict complaints into
// warnings, Ignore drops them. Patch bodies are parsed by parsePatchBody.

import { errors, goQuote } from '../../kube/errors.js';
import { type GroupVersionKind, type StructDef, structForKind } from '../openapi/schema.js';
import { decodeProtobufObject, PROTOBUF_MEDIA_TYPE } from './protobuf/index.js';
import type { KubeObject } from '../../kube/types.js';
import { jsonKind } from './gofmt.js';
import { JsonSyntaxError, parseGoJson } from './json.js';
import {
  BODY_MEDIA_TYPES, cannotHandle, directiveOf, type FieldValidation, mediaTypeOf, notRegistered, patchTypeOf, strictWarnings,
  unrecognizedBody, unsupportedBodyType,
} from './media.js';
import { parsePatchBody } from './patchbody.js';
import { decodeTyped } from './typed.js';
import { parseYaml, YamlError } from './yaml.js';

export interface DecodeOptions {
  /** The kind the URL serves: {group: 'apps', version: 'v1', kind: 'Deployment'} ('' for the core group). */
  gvk: GroupVersionKind;
  /** ?fieldValidation=; absent means Warn, as upstream. */
  fieldValidation?: FieldValidation | '';
}

export interface Decoded {
  object: KubeObject;
  /** For `Warning: 299 - "..."` headers (fieldValidation=Warn). */
  warnings: string[];
}

// Go's type for the apiVersion/kind probe, as its decoding errors print it.
const FIND_KIND = 'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';
// The Go package of each group's internal types, which conversion errors name.
const INTERNAL_PACKAGE: Record<string, string> = {
  '': 'core', 'discovery.k8s.io': 'discovery', 'networking.k8s.io': 'networking', 'coordination.k8s.io': 'coordination',
  'authentication.k8s.io': 'authentication',
};

export const groupVersionString = (g: { group: string; version: string }) => (g.group ? `${g.group}/${g.version}` : g.version);

/** "apps/v1" -> {group: "apps", version: "v1"}; "v1" -> the core group. */
export function splitApiVersion(apiVersion: unknown): { group: string; version: string } {
  const s = typeof apiVersion === 'string' ? apiVersion : '';
  const slash = s.indexOf('/');
  return slash < 0 ? { group: '', version: s } : { group: s.slice(0, slash), version: s.slice(slash + 1) };
}

/** The struct serving a GVK; a programming error (500) when the schema does not know it. */
export function targetStruct(gvk: GroupVersionKind): StructDef {
  const target = structForKind(gvk.group, gvk.version, gvk.kind);
  if (!target) throw errors.internal(new Error(`no schema for ${groupVersionString(gvk)}, Kind=${gvk.kind}`));
  return target;
}

/** apiVersion and kind as Go's probe reads them, or the probe's error text. */
export function interpret(value: unknown): { group: string; version: string; kind: string } | string {
  if (value === null) return { group: '', version: '', kind: '' };
  if (typeof value !== 'object' || Array.isArray(value)) {
    return `couldn't get version/kind; json parse error: json: cannot unmarshal ${jsonKind(value)} into Go value of type ${FIND_KIND}`;
  }
  const obj = value as Record<string, unknown>;
  for (const f of ['apiVersion', 'kind']) {
    const v = obj[f];
    if (v !== undefined && v !== null && typeof v !== 'string') {
      return `couldn't get version/kind; json parse error: json: cannot unmarshal ${jsonKind(v)} into Go struct field .${f} of type string`;
    }
  }
  const apiVersion = (obj.apiVersion as string | undefined) ?? '';
  const kind = (obj.kind as string | undefined) ?? '';
  if (apiVersion === '' || apiVersion === '/') return { group: '', version: '', kind };
  const parts = apiVersion.split('/');
  if (parts.length > 2) return `unexpected GroupVersion string: ${apiVersion}`;
  return parts.length === 1 ? { group: '', version: apiVersion, kind } : { group: parts[0], version: parts[1], kind };
}

/** upstream's gvkWithDefaults: what the body leaves out comes from the URL. */
function withDefaults(actual: GroupVersionKind, def: GroupVersionKind): GroupVersionKind {
  const out = { ...actual };
  if (!out.kind) out.kind = def.kind;
  if (!out.version && !out.group) {
    out.group = def.group;
    out.version = def.version;
  }
  if (!out.version && out.group === def.group) out.version = def.version;
  return out;
}

/** Decodes a POST/PUT body (or, for the patch media types, parses the patch document). */
/**
 * A JSON or YAML body parsed as upstream's decoder reads it: the value, and the duplicate fields
 * strict field validation complains of; a body that is neither fails in upstream's words.
 */
export function parseJsonOrYaml(raw: Buffer, media: string, kind: string): { value: unknown; strictErrors: string[] } {
  try {
    if (media === 'application/yaml') {
      const parsed = parseYaml(raw);
      return { value: parsed.value, strictErrors: parsed.duplicateError ? [parsed.duplicateError] : [] };
    }
    const parsed = parseGoJson(raw, { duplicates: true });
    return { value: parsed.value, strictErrors: parsed.duplicates.map((p) => `duplicate field ${goQuote(p)}`) };
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw unrecognizedBody(kind, `couldn't get version/kind; json parse error: ${e.message}`, raw);
    if (e instanceof YamlError) throw unrecognizedBody(kind, e.message, raw);
    throw e;
  }
}

export function decodeBody(raw: Buffer, contentType: string | undefined, options: DecodeOptions): Decoded {
  const media = mediaTypeOf(contentType);
  const directive = directiveOf(options.fieldValidation);
  if (patchTypeOf(media)) {
    const parsed = parsePatchBody(raw, media, directive);
    return { object: parsed.patch as KubeObject, warnings: directive === 'Warn' ? strictWarnings(parsed.strictErrors) : [] };
  }
  if (!BODY_MEDIA_TYPES.includes(media)) throw unsupportedBodyType();

  const target = targetStruct(options.gvk);
  const unrecognized = (why: string) => unrecognizedBody(options.gvk.kind, why, raw);
  // Protobuf has no unknown or duplicate fields to complain about: decoded, it is a JSON body.
  const { value, strictErrors } = media === PROTOBUF_MEDIA_TYPE
    ? { value: decodeProtobufObject(raw, options.gvk).object as unknown, strictErrors: [] as string[] }
    : parseJsonOrYaml(raw, media, options.gvk.kind);

  const probed = interpret(value);
  if (typeof probed === 'string') throw unrecognized(probed);
  const actual = withDefaults(probed, options.gvk);
  const cannot = (why: string) => cannotHandle(actual, options.gvk.kind, why);
  if (actual.group !== options.gvk.group || actual.version !== options.gvk.version || actual.kind !== options.gvk.kind) {
    if (!structForKind(actual.group, actual.version, actual.kind)) {
      throw cannot(notRegistered(actual));
    }
    const pkg = INTERNAL_PACKAGE[options.gvk.group] ?? options.gvk.group;
    throw cannot(`converting (v1.${actual.kind}) to (${pkg}.${options.gvk.kind}): unknown conversion`);
  }

  const typed = decodeTyped(value ?? {}, target.name, 'json');
  if (typed.error) throw cannot(typed.error);
  strictErrors.push(...typed.unknownFields.map((p) => `unknown field ${goQuote(p)}`));
  if (directive === 'Strict' && strictErrors.length) throw cannot(`strict decoding error: ${strictErrors.join(', ')}`);

  const { apiVersion: _a, kind: _k, metadata, ...rest } = typed.value;
  const object: KubeObject = {
    apiVersion: groupVersionString(options.gvk),
    kind: options.gvk.kind,
    metadata: (metadata ?? {}) as KubeObject['metadata'],
    ...rest,
  };
  return { object, warnings: directive === 'Warn' ? strictWarnings(strictErrors) : [] };
}
