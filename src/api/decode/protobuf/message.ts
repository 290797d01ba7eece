// Reading one message's bytes by its descriptor into a tree of field values, as the generated
// Unmarshal code does: the last occurrence of a scalar wins, a repeated message field merges into
// the earlier one, repeated numbers may come packed or one by one, map entries are {key = 1,
// value = 2}, and unknown fields are skipped.

import { type FieldDesc, type MessageDesc, messageDesc } from './descriptors.js';
import { ProtoError, readTag, readTagBits, WIRE_BYTES, WIRE_VARINT, WireReader } from './wire.js';

export type ScalarValue = string | boolean | number | Buffer;
export type MapValue = Map<string, ScalarValue | ParsedMessage>;
export type FieldValue = ScalarValue | ParsedMessage | Array<ScalarValue | ParsedMessage> | MapValue;

export interface ParsedMessage {
  desc: MessageDesc;
  /** Bytes read into it: upstream reads an empty Time as the zero time. */
  size: number;
  /** Fields that were on the wire, by number. */
  values: Map<number, FieldValue>;
}

// Upstream decodes these through another Go type, whose name its errors print.
const DECODED_AS: Record<string, string> = {
  'k8s.io.apimachinery.pkg.apis.meta.v1.Time': 'Timestamp',
  'k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime': 'Timestamp',
};

const emptyMessage = (desc: MessageDesc): ParsedMessage => ({ desc, size: 0, values: new Map() });

/** Reads buf[start, end) as a message of `desc`, merging into `into` when given. */
export function parseMessage(buf: Buffer, desc: MessageDesc, start = 0, end = buf.length, into?: ParsedMessage): ParsedMessage {
  const msg = into ?? emptyMessage(desc);
  msg.size += end - start;
  const r = new WireReader(buf, start, end);
  const typeName = DECODED_AS[desc.name] ?? desc.goType;
  while (!r.done) {
    const { fieldNumber, wireType } = readTag(r, typeName);
    const field = desc.byNumber.get(fieldNumber);
    if (!field) {
      r.skip(wireType);
      continue;
    }
    if (field.map) {
      if (wireType !== WIRE_BYTES) throw wrongWireType(wireType, field);
      const entries = (msg.values.get(field.number) as MapValue | undefined) ?? new Map();
      msg.values.set(field.number, entries);
      readMapEntry(r, field, entries);
    } else if (field.repeated) {
      const list = (msg.values.get(field.number) as Array<ScalarValue | ParsedMessage> | undefined) ?? [];
      msg.values.set(field.number, list);
      if (isNumeric(field) && wireType === WIRE_BYTES) {
        const { start: s, end: e } = r.span();
        const packed = new WireReader(buf, s, e);
        while (!packed.done) list.push(readUnchecked(packed, field));
      } else {
        list.push(readValue(r, field, wireType));
      }
    } else if (field.isMessage) {
      if (wireType !== WIRE_BYTES) throw wrongWireType(wireType, field);
      const { start: s, end: e } = r.span();
      const prior = msg.values.get(field.number) as ParsedMessage | undefined;
      msg.values.set(field.number, parseMessage(buf, messageDesc(field.type), s, e, prior));
    } else {
      msg.values.set(field.number, readValue(r, field, wireType));
    }
  }
  return msg;
}

function wrongWireType(wireType: number, field: FieldDesc): ProtoError {
  return new ProtoError(`proto: wrong wireType = ${wireType} for field ${field.goName}`);
}

const isNumeric = (field: FieldDesc) => field.type === 'bool' || field.type === 'int32' || field.type === 'int64';

/** One value of a field (a scalar, or a whole message for message fields). */
function readValue(r: WireReader, field: FieldDesc, wireType: number): ScalarValue | ParsedMessage {
  const expected = isNumeric(field) ? WIRE_VARINT : WIRE_BYTES;
  if (wireType !== expected) throw wrongWireType(wireType, field);
  return readUnchecked(r, field);
}

/** A value whose wire type is taken as given (map entries are read so upstream). */
function readUnchecked(r: WireReader, field: FieldDesc): ScalarValue | ParsedMessage {
  if (field.isMessage) {
    const { start, end } = r.span();
    return parseMessage(r.buf, messageDesc(field.type), start, end);
  }
  switch (field.type) {
    case 'string': return r.bytes().toString('utf8');
    case 'bytes': return r.bytes();
    case 'bool': return r.bool();
    case 'int32': return r.int32();
    default: return r.int64();
  }
}

function readMapEntry(r: WireReader, field: FieldDesc, entries: MapValue): void {
  const { start, end } = r.span();
  const entry = new WireReader(r.buf, start, end);
  let key = '';
  let value: ScalarValue | ParsedMessage | undefined;
  while (!entry.done) {
    const { fieldNumber, wireType } = readTagBits(entry);
    if (fieldNumber === 1) key = entry.bytes().toString('utf8');
    else if (fieldNumber === 2) value = readUnchecked(entry, field);
    else entry.skip(wireType);
  }
  entries.set(key, value ?? zeroValue(field));
}

/** A map entry without a value holds the zero value of its type. */
function zeroValue(field: FieldDesc): ScalarValue | ParsedMessage {
  if (field.isMessage) return emptyMessage(messageDesc(field.type));
  return field.type === 'bytes' ? Buffer.alloc(0) : '';
}
