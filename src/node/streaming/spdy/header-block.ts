// SPDY/3 header blocks: name/value pairs, zlib-compressed with the SPDY dictionary in one deflate
// stream per direction that lives as long as the connection, each block ending in a sync flush.
//
// Both directions are done synchronously and statelessly per block: a block starts on a deflate
// block boundary, so it can be inflated (or deflated) alone when raw zlib is given the stream's
// window -- the last 32 KiB of dictionary + every header byte before it -- as its preset dictionary.

import zlib from 'node:zlib';
import { adler32, SPDY_DICTIONARY } from './dictionary.js';

/** Header values by lower-case name; SPDY joins several values of one name with NUL. */
export type SpdyHeaders = Record<string, string[]>;

const WINDOW = 32 * 1024;
/** Larger decompressed header blocks than this are refused (the peer is misbehaving). */
const MAX_HEADER_BYTES = 1 << 20;
const DICTIONARY_ID = adler32(SPDY_DICTIONARY);

export class HeaderBlockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HeaderBlockError';
  }
}

/** The first value of a header, or undefined. */
export function headerValue(headers: SpdyHeaders, name: string): string | undefined {
  return headers[name.toLowerCase()]?.[0];
}

export function serializeHeaders(headers: SpdyHeaders): Buffer {
  const entries = Object.entries(headers);
  const parts: Buffer[] = [u32(entries.length)];
  for (const [name, values] of entries) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(values.join('\0'), 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

export function parseHeaders(raw: Buffer): SpdyHeaders {
  const headers: SpdyHeaders = {};
  let off = 0;
  const take = (len: number) => {
    if (off + len > raw.length) throw new HeaderBlockError('truncated header block');
    const b = raw.subarray(off, off + len);
    off += len;
    return b;
  };
  const count = take(4).readUInt32BE(0);
  for (let i = 0; i < count; i++) {
    const name = take(take(4).readUInt32BE(0)).toString('utf8').toLowerCase();
    if (!name) throw new HeaderBlockError('empty header name');
    const value = take(take(4).readUInt32BE(0)).toString('utf8');
    (headers[name] ??= []).push(...value.split('\0'));
  }
  return headers;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

const slide = (window: Buffer, added: Buffer) => Buffer.concat([window, added]).subarray(-WINDOW);

/** Decompresses the header blocks one peer sends, in order. */
export class HeaderDecompressor {
  private window = SPDY_DICTIONARY;
  private started = false;

  decode(block: Buffer): SpdyHeaders {
    const body = this.started ? block : stripZlibHeader(block);
    this.started = true;
    let raw: Buffer;
    try {
      raw = zlib.inflateRawSync(body, { dictionary: this.window, finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: MAX_HEADER_BYTES });
    } catch (err) {
      throw new HeaderBlockError(`bad compressed header block: ${(err as Error).message}`);
    }
    this.window = slide(this.window, raw);
    return parseHeaders(raw);
  }
}

/** Compresses the header blocks this side sends, in order. */
export class HeaderCompressor {
  private window = SPDY_DICTIONARY;
  private started = false;

  encode(headers: SpdyHeaders): Buffer {
    const raw = serializeHeaders(headers);
    const deflated = zlib.deflateRawSync(raw, { dictionary: this.window, finishFlush: zlib.constants.Z_SYNC_FLUSH, level: zlib.constants.Z_BEST_COMPRESSION });
    this.window = slide(this.window, raw);
    if (this.started) return deflated;
    this.started = true;
    // zlib header: deflate with a 32 KiB window, best compression, preset dictionary (FDICT) + DICTID.
    return Buffer.concat([Buffer.from([0x78, 0xf9]), u32(DICTIONARY_ID), deflated]);
  }
}

/** Checks the 2-byte zlib header (and DICTID) that opens a peer's header stream and returns what follows. */
function stripZlibHeader(block: Buffer): Buffer {
  if (block.length < 2) throw new HeaderBlockError('truncated zlib header');
  const cmf = block[0];
  const flg = block[1];
  if ((cmf & 0x0f) !== 8 || (cmf * 256 + flg) % 31 !== 0) throw new HeaderBlockError('not a zlib stream');
  if (!(flg & 0x20)) return block.subarray(2);
  if (block.length < 6) throw new HeaderBlockError('truncated zlib header');
  if (block.readUInt32BE(2) !== DICTIONARY_ID) throw new HeaderBlockError('header block uses an unknown zlib dictionary');
  return block.subarray(6);
}
