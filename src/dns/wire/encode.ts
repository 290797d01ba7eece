// DNS message writer: name compression (RFC 1035 4.1.4, only where RFC 3597 allows it) and
// truncation to a size limit. A message that does not fit keeps its header, question and OPT
// record and as many records as fit, in order (answers, then authority, then additional), and
// gets the TC bit when any record was left out, as miekg/dns (and so CoreDNS) does.

import { COMPRESSIBLE_RDATA, MAX_MESSAGE_SIZE, RRType } from './constants.js';
import { WireFormatError } from './errors.js';
import { parseIPv6, writeIPv4 } from './ip.js';
import { MAX_LABEL_LENGTH, MAX_NAME_LENGTH, textToLabels } from './names.js';
import type { Edns, Message, ResourceRecord } from './types.js';

export interface EncodeOptions {
  /** Largest message to produce; records beyond it are dropped and TC is set. Default 65535. */
  maxSize?: number;
}

/** Thrown (one shared instance, no stack) when a write would pass the size limit. */
const OVERFLOW = { overflow: true };

class Writer {
  buf = SCRATCH;
  offset = 0;
  limit = MAX_MESSAGE_SIZE;
  names = new Map<string, number>();

  ensure(n: number): void {
    if (this.offset + n > this.limit) throw OVERFLOW;
  }
  u8(v: number): void { this.ensure(1); this.buf[this.offset++] = v; }
  u16(v: number): void { this.ensure(2); this.buf.writeUInt16BE(v & 0xffff, this.offset); this.offset += 2; }
  u32(v: number): void { this.ensure(4); this.buf.writeUInt32BE(v >>> 0, this.offset); this.offset += 4; }
  bytes(b: Buffer): void { this.ensure(b.length); b.copy(this.buf, this.offset); this.offset += b.length; }

  /** Writes a name, pointing to an earlier copy of its longest known suffix when `compress`. */
  name(name: string, compress: boolean): void {
    if (name === '.' || name === '') { this.u8(0); return; }
    const full = name.endsWith('.') ? name : name + '.';
    if (full.includes('\\')) { this.escapedName(full, compress); return; }
    let start = 0;
    let wire = 1;
    while (start < full.length) {
      const suffix = start === 0 ? full : full.slice(start);
      if (compress) {
        const at = this.names.get(suffix);
        if (at !== undefined) { this.u16(0xc000 | at); return; }
      }
      if (this.offset < 0x3fff && !this.names.has(suffix)) this.names.set(suffix, this.offset);
      const dot = full.indexOf('.', start);
      const len = dot - start;
      if (len === 0) throw new WireFormatError(`empty label in name "${name}"`);
      if (len > MAX_LABEL_LENGTH) throw new WireFormatError(`label longer than 63 octets in name "${name}"`);
      wire += len + 1;
      if (wire > MAX_NAME_LENGTH) throw new WireFormatError(`name longer than 255 octets: "${name}"`);
      this.ensure(len + 1);
      this.buf[this.offset] = len;
      const written = this.buf.write(full.slice(start, dot), this.offset + 1, 'latin1');
      if (written !== len) throw new WireFormatError(`non-ASCII character in name "${name}"`);
      this.offset += len + 1;
      start = dot + 1;
    }
    this.u8(0);
  }

  /** Names holding escapes: converted label by label; compressed on the wire form of each suffix. */
  private escapedName(full: string, compress: boolean): void {
    const labels = textToLabels(full);
    for (let i = 0; i < labels.length; i++) {
      const key = '\\wire:' + labels.slice(i).map((l) => l.toString('hex')).join('.');
      if (compress) {
        const at = this.names.get(key);
        if (at !== undefined) { this.u16(0xc000 | at); return; }
      }
      if (this.offset < 0x3fff && !this.names.has(key)) this.names.set(key, this.offset);
      this.u8(labels[i].length);
      this.bytes(labels[i]);
    }
    this.u8(0);
  }
}

const SCRATCH = Buffer.allocUnsafe(MAX_MESSAGE_SIZE + 1);

function writeRecord(w: Writer, rr: ResourceRecord): void {
  w.name(rr.name, true);
  w.u16(rr.type);
  w.u16(rr.class);
  w.u32(rr.ttl);
  w.u16(0); // RDLENGTH, filled in below
  const start = w.offset;
  const compress = COMPRESSIBLE_RDATA.has(rr.type);
  if ('rdata' in rr) {
    w.bytes(rr.rdata);
  } else {
    switch (rr.type) {
      case RRType.A:
        w.ensure(4);
        if (!writeIPv4(rr.address, w.buf, w.offset)) throw new WireFormatError(`A record ${rr.name} has no IPv4 address: "${rr.address}"`);
        w.offset += 4;
        break;
      case RRType.AAAA: {
        const b = parseIPv6(rr.address);
        if (!b) throw new WireFormatError(`AAAA record ${rr.name} has no IPv6 address: "${rr.address}"`);
        w.bytes(b);
        break;
      }
      case RRType.NS: case RRType.CNAME: case RRType.PTR:
        w.name(rr.target, compress);
        break;
      case RRType.MX:
        w.u16(rr.preference);
        w.name(rr.exchange, compress);
        break;
      case RRType.SRV:
        w.u16(rr.priority); w.u16(rr.weight); w.u16(rr.port);
        w.name(rr.target, false); // RFC 2782: the target is never compressed
        break;
      case RRType.SOA:
        w.name(rr.mname, compress);
        w.name(rr.rname, compress);
        w.u32(rr.serial); w.u32(rr.refresh); w.u32(rr.retry); w.u32(rr.expire); w.u32(rr.minimum);
        break;
      case RRType.TXT:
        for (const t of rr.texts) {
          const b = Buffer.from(t, 'latin1');
          if (b.length > 255) throw new WireFormatError(`TXT string longer than 255 octets in ${rr.name}`);
          w.u8(b.length);
          w.bytes(b);
        }
        break;
    }
  }
  const len = w.offset - start;
  if (len > 0xffff) throw new WireFormatError(`record data of ${rr.name} longer than 65535 octets`);
  w.buf.writeUInt16BE(len, start - 2);
}

function optLength(edns: Edns): number {
  return 11 + edns.options.reduce((n, o) => n + 4 + o.data.length, 0);
}

function writeOpt(w: Writer, edns: Edns, rcode: number): void {
  w.u8(0);
  w.u16(RRType.OPT);
  w.u16(edns.udpSize);
  w.u32(((rcode >> 4) << 24) | ((edns.version & 0xff) << 16) | (edns.dnssecOk ? 0x8000 : 0));
  w.u16(edns.options.reduce((n, o) => n + 4 + o.data.length, 0));
  for (const o of edns.options) { w.u16(o.code); w.u16(o.data.length); w.bytes(o.data); }
}

/** Serialises `msg`, truncating to `maxSize` as described above. Throws WireFormatError on bad data. */
export function encodeMessage(msg: Message, opts: EncodeOptions = {}): Buffer {
  const maxSize = Math.min(opts.maxSize ?? MAX_MESSAGE_SIZE, MAX_MESSAGE_SIZE);
  if (msg.rcode > 0xf && !msg.edns) throw new WireFormatError(`rcode ${msg.rcode} needs an OPT record`);
  const w = new Writer();
  w.limit = maxSize - (msg.edns ? optLength(msg.edns) : 0);
  if (w.limit < 12) throw new WireFormatError(`size limit ${maxSize} leaves no room for a message`);
  w.offset = 12;
  try {
    for (const q of msg.questions) { w.name(q.name, true); w.u16(q.type); w.u16(q.class); }
  } catch (e) {
    if (e === OVERFLOW) throw new WireFormatError(`the question does not fit in ${maxSize} octets`);
    throw e;
  }
  let truncated = false;
  const counts = [0, 0, 0];
  const sections = [msg.answers, msg.authorities, msg.additionals];
  outer: for (let s = 0; s < 3; s++) {
    for (const rr of sections[s]) {
      const mark = w.offset;
      try {
        writeRecord(w, rr);
      } catch (e) {
        if (e !== OVERFLOW) throw e;
        w.offset = mark;
        truncated = true;
        break outer;
      }
      counts[s]++;
    }
  }
  w.limit = maxSize;
  if (msg.edns) writeOpt(w, msg.edns, msg.rcode);
  const b = w.buf;
  b.writeUInt16BE(msg.id & 0xffff, 0);
  let flags = (msg.opcode & 0xf) << 11 | (msg.rcode & 0xf);
  if (msg.qr) flags |= 0x8000;
  if (msg.aa) flags |= 0x0400;
  if (msg.tc || truncated) flags |= 0x0200;
  if (msg.rd) flags |= 0x0100;
  if (msg.ra) flags |= 0x0080;
  if (msg.z) flags |= 0x0040;
  if (msg.ad) flags |= 0x0020;
  if (msg.cd) flags |= 0x0010;
  b.writeUInt16BE(flags, 2);
  b.writeUInt16BE(msg.questions.length, 4);
  b.writeUInt16BE(counts[0], 6);
  b.writeUInt16BE(counts[1], 8);
  b.writeUInt16BE(counts[2] + (msg.edns ? 1 : 0), 10);
  return Buffer.from(b.subarray(0, w.offset));
}
