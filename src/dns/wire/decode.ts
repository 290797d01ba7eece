// Strict DNS message parser: anything that is not exactly a well-formed message (truncated
// fields, bad label types, compression loops or forward pointers, RDATA that does not fill its
// length, misplaced or repeated OPT, trailing bytes) throws WireFormatError.

import { RRType } from './constants.js';
import { WireFormatError } from './errors.js';
import { formatIPv4, formatIPv6 } from './ip.js';
import { labelToText, MAX_NAME_LENGTH } from './names.js';
import type { Edns, Header, Message, Question, ResourceRecord } from './types.js';

export const HEADER_SIZE = 12;

/** The header of a message, or null when fewer than 12 bytes arrived. */
export function decodeHeader(buf: Buffer): Header | null {
  if (buf.length < HEADER_SIZE) return null;
  const flags = buf.readUInt16BE(2);
  return {
    id: buf.readUInt16BE(0),
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    rd: (flags & 0x0100) !== 0,
    cd: (flags & 0x0010) !== 0,
    qdcount: buf.readUInt16BE(4),
    ancount: buf.readUInt16BE(6),
    nscount: buf.readUInt16BE(8),
    arcount: buf.readUInt16BE(10),
  };
}

class Reader {
  constructor(readonly buf: Buffer, public offset: number) {}

  need(n: number, what: string): void {
    if (this.offset + n > this.buf.length) throw new WireFormatError(`message ends inside ${what}`);
  }

  u8(what: string): number { this.need(1, what); return this.buf[this.offset++]; }
  u16(what: string): number { this.need(2, what); const v = this.buf.readUInt16BE(this.offset); this.offset += 2; return v; }
  u32(what: string): number { this.need(4, what); const v = this.buf.readUInt32BE(this.offset); this.offset += 4; return v; }

  /** Reads a possibly compressed name; every pointer must point before the labels that led to it. */
  name(): string {
    const buf = this.buf;
    let pos = this.offset;
    let bound = pos; // a pointer may only go below this, so pointer chains always end
    let jumped = false;
    let wire = 0;
    let out = '';
    for (;;) {
      if (pos >= buf.length) throw new WireFormatError('message ends inside a name');
      const len = buf[pos];
      if (len === 0) {
        if (!jumped) this.offset = pos + 1;
        break;
      }
      const kind = len & 0xc0;
      if (kind === 0xc0) {
        if (pos + 1 >= buf.length) throw new WireFormatError('message ends inside a compression pointer');
        const target = ((len & 0x3f) << 8) | buf[pos + 1];
        if (target >= bound) throw new WireFormatError('compression pointer does not point backwards');
        if (!jumped) this.offset = pos + 2;
        jumped = true;
        bound = target;
        pos = target;
        continue;
      }
      if (kind !== 0) throw new WireFormatError(`unsupported label type 0x${kind.toString(16)}`);
      if (pos + 1 + len > buf.length) throw new WireFormatError('message ends inside a label');
      wire += len + 1;
      if (wire + 1 > MAX_NAME_LENGTH) throw new WireFormatError('name longer than 255 octets');
      out += labelToText(buf, pos + 1, pos + 1 + len) + '.';
      pos += 1 + len;
    }
    return out === '' ? '.' : out;
  }
}

function readQuestion(r: Reader): Question {
  const name = r.name();
  const type = r.u16('a question');
  const cls = r.u16('a question');
  return { name, type, class: cls };
}

interface Sections { records: ResourceRecord[]; edns?: Edns; ednsRcode: number }

function readRecord(r: Reader, out: Sections, additional: boolean): void {
  const name = r.name();
  const type = r.u16('a record header');
  const cls = r.u16('a record header');
  const ttl = r.u32('a record header');
  const rdlength = r.u16('a record header');
  r.need(rdlength, 'record data');
  const end = r.offset + rdlength;
  const exact = (what: string): void => {
    if (r.offset !== end) throw new WireFormatError(`${what} record data does not fill its length`);
  };
  const buf = r.buf;
  switch (type) {
    case RRType.A:
      if (rdlength !== 4) throw new WireFormatError('A record data is not 4 octets');
      out.records.push({ name, type, class: cls, ttl, address: formatIPv4(buf, r.offset) });
      r.offset = end;
      return;
    case RRType.AAAA:
      if (rdlength !== 16) throw new WireFormatError('AAAA record data is not 16 octets');
      out.records.push({ name, type, class: cls, ttl, address: formatIPv6(buf, r.offset) });
      r.offset = end;
      return;
    case RRType.NS: case RRType.CNAME: case RRType.PTR: {
      const target = r.name();
      exact('name');
      out.records.push({ name, type, class: cls, ttl, target });
      return;
    }
    case RRType.MX: {
      const preference = r.u16('MX data');
      const exchange = r.name();
      exact('MX');
      out.records.push({ name, type, class: cls, ttl, preference, exchange });
      return;
    }
    case RRType.SRV: {
      const priority = r.u16('SRV data');
      const weight = r.u16('SRV data');
      const port = r.u16('SRV data');
      const target = r.name();
      exact('SRV');
      out.records.push({ name, type, class: cls, ttl, priority, weight, port, target });
      return;
    }
    case RRType.SOA: {
      const mname = r.name();
      const rname = r.name();
      const serial = r.u32('SOA data'), refresh = r.u32('SOA data'), retry = r.u32('SOA data');
      const expire = r.u32('SOA data'), minimum = r.u32('SOA data');
      exact('SOA');
      out.records.push({ name, type, class: cls, ttl, mname, rname, serial, refresh, retry, expire, minimum });
      return;
    }
    case RRType.TXT: {
      const texts: string[] = [];
      while (r.offset < end) {
        const len = buf[r.offset];
        if (r.offset + 1 + len > end) throw new WireFormatError('TXT string runs past its record');
        texts.push(buf.toString('latin1', r.offset + 1, r.offset + 1 + len));
        r.offset += 1 + len;
      }
      out.records.push({ name, type, class: cls, ttl, texts });
      return;
    }
    case RRType.OPT: {
      if (!additional) throw new WireFormatError('OPT record outside the additional section');
      if (out.edns) throw new WireFormatError('more than one OPT record');
      if (name !== '.') throw new WireFormatError('OPT record with a name other than the root');
      const options = [];
      while (r.offset < end) {
        if (r.offset + 4 > end) throw new WireFormatError('EDNS option header runs past its record');
        const code = buf.readUInt16BE(r.offset);
        const len = buf.readUInt16BE(r.offset + 2);
        if (r.offset + 4 + len > end) throw new WireFormatError('EDNS option runs past its record');
        options.push({ code, data: Buffer.from(buf.subarray(r.offset + 4, r.offset + 4 + len)) });
        r.offset += 4 + len;
      }
      out.edns = { udpSize: cls, version: (ttl >>> 16) & 0xff, dnssecOk: (ttl & 0x8000) !== 0, options };
      out.ednsRcode = ttl >>> 24;
      return;
    }
    default:
      out.records.push({ name, type, class: cls, ttl, rdata: Buffer.from(buf.subarray(r.offset, end)) });
      r.offset = end;
  }
}

/** Parses a whole message. Throws WireFormatError for anything malformed. */
export function decodeMessage(buf: Buffer): Message {
  const h = decodeHeader(buf);
  if (!h) throw new WireFormatError('message shorter than its 12-octet header');
  const flags = buf.readUInt16BE(2);
  const r = new Reader(buf, HEADER_SIZE);
  const questions: Question[] = [];
  for (let i = 0; i < h.qdcount; i++) questions.push(readQuestion(r));
  const section = (count: number, additional: boolean, into: Sections): ResourceRecord[] => {
    into.records = [];
    for (let i = 0; i < count; i++) readRecord(r, into, additional);
    return into.records;
  };
  const s: Sections = { records: [], ednsRcode: 0 };
  const answers = section(h.ancount, false, s);
  const authorities = section(h.nscount, false, s);
  const additionals = section(h.arcount, true, s);
  if (r.offset !== buf.length) throw new WireFormatError(`${buf.length - r.offset} octets after the last record`);
  return {
    id: h.id,
    qr: h.qr,
    opcode: h.opcode,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: h.rd,
    ra: (flags & 0x0080) !== 0,
    z: (flags & 0x0040) !== 0,
    ad: (flags & 0x0020) !== 0,
    cd: h.cd,
    rcode: (s.ednsRcode << 4) | (flags & 0xf),
    questions,
    answers,
    authorities,
    additionals,
    edns: s.edns,
  };
}
