// A parsed message in the JSON shape the API uses, as encoding/json would print the Go object
// upstream decodes it into: fields under their JSON names, a sent zero of a non-pointer omitempty
// scalar left out (gogo always sends those), bytes in base64, inlined structs flattened, and the
// types with their own JSON form: Time and MicroTime (RFC 3339, the zero time as null),
// IntOrString (a number or a string), Quantity (its string), RawExtension and FieldsV1 (the JSON
// they carry).

import { JsonSyntaxError, parseGoJson, setOwn } from '../json.js';
import type { FieldDesc } from './descriptors.js';
import type { FieldValue, MapValue, ParsedMessage, ScalarValue } from './message.js';
import { ProtoError } from './wire.js';

const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';

// The messages with their own JSON form (by upstream's field numbers).
const SPECIAL: Record<string, (m: ParsedMessage) => unknown> = {
  [`${META}.Time`]: time,
  [`${META}.MicroTime`]: microTime,
  'k8s.io.apimachinery.pkg.util.intstr.IntOrString': intOrString,
  'k8s.io.apimachinery.pkg.api.resource.Quantity': (m) => (m.values.get(1) as string | undefined) ?? '0',
  'k8s.io.apimachinery.pkg.runtime.RawExtension': embeddedJson,
  [`${META}.FieldsV1`]: embeddedJson,
  // user.Info extra values: `type ExtraValue []string`, an array in JSON.
  'k8s.io.api.authentication.v1.ExtraValue': (m) => (m.values.get(1) as string[] | undefined) ?? [],
  'k8s.io.api.authorization.v1.ExtraValue': (m) => (m.values.get(1) as string[] | undefined) ?? [],
};

const num = (m: ParsedMessage, field: number) => (m.values.get(field) as number | undefined) ?? 0;

/** The JSON value of a message. Throws ProtoError where upstream could not print it either. */
export function messageToJson(m: ParsedMessage): unknown {
  const special = SPECIAL[m.desc.name];
  if (special) return special(m);
  const out: Record<string, unknown> = {};
  for (const field of m.desc.fields) {
    const value = m.values.get(field.number);
    if (value === undefined) continue;
    if (field.inline) {
      const inner = messageToJson(value as ParsedMessage);
      if (inner && typeof inner === 'object') for (const [k, v] of Object.entries(inner)) setOwn(out, k, v);
      continue;
    }
    if (field.omitZero && isZero(value)) continue;
    setOwn(out, field.jsonName, fieldToJson(field, value));
  }
  return out;
}

function fieldToJson(field: FieldDesc, value: FieldValue): unknown {
  if (field.map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value as MapValue) setOwn(out, k, valueToJson(v));
    return out;
  }
  if (field.repeated) return (value as Array<ScalarValue | ParsedMessage>).map(valueToJson);
  return valueToJson(value as ScalarValue | ParsedMessage);
}

function valueToJson(v: ScalarValue | ParsedMessage): unknown {
  if (Buffer.isBuffer(v)) return v.toString('base64');
  if (typeof v === 'object') return messageToJson(v);
  return v;
}

const isZero = (v: FieldValue) => v === '' || v === 0 || v === false || (Buffer.isBuffer(v) && v.length === 0);

/** metav1.Time prints whole seconds in UTC ("2024-05-01T10:00:00Z"). */
function time(m: ParsedMessage): string | null {
  return m.size === 0 ? null : `${utcSeconds(num(m, 1))}Z`;
}

/** metav1.MicroTime keeps microseconds (nanoseconds truncated): "2024-05-01T10:00:00.123456Z". */
function microTime(m: ParsedMessage): string | null {
  if (m.size === 0) return null;
  // time.Unix normalizes nanoseconds outside [0, 1s) into the seconds.
  const micros = Math.trunc(num(m, 2) / 1000);
  const carry = Math.floor(micros / 1e6);
  return `${utcSeconds(num(m, 1) + carry)}.${String(micros - carry * 1e6).padStart(6, '0')}Z`;
}

/** "2006-01-02T15:04:05" of Unix seconds, with Go's year (at least four digits, a sign when negative). */
function utcSeconds(seconds: number): string {
  const d = new Date(seconds * 1000);
  if (Number.isNaN(d.getTime())) throw new ProtoError(`time ${seconds}s since the epoch is out of range`);
  const p2 = (n: number) => String(n).padStart(2, '0');
  const year = d.getUTCFullYear();
  const y = `${year < 0 ? '-' : ''}${String(Math.abs(year)).padStart(4, '0')}`;
  return `${y}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}T${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
}

function intOrString(m: ParsedMessage): number | string {
  const type = num(m, 1);
  if (type === 0) return num(m, 2);
  if (type === 1) return (m.values.get(3) as string | undefined) ?? '';
  throw new ProtoError('impossible IntOrString.Type');
}

/** RawExtension and FieldsV1 print the JSON they hold; nothing held prints null. */
function embeddedJson(m: ParsedMessage): unknown {
  const raw = m.values.get(1) as Buffer | undefined;
  if (!raw || raw.length === 0) return null;
  try {
    return parseGoJson(raw).value;
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw new ProtoError(`failed to parse RawExtension bytes as JSON: ${e.message}`);
    throw e;
  }
}
