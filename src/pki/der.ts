// ASN.1 DER: the few types X.509 certificates need, and a reader for finding fields in one.

const TAG = {
  boolean: 0x01, integer: 0x02, bitString: 0x03, octetString: 0x04, null: 0x05, oid: 0x06,
  utf8String: 0x0c, printableString: 0x13, ia5String: 0x16, utcTime: 0x17, generalizedTime: 0x18,
  sequence: 0x30, set: 0x31,
} as const;

/** One tag-length-value element. */
export function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export const sequence = (...items: Buffer[]): Buffer => tlv(TAG.sequence, Buffer.concat(items));

/** SET OF: DER orders the elements by their encodings. */
export const set = (...items: Buffer[]): Buffer => tlv(TAG.set, Buffer.concat([...items].sort(Buffer.compare)));

export const boolean = (value: boolean): Buffer => tlv(TAG.boolean, Buffer.from([value ? 0xff : 0x00]));

/** A non-negative INTEGER from its big-endian magnitude (or a small number). */
export function integer(value: Buffer | number): Buffer {
  let bytes = typeof value === 'number' ? numberBytes(value) : value;
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++; // minimal: no leading zero bytes
  bytes = bytes.subarray(start);
  if (bytes.length === 0) bytes = Buffer.from([0]);
  if (bytes[0] & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]); // keep it positive
  return tlv(TAG.integer, bytes);
}

function numberBytes(n: number): Buffer {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`DER integer must be a whole number >= 0, got ${n}`);
  const bytes: number[] = [];
  do {
    bytes.unshift(n & 0xff);
    n = Math.floor(n / 256);
  } while (n > 0);
  return Buffer.from(bytes);
}

export function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  if (parts.length < 2 || parts.some((p) => !Number.isSafeInteger(p) || p < 0)) throw new Error(`bad object identifier ${dotted}`);
  const bytes: number[] = [];
  for (const sub of [parts[0] * 40 + parts[1], ...parts.slice(2)]) {
    const chunk = [sub & 0x7f]; // base 128, high bit set on all but the last byte
    for (let n = Math.floor(sub / 128); n > 0; n = Math.floor(n / 128)) chunk.unshift((n & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(TAG.oid, Buffer.from(bytes));
}

export const nullValue = (): Buffer => tlv(TAG.null, Buffer.alloc(0));
export const octetString = (content: Buffer): Buffer => tlv(TAG.octetString, content);
export const utf8String = (text: string): Buffer => tlv(TAG.utf8String, Buffer.from(text, 'utf8'));

/** IA5String: ASCII only. */
export function ia5String(text: string): Buffer {
  if (!/^[\x00-\x7f]*$/.test(text)) throw new Error(`"${text}" is not ASCII`);
  return tlv(TAG.ia5String, Buffer.from(text, 'latin1'));
}

export const bitString = (content: Buffer, unusedBits = 0): Buffer =>
  tlv(TAG.bitString, Buffer.concat([Buffer.from([unusedBits]), content]));

/** A BIT STRING of named bits (bit 0 first), trailing zero bits dropped as DER requires. */
export function namedBits(bits: number[]): Buffer {
  if (bits.length === 0) return bitString(Buffer.alloc(0));
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[Math.floor(bit / 8)] |= 0x80 >> bit % 8;
  return bitString(bytes, 7 - (highest % 8));
}

/** X.509 Time: UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5). */
export function time(date: Date): Buffer {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  const year = date.getUTCFullYear();
  if (year >= 1950 && year < 2050) return tlv(TAG.utcTime, Buffer.from(`${digits.slice(2)}Z`, 'latin1'));
  return tlv(TAG.generalizedTime, Buffer.from(`${digits}Z`, 'latin1'));
}

/** [n] EXPLICIT: wraps a complete element. */
export const explicit = (n: number, element: Buffer): Buffer => tlv(0xa0 | n, element);

/** [n] IMPLICIT of a primitive type: replaces its tag. */
export const implicit = (n: number, content: Buffer): Buffer => tlv(0x80 | n, content);

// --- reading -------------------------------------------------------------------------------

export interface Element {
  tag: number;
  /** The whole element, header included. */
  raw: Buffer;
  content: Buffer;
}

/** The element at the start of der. */
export function read(der: Buffer): Element {
  if (der.length < 2) throw new Error('DER: truncated element');
  const tag = der[0];
  let length = der[1];
  let header = 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || der.length < 2 + count) throw new Error('DER: bad length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[2 + i];
    header += count;
  }
  if (der.length < header + length) throw new Error('DER: truncated element');
  return { tag, raw: der.subarray(0, header + length), content: der.subarray(header, header + length) };
}

/** The elements inside a constructed element's content. */
export function children(content: Buffer): Element[] {
  const out: Element[] = [];
  for (let rest = content; rest.length > 0; ) {
    const element = read(rest);
    out.push(element);
    rest = rest.subarray(element.raw.length);
  }
  return out;
}

/** Decodes an OBJECT IDENTIFIER's content to dotted form. */
export function readOid(content: Buffer): string {
  const subs: number[] = [];
  let n = 0;
  for (const byte of content) {
    n = n * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      subs.push(n);
      n = 0;
    }
  }
  const first = subs[0] ?? 0;
  const top = first < 80 ? Math.floor(first / 40) : 2;
  return [top, first - top * 40, ...subs.slice(1)].join('.');
}
