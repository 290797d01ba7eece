// The SPDY/3.1 framer and header compression against outside oracles: the dictionary's published
// size and Adler-32, header blocks and frames captured from kubectl 1.32 (Go's compress/zlib and
// moby/spdystream), and zlib's own stateful inflater for what we compress.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';
import { adler32, SPDY_DICTIONARY } from './dictionary.js';
import { encodeData, encodeGoAway, encodePing, encodeRstStream, encodeSettings, encodeSynReply, encodeSynStream, encodeWindowUpdate, FrameError, FrameParser, type Frame } from './frames.js';
import { HeaderBlockError, HeaderCompressor, HeaderDecompressor, serializeHeaders, type SpdyHeaders } from './header-block.js';

// The first two header blocks kubectl 1.32 sent for one port-forward connection: the error and
// data streams of request 0 to port 8080, one zlib stream.
const kubectlErrorStreamBlock = Buffer.from('78F9E3C6A7C202253A703A2B294A4DCC851625ACA9A0808614CB45E01C60616061C0C0C0C0590489C64C50F2663400000000FFFF', 'hex');
const kubectlDataStreamBlock = Buffer.from('C2AA19540E2512D60B000000FFFF', 'hex');
// kubectl's SYN_STREAM for the error stream: version 3, type 1, length 62, stream 1.
const kubectlSynStream = Buffer.concat([Buffer.from('800300010000003E00000001000000000000', 'hex'), kubectlErrorStreamBlock]);

describe('SPDY/3 header compression', () => {
  it('uses the SPDY/3 dictionary (1423 bytes, Adler-32 0xe3c6a7c2)', () => {
    assert.equal(SPDY_DICTIONARY.length, 1423);
    assert.equal(adler32(SPDY_DICTIONARY), 0xe3c6a7c2);
    assert.equal(SPDY_DICTIONARY.subarray(0, 11).toString('latin1'), '\0\0\0\x07options');
    assert.ok(SPDY_DICTIONARY.toString('latin1').endsWith('utf-,*,enq=0.'));
  });

  it('decodes the header blocks kubectl sends, in order', () => {
    const inflater = new HeaderDecompressor();
    assert.deepEqual(inflater.decode(kubectlErrorStreamBlock), { streamtype: ['error'], port: ['8080'], requestid: ['0'] });
    assert.deepEqual(inflater.decode(kubectlDataStreamBlock), { streamtype: ['data'], port: ['8080'], requestid: ['0'] });
  });

  it('refuses a header stream that does not open with a zlib header', () => {
    assert.throws(() => new HeaderDecompressor().decode(kubectlDataStreamBlock), HeaderBlockError);
  });

  it('compresses into one zlib stream that zlib itself inflates block by block', async () => {
    const headers: SpdyHeaders[] = [{}, { streamtype: ['data'], port: ['8080'], requestid: ['7'] }, { ':status': ['200'], 'set-cookie': ['a=1', 'b=2'] }];
    const deflater = new HeaderCompressor();
    const blocks = headers.map((h) => deflater.encode(h));
    assert.deepEqual([...blocks[0].subarray(0, 6)], [0x78, 0xf9, 0xe3, 0xc6, 0xa7, 0xc2], 'zlib header naming the SPDY dictionary');
    const inflate = zlib.createInflate({ dictionary: SPDY_DICTIONARY });
    try {
      for (const [i, block] of blocks.entries()) {
        const out: Buffer[] = [];
        const onData = (c: Buffer) => out.push(c);
        inflate.on('data', onData);
        await new Promise<void>((resolve) => {
          inflate.write(block);
          inflate.flush(zlib.constants.Z_SYNC_FLUSH, () => setImmediate(resolve));
        });
        inflate.off('data', onData);
        assert.deepEqual(Buffer.concat(out), serializeHeaders(headers[i]), `block ${i}`);
      }
    } finally {
      inflate.close();
    }
  });

  it('round-trips header blocks through our own decompressor', () => {
    const deflater = new HeaderCompressor();
    const inflater = new HeaderDecompressor();
    for (const h of [{}, { streamtype: ['error'], port: ['80'] }, { a: ['x', 'y'] }] as SpdyHeaders[]) assert.deepEqual(inflater.decode(deflater.encode(h)), h);
  });
});

describe('SPDY/3.1 frames', () => {
  it('parses kubectl\'s SYN_STREAM however the bytes arrive', () => {
    const want = { type: 'syn_stream', streamId: 1, associatedId: 0, priority: 0, flags: 0, headerBlock: kubectlErrorStreamBlock };
    assert.deepEqual(new FrameParser().push(kubectlSynStream), [want]);
    const parser = new FrameParser();
    const frames: Frame[] = [];
    for (const byte of kubectlSynStream) frames.push(...parser.push(Buffer.from([byte])));
    assert.deepEqual(frames, [want]);
  });

  it('round-trips every frame type, several per chunk', () => {
    const block = new HeaderCompressor().encode({});
    const bytes = Buffer.concat([
      encodeSynStream(3, block, { fin: true, priority: 2 }),
      encodeSynReply(3, block),
      encodeData(3, Buffer.from('hello'), true),
      encodeRstStream(5, 5),
      encodeSettings([{ id: 7, value: 65536 }]),
      encodePing(1),
      encodeGoAway(3, 0),
      encodeWindowUpdate(3, 1024),
    ]);
    assert.deepEqual(new FrameParser().push(bytes), [
      { type: 'syn_stream', streamId: 3, associatedId: 0, priority: 2, flags: 1, headerBlock: block },
      { type: 'syn_reply', streamId: 3, flags: 0, headerBlock: block },
      { type: 'data', streamId: 3, flags: 1, data: Buffer.from('hello') },
      { type: 'rst_stream', streamId: 5, status: 5 },
      { type: 'settings', flags: 0, entries: [{ flags: 0, id: 7, value: 65536 }] },
      { type: 'ping', id: 1 },
      { type: 'goaway', lastGoodStreamId: 3, status: 0 },
      { type: 'window_update', streamId: 3, delta: 1024 },
    ]);
  });

  it('encodes the reply kubectl accepted: SYN_REPLY for stream 1 with empty headers', () => {
    assert.equal(encodeSynReply(1, new HeaderCompressor().encode({})).toString('hex'), '80030002000000130000000178f9e3c6a7c262000200000000ffff');
  });

  it('refuses other SPDY versions and truncated control frames', () => {
    assert.throws(() => new FrameParser().push(Buffer.from('8002000100000000', 'hex')), FrameError);
    assert.throws(() => new FrameParser().push(Buffer.from('8003000600000002abcd', 'hex')), FrameError);
    assert.deepEqual(new FrameParser().push(Buffer.from('8003000a00000000', 'hex')), [{ type: 'unknown', frameType: 10 }]);
  });
});
