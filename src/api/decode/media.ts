// Media types, field validation directives, strict-decoding warnings and the wording of an
// undecodable body, as the API server's handlers treat them.

import { ApiError, errors, goQuote, statusFailure } from '../../kube/errors.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

/** The media types a PATCH accepts, in the order upstream lists them. */
export const PATCH_MEDIA_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

/** The media types a create or update body may have, in the order upstream lists them. */
export const BODY_MEDIA_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];

/** The 415 a create or update body of another media type gets. */
export function unsupportedBodyType(): ApiError {
  return new ApiError(statusFailure(415, 'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${BODY_MEDIA_TYPES.join(', ')}`));
}

/** The patch type of a media type, or undefined. */
export function patchTypeOf(mediaType: string): PatchType | undefined {
  return Object.hasOwn(PATCH_MEDIA_TYPES, mediaType) ? PATCH_MEDIA_TYPES[mediaType] : undefined;
}

/** "application/json; charset=utf-8" -> "application/json"; no header means JSON. */
export function mediaTypeOf(contentType: string | undefined): string {
  const base = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return base || 'application/json';
}

/** Upstream's default when ?fieldValidation= is absent is Warn. */
export function directiveOf(fieldValidation: string | undefined): FieldValidation {
  return fieldValidation === 'Strict' || fieldValidation === 'Ignore' ? fieldValidation : 'Warn';
}

const YAML_PREFIXES = ['yaml: unmarshal errors:\n', 'error converting YAML to JSON: yaml: unmarshal errors:\n'];

/**
 * The warnings a strict error becomes under fieldValidation=Warn (sent as `Warning: 299 - "..."`):
 * go-yaml's multi-line complaint splits into one warning per line.
 */
export function strictWarnings(strictErrors: string[]): string[] {
  return strictErrors.flatMap((e) => {
    const prefix = YAML_PREFIXES.find((p) => e.startsWith(p));
    return prefix ? e.slice(prefix.length).split('\n').map((l) => l.trim()) : [e];
  });
}

/** upstream's summarizeData: the start of a body that could not be recognized. */
export function summarizeData(raw: Buffer, max = 30): string {
  if (raw.length === 0) return '<empty>';
  if (raw[0] === 0x7b) return raw.length > max ? `${raw.toString('utf8', 0, max)} ...` : raw.toString('utf8');
  return raw.length > max ? `${raw.subarray(0, max).toString('hex')} ...` : raw.toString('hex');
}

// upstream's transformDecodeError: a body whose kind could not be read, or one that cannot become
// the kind the URL serves.

export function unrecognizedBody(intoKind: string, why: string, raw: Buffer): ApiError {
  return errors.badRequest(`the object provided is unrecognized (must be of type ${intoKind}): ${why} (${summarizeData(raw)})`);
}

export function cannotHandle(actual: { version: string; kind: string }, intoKind: string, why: string): ApiError {
  return errors.badRequest(`${actual.kind} in version ${goQuote(actual.version)} cannot be handled as a ${intoKind}: ${why}`);
}

/** Why a kind the scheme does not know cannot be decoded. */
export function notRegistered(actual: { group: string; version: string; kind: string }): string {
  const gv = actual.group ? `${actual.group}/${actual.version}` : actual.version;
  return `no kind ${goQuote(actual.kind)} is registered for version ${goQuote(gv)} in scheme "pkg/api/legacyscheme/scheme.go:30"`;
}
