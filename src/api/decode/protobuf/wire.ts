// The protobuf wire format as upstream's generated (gogo) Unmarshal code reads it, failing with the
// same texts: "unexpected EOF", "proto: integer overflow", "proto: negative length found during
// unmarshaling", "proto: illegal wireType 7", "proto: unexpected end of group".
//
// Varints are read as two 32-bit halves of Go's uint64, not as BigInt: Node 20's optimizing
// compiler aborts the process on hot BigInt.asUintN loops (a V8 representation-changer bug).

/** A decoding failure, worded as Go's protobuf code words it. */
export class ProtoError extends Error {
  override name = 'ProtoError';
}

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

const TWO_32 = 4294967296;

const unexpectedEOF = () => new ProtoError('unexpected EOF');
const intOverflow = () => new ProtoError('proto: integer overflow');
const invalidLength = () => new ProtoError('proto: negative length found during unmarshaling');

/** A cursor over one message's bytes: [pos, end) of buf. */
export class WireReader {
  pos: number;
  /** The last varint read: its low and high 32 bits, unsigned. */
  lo = 0;
  hi = 0;

  constructor(readonly buf: Buffer, start = 0, readonly end = buf.length) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** Reads a base-128 varint into lo/hi (at most 10 bytes; bits past 64 are lost, as in Go). */
  varint(): void {
    let lo = 0;
    let hi = 0;
    for (let i = 0; ; i++) {
      if (i >= 10) throw intOverflow();
      if (this.pos >= this.end) throw unexpectedEOF();
      const b = this.buf[this.pos++];
      const bits = b & 0x7f;
      if (i < 4) lo |= bits << (7 * i);
      else if (i === 4) {
        lo |= bits << 28;
        hi |= bits >>> 4;
      } else hi |= bits << (7 * i - 32);
      if (b < 0x80) break;
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** Go's int32(v): the low 32 bits, signed. */
  int32(): number {
    this.varint();
    return this.lo | 0;
  }

  /** Go's int64(v) as a JavaScript number (exact up to 2^53). */
  int64(): number {
    this.varint();
    return (this.hi | 0) * TWO_32 + this.lo;
  }

  bool(): boolean {
    this.varint();
    return (this.lo | this.hi) !== 0;
  }

  /** A length prefix and the span it covers. */
  span(): { start: number; end: number } {
    this.varint();
    if ((this.hi | 0) < 0) throw invalidLength();
    const end = this.pos + this.hi * TWO_32 + this.lo;
    if (end > this.end) throw unexpectedEOF();
    const start = this.pos;
    this.pos = end;
    return { start, end };
  }

  bytes(): Buffer {
    const { start, end } = this.span();
    return this.buf.subarray(start, end);
  }

  /** Skips one field whose tag was just read (as skipGenerated: groups nest, end groups must match). */
  skip(wireType: number): void {
    let depth = 0;
    for (;;) {
      switch (wireType) {
        case WIRE_VARINT: this.varint(); break;
        case WIRE_FIXED64: this.advance(8); break;
        case WIRE_BYTES: this.span(); break;
        case WIRE_START_GROUP: depth++; break;
        case WIRE_END_GROUP:
          if (depth === 0) throw new ProtoError('proto: unexpected end of group');
          depth--;
          break;
        case WIRE_FIXED32: this.advance(4); break;
        default: throw new ProtoError(`proto: illegal wireType ${wireType}`);
      }
      if (depth === 0) return;
      this.varint();
      wireType = this.lo & 7;
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) throw unexpectedEOF();
    this.pos += n;
  }
}

/** Reads a field tag: Go's fieldNum = int32(wire >> 3), wireType = wire & 7. */
export function readTagBits(r: WireReader): { fieldNumber: number; wireType: number } {
  r.varint();
  return { fieldNumber: ((r.lo >>> 3) | (r.hi << 29)) | 0, wireType: r.lo & 7 };
}

/** Reads a message's field tag; `typeName` is the Go type whose Unmarshal reads it, for the error texts. */
export function readTag(r: WireReader, typeName: string): { fieldNumber: number; wireType: number } {
  const tag = readTagBits(r);
  if (tag.wireType === WIRE_END_GROUP) throw new ProtoError(`proto: ${typeName}: wiretype end group for non-group`);
  if (tag.fieldNumber <= 0) {
    const wire = r.hi ? (BigInt(r.hi) << 32n) + BigInt(r.lo) : r.lo;
    throw new ProtoError(`proto: ${typeName}: illegal tag ${tag.fieldNumber} (wire type ${wire})`);
  }
  return tag;
}
