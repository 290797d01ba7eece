// API errors as upstream reports them: field errors (k8s.io/apimachinery/pkg/util/validation/field)
// and metav1.Status bodies (k8s.io/apimachinery/pkg/api/errors), with upstream's wording so that
// kubectl prints exactly what it prints against a real cluster.

import type { Status, StatusCause } from './types.js';

export type FieldErrorType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'InternalError'
  | 'FieldValueTypeInvalid';

const typeText: Record<FieldErrorType, string> = {
  FieldValueNotFound: 'Not found',
  FieldValueRequired: 'Required value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  InternalError: 'Internal error',
  FieldValueTypeInvalid: 'Invalid value',
};

/** Marker for "do not print the value" (upstream's omitValue). */
export const OMIT_VALUE = Symbol('omitValue');

export interface FieldError {
  type: FieldErrorType;
  /** Path such as "spec.ports[0].port". */
  field: string;
  /** The offending value (printed as upstream prints it), or OMIT_VALUE. */
  value?: unknown;
  detail?: string;
}

/** Go's %q for a string: double-quoted with Go escapes. */
export function goQuote(s: string): string {
  const short: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (short[ch]) out += short[ch];
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c >= 0x80 && /[\p{C}\p{Z}]/u.test(ch)) out += c > 0xffff ? `\\U${c.toString(16).padStart(8, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** A slice of strings Go prints with its element type's name: []networking.PolicyType{"Ingress"}. */
export class GoStringSlice {
  constructor(readonly elementType: string, readonly items: string[]) {}
}

/** A value printed as given: Go's %#v of a value the printer below does not know (a map, a struct such as rbac.RoleRef{Kind:"Role", ...}). */
export class GoValue {
  constructor(readonly text: string) {}
}

function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof GoValue) return value.text;
  if (value instanceof GoStringSlice) return `[]${value.elementType}{${value.items.map(goQuote).join(', ')}}`;
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    // Go prints []string{"a", "b"} with %#v; upstream messages show that form.
    if (value.every((v) => typeof v === 'string')) return `[]string{${value.map((v) => goQuote(v as string)).join(', ')}}`;
    return JSON.stringify(value);
  }
  return JSON.stringify(value);
}

/** The part after the field path: "Invalid value: 0: must be between 1 and 65535, inclusive". */
export function fieldErrorBody(e: FieldError): string {
  let s = typeText[e.type];
  const simple = e.type === 'FieldValueRequired' || e.type === 'FieldValueForbidden' || e.type === 'FieldValueTooLong' || e.type === 'InternalError';
  if (!simple && e.value !== OMIT_VALUE && !(e.type === 'FieldValueTooMany' && e.value === undefined)) {
    s = `${s}: ${formatValue(e.value)}`;
  }
  if (e.detail) s += `: ${e.detail}`;
  return s;
}

export function fieldErrorText(e: FieldError): string {
  return `${e.field}: ${fieldErrorBody(e)}`;
}

// Constructors, named as upstream's field.Required, field.Invalid, ...
export const required = (field: string, detail = ''): FieldError => ({ type: 'FieldValueRequired', field, detail });
export const invalid = (field: string, value: unknown, detail = ''): FieldError => ({ type: 'FieldValueInvalid', field, value, detail });
export const forbidden = (field: string, detail: string): FieldError => ({ type: 'FieldValueForbidden', field, detail });
export const duplicate = (field: string, value: unknown): FieldError => ({ type: 'FieldValueDuplicate', field, value });
export const notFound = (field: string, value: unknown): FieldError => ({ type: 'FieldValueNotFound', field, value });
export const tooLong = (field: string, _value: unknown, max: number): FieldError => ({ type: 'FieldValueTooLong', field, detail: `may not be more than ${max} bytes` });
export const tooMany = (field: string, actual: number | undefined, max: number): FieldError => ({
  type: 'FieldValueTooMany', field, value: actual === undefined ? OMIT_VALUE : actual, detail: `must have at most ${max} items`,
});
export function notSupported(field: string, value: unknown, supported: string[]): FieldError {
  const detail = supported.length ? 'supported values: ' + supported.map((s) => goQuote(s)).join(', ') : '';
  return { type: 'FieldValueNotSupported', field, value, detail };
}

/** Upstream's aggregate: one error prints alone, several print as "[a, b]" (duplicates dropped). */
export function aggregate(messages: string[]): string {
  const unique = [...new Set(messages)];
  if (unique.length === 1) return unique[0];
  return `[${unique.join(', ')}]`;
}

/** An error the API server turns into a metav1.Status response. */
export class ApiError extends Error {
  constructor(readonly status: Status) {
    super(status.message ?? status.reason ?? 'error');
    this.name = 'ApiError';
  }
  get code(): number {
    return this.status.code;
  }
  get reason(): string | undefined {
    return this.status.reason;
  }
}

export function isApiError(err: unknown, reason?: string): err is ApiError {
  return err instanceof ApiError && (reason === undefined || err.status.reason === reason);
}

export interface GroupResource {
  group: string;
  resource: string;
}

function grText(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

export function statusFailure(code: number, reason: string, message: string, details?: Status['details']): Status {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) s.details = details;
  return s;
}

export const errors = {
  notFound(gr: GroupResource, name: string): ApiError {
    return new ApiError(statusFailure(404, 'NotFound', `${grText(gr)} ${goQuote(name)} not found`, { name, group: gr.group || undefined, kind: gr.resource }));
  },
  alreadyExists(gr: GroupResource, name: string): ApiError {
    return new ApiError(statusFailure(409, 'AlreadyExists', `${grText(gr)} ${goQuote(name)} already exists`, { name, group: gr.group || undefined, kind: gr.resource }));
  },
  conflict(gr: GroupResource, name: string, why: string): ApiError {
    return new ApiError(statusFailure(409, 'Conflict', `Operation cannot be fulfilled on ${grText(gr)} ${goQuote(name)}: ${why}`, { name, group: gr.group || undefined, kind: gr.resource }));
  },
  staleResourceVersion(gr: GroupResource, name: string): ApiError {
    return errors.conflict(gr, name, 'the object has been modified; please apply your changes to the latest version and try again');
  },
  /** qualifiedKind: "Service" for the core group, "Deployment.apps" otherwise. */
  invalid(group: string, kind: string, name: string, errs: FieldError[]): ApiError {
    const qualifiedKind = group ? `${kind}.${group}` : kind;
    const causes: StatusCause[] = errs.map((e) => ({ reason: e.type, message: fieldErrorBody(e), field: e.field }));
    const message = errs.length === 0
      ? `${qualifiedKind} ${goQuote(name)} is invalid`
      : `${qualifiedKind} ${goQuote(name)} is invalid: ${aggregate(errs.map(fieldErrorText))}`;
    return new ApiError(statusFailure(422, 'Invalid', message, { name, group: group || undefined, kind, causes }));
  },
  badRequest(message: string): ApiError {
    return new ApiError(statusFailure(400, 'BadRequest', message));
  },
  unauthorized(message = 'Unauthorized'): ApiError {
    return new ApiError(statusFailure(401, 'Unauthorized', message));
  },
  forbidden(gr: GroupResource, name: string, why: string): ApiError {
    // No resource (a non-resource path): upstream's NewForbidden says just "forbidden: ...".
    if (!gr.resource && !gr.group) return new ApiError(statusFailure(403, 'Forbidden', `forbidden: ${why}`, {}));
    const subject = name ? `${grText(gr)} ${goQuote(name)}` : grText(gr);
    return new ApiError(statusFailure(403, 'Forbidden', `${subject} is forbidden: ${why}`, { name: name || undefined, group: gr.group || undefined, kind: gr.resource }));
  },
  methodNotSupported(gr: GroupResource, action: string): ApiError {
    return new ApiError(statusFailure(405, 'MethodNotAllowed', `${action} is not supported on resources of kind ${goQuote(grText(gr))}`, { group: gr.group || undefined, kind: gr.resource }));
  },
  notAcceptable(message: string): ApiError {
    return new ApiError(statusFailure(406, 'NotAcceptable', message));
  },
  gone(message: string): ApiError {
    return new ApiError(statusFailure(410, 'Gone', message));
  },
  expired(message: string): ApiError {
    return new ApiError(statusFailure(410, 'Expired', message));
  },
  tooLarge(message = 'Request entity too large: limit is 3145728'): ApiError {
    return new ApiError(statusFailure(413, 'RequestEntityTooLarge', message));
  },
  tooManyRequests(message: string, retryAfterSeconds = 1): ApiError {
    return new ApiError(statusFailure(429, 'TooManyRequests', message, { retryAfterSeconds }));
  },
  serviceUnavailable(message: string): ApiError {
    return new ApiError(statusFailure(503, 'ServiceUnavailable', message));
  },
  timeout(message: string, retryAfterSeconds = 1): ApiError {
    return new ApiError(statusFailure(504, 'Timeout', message, { retryAfterSeconds }));
  },
  internal(err: unknown): ApiError {
    const msg = err instanceof Error ? err.message : String(err);
    return new ApiError(statusFailure(500, 'InternalError', `Internal error occurred: ${msg}`, { causes: [{ message: msg }] }));
  },
};
