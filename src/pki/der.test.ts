import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as der from './der.js';

const hex = (b: Buffer) => b.toString('hex');

describe('DER encoding (X.690 rules)', () => {
  it('encodes INTEGERs minimally, with a leading zero byte only to stay positive', () => {
    assert.equal(hex(der.integer(0)), '020100');
    assert.equal(hex(der.integer(127)), '02017f');
    assert.equal(hex(der.integer(128)), '02020080');
    assert.equal(hex(der.integer(256)), '02020100');
    assert.equal(hex(der.integer(Buffer.from('0000ff', 'hex'))), '020200ff');
    assert.throws(() => der.integer(-1));
  });

  it('encodes lengths in short form below 128 and long form above', () => {
    assert.equal(hex(der.octetString(Buffer.alloc(127))).slice(0, 4), '047f');
    assert.equal(hex(der.octetString(Buffer.alloc(200))).slice(0, 6), '0481c8');
    assert.equal(hex(der.octetString(Buffer.alloc(300))).slice(0, 8), '0482012c');
  });

  it('encodes OBJECT IDENTIFIERs in base 128 and reads them back', () => {
    assert.equal(hex(der.oid('1.2.840.113549')), '06062a864886f70d'); // X.690's own example
    assert.equal(hex(der.oid('2.5.29.17')), '0603551d11');
    assert.equal(hex(der.oid('2.999.3')), '0603883703'); // X.690: a first arc of 2 with a large second arc
    for (const id of ['1.2.840.10045.4.3.2', '2.999.3', '1.3.6.1.5.5.7.3.1']) {
      assert.equal(der.readOid(der.read(der.oid(id)).content), id);
    }
    assert.throws(() => der.oid('1'));
  });

  it('encodes named BIT STRINGs without trailing zero bits', () => {
    // keyUsage digitalSignature(0) + keyCertSign(5) + cRLSign(6) = 1000 0110, one unused bit
    assert.equal(hex(der.namedBits([0, 5, 6])), '03020186');
    assert.equal(hex(der.namedBits([0])), '03020780');
    assert.equal(hex(der.namedBits([8])), '0303070080');
  });

  it('writes UTCTime through 2049 and GeneralizedTime from 2050', () => {
    assert.equal(der.time(new Date('2049-12-31T23:59:59Z')).toString('latin1', 2), '491231235959Z');
    assert.equal(der.time(new Date('2049-12-31T23:59:59Z'))[0], 0x17);
    assert.equal(der.time(new Date('2050-01-01T00:00:00Z')).toString('latin1', 2), '20500101000000Z');
    assert.equal(der.time(new Date('2050-01-01T00:00:00Z'))[0], 0x18);
  });

  it('sorts SET OF elements by their encodings', () => {
    assert.equal(hex(der.set(der.integer(2), der.integer(1))), '3106020101020102');
  });

  it('reads back what it writes, and refuses truncated input', () => {
    const seq = der.sequence(der.integer(5), der.utf8String('knit'), der.explicit(3, der.boolean(true)));
    const [a, b, c] = der.children(der.read(seq).content);
    assert.equal(hex(a.content), '05');
    assert.equal(b.content.toString(), 'knit');
    assert.equal(c.tag, 0xa3);
    assert.equal(hex(der.read(c.content).content), 'ff');
    assert.throws(() => der.read(seq.subarray(0, seq.length - 1)), /truncated/);
  });
});
