import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeHeader, decodeMessage } from './decode.js';
import { encodeMessage } from './encode.js';
import { WireFormatError } from './errors.js';
import { formatIPv6, parseIPv6 } from './ip.js';
import { isSubdomain, splitName, textToLabels } from './names.js';
import { emptyMessage, type Message, type ResourceRecord } from './types.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// `dig @127.0.0.1 Web-0.Web.default.svc.cluster.local SRV +nocookie`, captured off the wire.
const DIG_QUERY = hex(`df58 0120 0001 0000 0000 0001
  05 5765622d30 03 576562 07 64656661756c74 03 737663 07 636c7573746572 05 6c6f63616c 00 0021 0001
  00 0029 04d0 00000000 0000`);

function reply(id: number, q: { name: string; type: number }): Message {
  return { ...emptyMessage(id), qr: true, aa: true, rd: true, ra: true, questions: [{ ...q, class: 1 }] };
}

describe('golden packets', () => {
  it('decodes the query dig sends, keeping the name\'s case', () => {
    const m = decodeMessage(DIG_QUERY);
    assert.equal(m.id, 0xdf58);
    assert.equal(m.qr, false);
    assert.equal(m.rd, true);
    assert.equal(m.ad, true);
    assert.deepEqual(m.questions, [{ name: 'Web-0.Web.default.svc.cluster.local.', type: 33, class: 1 }]);
    assert.deepEqual(m.edns, { udpSize: 1232, version: 0, dnssecOk: false, options: [] });
    assert.deepEqual(m.additionals, []);
  });

  it('encodes that query back to the same bytes', () => {
    assert.deepEqual(encodeMessage(decodeMessage(DIG_QUERY)), DIG_QUERY);
  });

  it('compresses owner names and CNAME targets to earlier names', () => {
    const m = reply(0x1234, { name: 'www.example.', type: 1 });
    m.answers.push({ name: 'www.example.', type: 5, class: 1, ttl: 30, target: 'a.example.' });
    m.answers.push({ name: 'a.example.', type: 1, class: 1, ttl: 30, address: '10.0.0.1' });
    const want = hex(`1234 8580 0001 0002 0000 0000
      03 777777 07 6578616d706c65 00 0001 0001
      c00c 0005 0001 0000001e 0004 01 61 c010
      c029 0001 0001 0000001e 0004 0a000001`);
    assert.deepEqual(encodeMessage(m), want);
  });

  it('never compresses an SRV target (RFC 2782)', () => {
    const m = reply(7, { name: '_http._tcp.web.example.', type: 33 });
    m.answers.push({ name: '_http._tcp.web.example.', type: 33, class: 1, ttl: 5, priority: 0, weight: 100, port: 80, target: 'web.example.' });
    const bytes = encodeMessage(m);
    const target = hex('03 776562 07 6578616d706c65 00');
    assert.deepEqual(bytes.subarray(bytes.length - target.length), target);
    assert.deepEqual(decodeMessage(bytes).answers, m.answers);
  });

  it('writes EDNS0 extended rcodes (BADVERS) into the OPT record', () => {
    const m = { ...reply(1, { name: '.', type: 2 }), rcode: 16, edns: { udpSize: 1232, version: 0, dnssecOk: true, options: [] } };
    const bytes = encodeMessage(m);
    assert.equal(bytes.readUInt16BE(2) & 0xf, 0);
    const opt = bytes.subarray(bytes.length - 11);
    assert.deepEqual(opt, hex('00 0029 04d0 01 00 8000 0000'));
    const back = decodeMessage(bytes);
    assert.equal(back.rcode, 16);
    assert.equal(back.edns?.dnssecOk, true);
  });
});

describe('strict parsing', () => {
  const q = 'abcd 0100 0001 0000 0000 0000';
  const cases: [string, string][] = [
    ['a header alone claiming a question', q],
    ['a name running past the end', `${q} 05 616263`],
    ['a question without type and class', `${q} 00 0001`],
    ['a compression pointer to itself', `${q} c00c 0001 0001`],
    ['a forward compression pointer', `${q} c00e 0001 0001 00`],
    ['a pointer loop', `abcd 0100 0001 0001 0000 0000 01 61 00 0001 0001 c011 c00c 0001 0001 00000000 0000`],
    ['the extended label type 0x40', `${q} 41 00 0001 0001`],
    ['trailing bytes', `${q} 00 0001 0001 ff`],
    ['an A record of 5 octets', `abcd 8100 0001 0001 0000 0000 00 0001 0001 00 0001 0001 00000000 0005 0102030405`],
    ['record data longer than the message', `abcd 8100 0001 0001 0000 0000 00 0001 0001 00 0001 0001 00000000 0010 01020304`],
    ['a CNAME whose name does not fill its data', `abcd 8100 0000 0001 0000 0000 00 0005 0001 00000000 0003 00 0000`],
    ['a TXT string running past its record', `abcd 8100 0000 0001 0000 0000 00 0010 0001 00000000 0002 05 41`],
    ['an OPT record in the answer section', `abcd 8100 0000 0001 0000 0000 00 0029 1000 00000000 0000`],
    ['two OPT records', `abcd 0100 0000 0000 0000 0002 00 0029 1000 00000000 0000 00 0029 1000 00000000 0000`],
    ['an OPT record with a name', `abcd 0100 0000 0000 0000 0001 01 61 00 0029 1000 00000000 0000`],
    ['an EDNS option running past its record', `abcd 0100 0000 0000 0000 0001 00 0029 1000 00000000 0004 000a 0008`],
  ];
  for (const [what, bytes] of cases) {
    it(`rejects ${what}`, () => {
      assert.throws(() => decodeMessage(hex(bytes)), WireFormatError);
    });
  }

  it('rejects a name longer than 255 octets, even built from pointers', () => {
    const label = '3f' + '61'.repeat(63);
    // four 63-octet labels = 256 octets with the root: one too many
    assert.throws(() => decodeMessage(hex(`${q} ${label.repeat(4)} 00 0001 0001`)), /longer than 255/);
  });

  it('reads no header from fewer than 12 octets', () => {
    assert.equal(decodeHeader(hex('abcd 0100 0001')), null);
    assert.equal(decodeHeader(hex(q))?.id, 0xabcd);
  });
});

describe('names', () => {
  it('escapes dots, backslashes and unprintable bytes so they round-trip', () => {
    const m = reply(9, { name: 'a\\.b.\\000\\255x.example.', type: 1 });
    const back = decodeMessage(encodeMessage(m));
    assert.equal(back.questions[0].name, 'a\\.b.\\000\\255x.example.');
    assert.deepEqual(splitName('a\\.b.\\000\\255x.example.'), ['a\\.b', '\\000\\255x', 'example']);
  });

  it('refuses to encode empty or over-long labels', () => {
    assert.throws(() => textToLabels('a..b.'), /empty label/);
    assert.throws(() => textToLabels('a'.repeat(64) + '.'), /longer than 63/);
    assert.throws(() => encodeMessage(reply(1, { name: `${'a'.repeat(63)}.`.repeat(4), type: 1 })), /longer than 255/);
  });

  it('tells subdomains apart from look-alike names', () => {
    assert.equal(isSubdomain('web.default.svc.cluster.local.', 'cluster.local.'), true);
    assert.equal(isSubdomain('cluster.local.', 'cluster.local.'), true);
    assert.equal(isSubdomain('xcluster.local.', 'cluster.local.'), false);
    assert.equal(isSubdomain('a\\.cluster.local.', 'cluster.local.'), false); // one label "a.cluster"
    assert.equal(isSubdomain('a\\.cluster.local.', 'a\\.cluster.local.'), true);
    assert.equal(isSubdomain('b.a\\.cluster.local.', '\\.cluster.local.'), false);
    assert.equal(isSubdomain('anything.', '.'), true);
  });

  it('formats IPv6 addresses per RFC 5952', () => {
    const f = (s: string): string => formatIPv6(parseIPv6(s)!);
    assert.equal(f('2001:0db8:0000:0000:0000:0000:0000:0001'), '2001:db8::1');
    assert.equal(f('2001:db8:0:1:0:0:0:1'), '2001:db8:0:1::1');
    assert.equal(f('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
    assert.equal(f('::'), '::');
    assert.equal(f('fd00:10:96::a'), 'fd00:10:96::a');
    assert.equal(parseIPv6('1::2::3'), null);
    assert.equal(parseIPv6('1:2:3:4:5:6:7:8:9'), null);
  });
});

describe('truncation', () => {
  const big = (n: number): Message => {
    const m = reply(5, { name: 'headless.default.svc.cluster.local.', type: 1 });
    for (let i = 0; i < n; i++) {
      m.answers.push({ name: 'headless.default.svc.cluster.local.', type: 1, class: 1, ttl: 30, address: `10.244.${i >> 8}.${i & 255}` });
    }
    m.additionals.push({ name: 'x.', type: 16, class: 1, ttl: 30, texts: ['extra'] });
    return m;
  };

  it('keeps what fits in 512 octets and sets TC', () => {
    const bytes = encodeMessage(big(100), { maxSize: 512 });
    assert.ok(bytes.length <= 512);
    const m = decodeMessage(bytes);
    assert.equal(m.tc, true);
    assert.ok(m.answers.length > 20 && m.answers.length < 100, `${m.answers.length} answers`);
    assert.deepEqual(m.additionals, []);
  });

  it('keeps the OPT record inside the limit', () => {
    const msg = { ...big(100), edns: { udpSize: 1232, version: 0, dnssecOk: false, options: [] } };
    const bytes = encodeMessage(msg, { maxSize: 1232 });
    assert.ok(bytes.length <= 1232);
    const m = decodeMessage(bytes);
    assert.equal(m.tc, true);
    assert.equal(m.edns?.udpSize, 1232);
  });

  it('does not set TC when everything fits', () => {
    const m = decodeMessage(encodeMessage(big(10), { maxSize: 512 }));
    assert.equal(m.tc, false);
    assert.equal(m.answers.length, 10);
    assert.equal(m.additionals.length, 1);
  });
});

// ---- property: encode then decode gives the message back ----

const labelArb = fc.uint8Array({ minLength: 1, maxLength: 20 }).map((b) => {
  // build the presentation form through the decoder's own escaping
  const wire = Buffer.concat([Buffer.from([b.length]), Buffer.from(b), Buffer.from([0])]);
  const msg = Buffer.concat([hex('0000 0000 0001 0000 0000 0000'), wire, hex('0001 0001')]);
  return decodeMessage(msg).questions[0].name.slice(0, -1);
});
const nameArb = fc.array(labelArb, { minLength: 0, maxLength: 4 }).map((ls) => (ls.length ? ls.join('.') + '.' : '.'));
const rec = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> => fc.record(model, { noNullPrototype: true }) as fc.Arbitrary<T>;
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const ipv6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatIPv6(Buffer.from(b)));
const head = { name: nameArb, class: u16, ttl: u32 };

const recordArb: fc.Arbitrary<ResourceRecord> = fc.oneof(
  rec({ ...head, type: fc.constant(1 as const), address: ipv4 }),
  rec({ ...head, type: fc.constant(28 as const), address: ipv6 }),
  rec({ ...head, type: fc.constantFrom(2 as const, 5 as const, 12 as const), target: nameArb }),
  rec({ ...head, type: fc.constant(15 as const), preference: u16, exchange: nameArb }),
  rec({ ...head, type: fc.constant(16 as const), texts: fc.array(fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('latin1')), { minLength: 1, maxLength: 3 }) }),
  rec({ ...head, type: fc.constant(33 as const), priority: u16, weight: u16, port: u16, target: nameArb }),
  rec({ ...head, type: fc.constant(6 as const), mname: nameArb, rname: nameArb, serial: u32, refresh: u32, retry: u32, expire: u32, minimum: u32 }),
  rec({ ...head, type: fc.constantFrom(13, 99, 65280), rdata: fc.uint8Array({ maxLength: 30 }).map((b) => Buffer.from(b)) }),
);

const messageArb: fc.Arbitrary<Message> = rec({
  id: u16, qr: fc.boolean(), opcode: fc.nat(15), aa: fc.boolean(), tc: fc.boolean(), rd: fc.boolean(), ra: fc.boolean(),
  z: fc.boolean(), ad: fc.boolean(), cd: fc.boolean(), rcode: fc.nat(15),
  questions: fc.array(rec({ name: nameArb, type: u16, class: u16 }), { maxLength: 2 }),
  answers: fc.array(recordArb, { maxLength: 4 }),
  authorities: fc.array(recordArb, { maxLength: 2 }),
  additionals: fc.array(recordArb, { maxLength: 2 }),
}).chain((m) => fc.option(rec({
  udpSize: u16, version: fc.nat(255), dnssecOk: fc.boolean(),
  options: fc.array(rec({ code: u16, data: fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b)) }), { maxLength: 2 }),
}), { nil: undefined }).chain((edns) => (edns
  ? fc.nat(0xfff).map((rcode): Message => ({ ...m, rcode, edns }))
  : fc.constant<Message>({ ...m, edns: undefined }))));

describe('round trips', () => {
  it('decode(encode(m)) equals m for any message', () => {
    fc.assert(fc.property(messageArb, (m) => {
      assert.deepEqual(decodeMessage(encodeMessage(m)), m);
    }), { numRuns: 400 });
  });

  it('encode(decode(b)) equals b for compressed bytes re-encoded by knit', () => {
    fc.assert(fc.property(messageArb, (m) => {
      const once = encodeMessage(m);
      assert.deepEqual(encodeMessage(decodeMessage(once)), once);
    }), { numRuns: 200 });
  });
});
