// Decoding a JSON value into a schema type, as upstream's three typed decoders do, each with its
// own words:
//   'json'         encoding/json into Go structs (create, update, JSON and merge patches):
//                  "json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32"
//   'unstructured' runtime.DefaultUnstructuredConverter (after a strategic merge patch):
//                  "cannot restore struct from: string"
//   'apply'        structured-merge-diff's typed values (server-side apply):
//                  ".spec.ports[port=80,protocol=\"TCP\"].port: expected numeric (int or float), got string"
// The result keeps what the typed object would keep: unknown fields and nulls dropped, byte
// fields in canonical base64, numeric quantities as strings.

import { goQuote } from '../../kube/errors.js';
import { type FieldDef, type StructDef, type TypeRef, goTypeName, shortName, structDef } from '../openapi/schema.js';
import { goFloat, goKindOf, goSharpV, goSprintV, goTypeOf, jsonKind } from './gofmt.js';
import { isObject, setOwn } from './json.js';
import { base64Error, quantityError, timeParseError } from './scalars.js';

export type TypedStyle = 'json' | 'unstructured' | 'apply';
/** 'prune' only drops unknown fields and nulls: it never fails. */
type WalkStyle = TypedStyle | 'prune';

export interface TypedResult {
  value: Record<string, unknown>;
  /** Unknown fields as strict decoding prints their paths ("spec.ports[0].nodeport"), in document order. */
  unknownFields: string[];
  /** Why the value does not fit the type, in the style's words; unset when it fits. */
  error?: string;
}

type Segment =
  | { field: string; struct: string }
  | { index: number; item?: string } // item: the server-side apply path element ([name="x"], [="v"])
  | { key: string };

/** Thrown to stop at the first error (json and unstructured styles stop there, as Go does). */
class Stop extends Error {}

/** structured-merge-diff's value.ToString, for list keys in paths. */
export function smdValueString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number') return goFloat(v);
  if (Array.isArray(v)) return `[${v.map(smdValueString).join(',')}]`;
  if (typeof v === 'object') return Object.entries(v).map(([k, x]) => `${k}=${smdValueString(x)}`).join('');
  return String(v);
}

/** The path element of a list-map item: [name="nginx"], [containerPort=80,protocol="TCP"]. Keys missing from the item use the field's default. */
export function listItemKey(item: Record<string, unknown>, keys: string[], itemStruct: StructDef | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of [...keys].sort()) {
    if (item[k] !== undefined && item[k] !== null) out[k] = item[k];
    else if (itemStruct?.fields.get(k)?.default !== undefined) out[k] = itemStruct.fields.get(k)!.default;
  }
  return out;
}

function keyPathElement(key: Record<string, unknown>): string {
  return `[${Object.entries(key).map(([k, v]) => `${k}=${smdValueString(v)}`).join(',')}]`;
}

class Walker {
  readonly unknownFields: string[] = [];
  readonly errors: string[] = [];

  constructor(private readonly style: WalkStyle) {}

  // ---- paths ----

  private strictPath(segs: Segment[]): string {
    let out = '';
    for (const s of segs) {
      if ('index' in s) out += `[${s.index}]`;
      else {
        const name = 'field' in s ? s.field : s.key;
        out += out ? `.${name}` : name;
      }
    }
    return out;
  }

  private applyPath(segs: Segment[]): string {
    return segs.map((s) => ('index' in s ? s.item ?? `[${s.index}]` : `.${'field' in s ? s.field : s.key}`)).join('');
  }

  /** Go's "Go struct field ServicePort.spec.ports.port" (or "Go value" at the root). */
  private goContext(segs: Segment[]): string {
    const fields = segs.filter((s): s is { field: string; struct: string } => 'field' in s);
    if (!fields.length) return 'Go value';
    return `Go struct field ${shortName(fields[fields.length - 1].struct)}.${fields.map((f) => f.field).join('.')}`;
  }

  // ---- errors ----

  private fail(segs: Segment[], message: string): undefined {
    if (this.style === 'apply') {
      const path = this.applyPath(segs);
      this.errors.push(path ? `${path}: ${message}` : message);
      return undefined;
    }
    this.errors.push(message);
    throw new Stop();
  }

  /** The value's JSON kind does not fit the type. */
  private mismatch(v: unknown, ref: TypeRef, segs: Segment[], go: string | undefined): unknown {
    if (this.style === 'prune') return v;
    const goName = go ?? goTypeName(ref);
    if (this.style === 'json') {
      return this.fail(segs, `json: cannot unmarshal ${jsonKind(v)} into ${this.goContext(segs)} of type ${goName}`);
    }
    if (this.style === 'unstructured') {
      if (ref.kind === 'struct') return this.fail(segs, `cannot restore struct from: ${goKindOf(v)}`);
      if (ref.kind === 'list') return this.fail(segs, `cannot restore slice from ${goKindOf(v)}`);
      if (ref.kind === 'map') return this.fail(segs, `cannot restore map from ${goKindOf(v)}`);
      // Go converts int64 to string kinds (then refuses) and refuses other kinds outright.
      const dstKind = { boolean: 'bool', double: 'float64', int32: 'int32', int64: 'int64' }[ref.scalar as string] ?? 'string';
      if (goTypeOf(v) === 'int64' && dstKind === 'string') return this.fail(segs, `cannot convert int64 to ${goName}`);
      if (goTypeOf(v) === 'float64' && dstKind.startsWith('int')) return this.fail(segs, `cannot convert float64 to ${goName}`);
      return this.fail(segs, `unrecognized type: ${dstKind}`);
    }
    if (ref.kind === 'struct' || ref.kind === 'map') return this.fail(segs, `expected map, got &{${goSprintV(v)}}`);
    if (ref.kind === 'list') return this.fail(segs, `expected list, got &{${goSprintV(v)}}`);
    switch (ref.scalar) {
      case 'int32': case 'int64': case 'double':
        return this.fail(segs, `expected numeric (int or float), got ${goTypeOf(v)}`);
      case 'boolean':
        return this.fail(segs, `expected boolean, got &{${goSprintV(v)}}`);
      case 'int-or-string': case 'quantity':
        return this.fail(segs, `expected any scalar, got &{${goSprintV(v)}}`);
      default:
        return this.fail(segs, `expected string, got &value.valueUnstructured{Value:${goSharpV(v)}}`);
    }
  }

  // ---- walking ----

  walk(v: unknown, ref: TypeRef, segs: Segment[], go?: string): unknown {
    if (v === null || v === undefined) return undefined;
    switch (ref.kind) {
      case 'struct': return this.struct(v, structDef(ref.name)!, ref, segs, go);
      case 'list': return this.list(v, ref, segs, go);
      case 'map': return this.map(v, ref, segs, go);
      case 'scalar': return this.scalar(v, ref, segs, go);
    }
  }

  struct(v: unknown, def: StructDef, ref: TypeRef, segs: Segment[], go?: string): unknown {
    if (!isObject(v)) return this.mismatch(v, ref, segs, go);
    const out: Record<string, unknown> = {};
    for (const [key, fv] of Object.entries(v)) {
      const field = def.fields.get(key);
      if (!field && def.open) {
        setOwn(out, key, fv);
        continue;
      }
      if (!field) {
        if (this.style === 'apply') this.fail([...segs, { key }], 'field not declared in schema');
        else this.unknownFields.push(this.strictPath([...segs, { key }]));
        continue;
      }
      const r = this.walk(fv, field.type, [...segs, { field: key, struct: def.name }], field.go);
      if (r !== undefined) setOwn(out, key, r);
    }
    return out;
  }

  private list(v: unknown, ref: TypeRef & { kind: 'list' }, segs: Segment[], go?: string): unknown {
    if (!Array.isArray(v)) return this.mismatch(v, ref, segs, go);
    const field = this.fieldOf(segs);
    const itemGo = go?.startsWith('[]') ? go.slice(2) : undefined;
    const seen = new Set<string>();
    const out: unknown[] = [];
    v.forEach((item, index) => {
      const seg: Segment = { index };
      if (this.style === 'apply') {
        const pe = this.applyItem(item, index, ref, field, segs);
        if (pe === undefined) return;
        if (pe !== `[${index}]`) {
          if (seen.has(pe)) this.fail(segs, `duplicate entries for key ${pe}`);
          seen.add(pe);
        }
        seg.item = pe;
      }
      const r = this.walk(item, ref.items, [...segs, seg], itemGo);
      // Go keeps null list items as zero values; an unknown-only object stays as {}.
      out.push(r === undefined ? null : r);
    });
    return out;
  }

  /** Server-side apply's path element for a list item, or undefined after reporting why it has none. */
  private applyItem(item: unknown, index: number, ref: TypeRef & { kind: 'list' }, field: FieldDef | undefined, segs: Segment[]): string | undefined {
    if (field?.listType === 'set') return `[=${smdValueString(item)}]`;
    if (field?.listType !== 'map' || !field.listMapKeys) return `[${index}]`;
    const keys = field.listMapKeys;
    if (item === null) return this.fail(segs, `element ${index}: associative list with keys may not have a null element`);
    if (!isObject(item)) return this.fail(segs, `element ${index}: associative list with keys may not have non-map elements`);
    const key = listItemKey(item, keys, ref.items.kind === 'struct' ? structDef(ref.items.name) : undefined);
    if (!Object.keys(key).length) {
      return this.fail(segs, `element ${index}: associative list with keys has an element that omits all key fields [${keys.map(goQuote).join(' ')}] (and doesn't have default values for any key fields)`);
    }
    return keyPathElement(key);
  }

  private fieldOf(segs: Segment[]): FieldDef | undefined {
    const last = segs[segs.length - 1];
    return last && 'field' in last ? structDef(last.struct)?.fields.get(last.field) : undefined;
  }

  private map(v: unknown, ref: TypeRef & { kind: 'map' }, segs: Segment[], go?: string): unknown {
    if (!isObject(v)) return this.mismatch(v, ref, segs, go);
    const valueGo = go?.startsWith('map[') ? go.slice(go.indexOf(']') + 1) : undefined;
    const out: Record<string, unknown> = {};
    for (const [key, x] of Object.entries(v)) {
      const r = this.walk(x, ref.values, [...segs, { key }], valueGo);
      // A null map value stays (as Go's zero value) so that keys are not lost.
      setOwn(out, key, r === undefined ? (ref.values.kind === 'scalar' && ref.values.scalar === 'string' ? '' : null) : r);
    }
    return out;
  }

  private scalar(v: unknown, ref: TypeRef & { kind: 'scalar' }, segs: Segment[], go?: string): unknown {
    if (this.style === 'prune') return v;
    const apply = this.style === 'apply';
    switch (ref.scalar) {
      case 'object':
        return v;
      case 'string':
        return typeof v === 'string' ? v : this.mismatch(v, ref, segs, go);
      case 'boolean':
        return typeof v === 'boolean' ? v : this.mismatch(v, ref, segs, go);
      case 'double':
        return typeof v === 'number' ? v : this.mismatch(v, ref, segs, go);
      case 'int32': case 'int64': {
        if (typeof v !== 'number') return this.mismatch(v, ref, segs, go);
        if (apply) return v;
        // The unstructured converter truncates out-of-range integers as Go conversions do.
        const limit = ref.scalar === 'int32' ? 2 ** 31 : 2 ** 63;
        if (Number.isInteger(v) && (this.style === 'unstructured' || (v >= -limit && v < limit))) return v;
        if (this.style === 'unstructured') return this.mismatch(v, ref, segs, go);
        return this.fail(segs, `json: cannot unmarshal number ${goFloat(v)} into ${this.goContext(segs)} of type ${go ?? ref.scalar}`);
      }
      case 'int-or-string': {
        if (typeof v === 'string') return v;
        if (apply) return typeof v === 'number' || typeof v === 'boolean' ? v : this.mismatch(v, ref, segs, go);
        // IntOrString decodes a non-string as an int32, outside the struct's error context.
        if (typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31) return v;
        const what = typeof v === 'number' ? `number ${goFloat(v)}` : jsonKind(v);
        return this.fail(segs, `json: cannot unmarshal ${what} into Go value of type int32`);
      }
      case 'quantity': {
        if (apply) return typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' ? v : this.mismatch(v, ref, segs, go);
        if (typeof v === 'number') return String(v);
        const err = quantityError(typeof v === 'string' ? v : JSON.stringify(v));
        return err ? this.fail(segs, err) : v;
      }
      case 'byte': {
        if (typeof v !== 'string') return this.mismatch(v, ref, segs, go);
        if (apply) return v;
        const err = base64Error(v);
        if (err) return this.fail(segs, this.style === 'unstructured' ? `error decoding from json: ${err}` : err);
        return Buffer.from(v, 'base64').toString('base64');
      }
      case 'date-time': case 'micro-time': {
        if (typeof v !== 'string') {
          if (apply) return this.mismatch(v, ref, segs, go);
          return this.fail(segs, `json: cannot unmarshal ${jsonKind(v)} into Go value of type string`);
        }
        const err = apply ? undefined : timeParseError(v, ref.scalar === 'micro-time');
        return err ? this.fail(segs, err) : v;
      }
    }
  }
}

/** Decodes `value` (parsed JSON) as the struct `structName`; see TypedResult. */
export function decodeTyped(value: unknown, structName: string, style: TypedStyle): TypedResult {
  return walk(value, structName, style);
}

/**
 * Drops the fields the schema of `structName` does not know (and null values), as decoding into
 * the typed object does under fieldValidation=Ignore or Warn; values of the wrong type are kept.
 */
export function pruneUnknownFields(value: Record<string, unknown>, structName: string): { value: Record<string, unknown>; unknownFields: string[] } {
  const { value: pruned, unknownFields } = walk(value, structName, 'prune');
  return { value: pruned, unknownFields };
}

function walk(value: unknown, structName: string, style: WalkStyle): TypedResult {
  const def = structDef(structName);
  if (!def) throw new Error(`decodeTyped: unknown type ${structName}`);
  const walker = new Walker(style);
  let out: unknown;
  try {
    out = walker.struct(value, def, { kind: 'struct', name: structName }, [], `v1.${shortName(structName)}`);
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
  }
  const error = walker.errors.length === 0 ? undefined
    : walker.errors.length === 1 ? walker.errors[0]
      : ['errors:', ...walker.errors.map((e) => `  ${e}`)].join('\n');
  return { value: (out ?? {}) as Record<string, unknown>, unknownFields: walker.unknownFields, error };
}
