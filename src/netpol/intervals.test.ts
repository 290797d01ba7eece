import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseIPv4 } from '../common/ipv4.js';
import { cidrInterval, formatAddresses, normalizeBoxes, subtractIntervals, unionIntervals, type Box, type Protocol } from './intervals.js';

const ip = (s: string) => parseIPv4(s);
const range = (a: string, b = a) => ({ lo: ip(a), hi: ip(b) });

describe('intervals', () => {
  it('reads a CIDR as an ipBlock does, host bits dropped', () => {
    assert.deepEqual(cidrInterval('10.0.0.0/24'), range('10.0.0.0', '10.0.0.255'));
    assert.deepEqual(cidrInterval('10.0.0.1/24'), range('10.0.0.0', '10.0.0.255'));
    assert.deepEqual(cidrInterval('0.0.0.0/0'), range('0.0.0.0', '255.255.255.255'));
    assert.equal(cidrInterval('10.0.0.0/33'), null);
  });

  it('takes the excepts out of a cidr', () => {
    const out = subtractIntervals([cidrInterval('10.0.0.0/16')!], [cidrInterval('10.0.1.0/24')!, range('10.0.0.7')]);
    assert.deepEqual(out.map(formatAddresses), ['10.0.0.0-10.0.0.6', '10.0.0.8-10.0.0.255', '10.0.2.0-10.0.255.255']);
  });

  it('joins overlapping and adjacent intervals', () => {
    assert.deepEqual(unionIntervals([{ lo: 5, hi: 9 }, { lo: 1, hi: 3 }, { lo: 4, hi: 4 }, { lo: 20, hi: 30 }, { lo: 25, hi: 26 }]),
      [{ lo: 1, hi: 9 }, { lo: 20, hi: 30 }]);
  });

  it('cuts overlapping boxes into disjoint ones with the ports of every box above them', () => {
    const boxes: Box[] = [
      { ips: cidrInterval('10.0.0.0/24')!, proto: 'tcp', ports: { lo: 80, hi: 80 } },
      { ips: range('10.0.0.5'), proto: 'tcp', ports: { lo: 8080, hi: 8090 } },
      { ips: range('10.0.0.6'), proto: 'tcp', ports: { lo: 8080, hi: 8090 } },
      { ips: range('10.0.0.5'), proto: 'udp', ports: { lo: 53, hi: 53 } },
    ];
    const text = normalizeBoxes(boxes).map((b) => `${formatAddresses(b.ips)} . ${b.proto} . ${b.ports.lo}-${b.ports.hi}`);
    assert.deepEqual(text, [
      '10.0.0.0-10.0.0.4 . tcp . 80-80',
      '10.0.0.5-10.0.0.6 . tcp . 80-80',
      '10.0.0.5-10.0.0.6 . tcp . 8080-8090',
      '10.0.0.7-10.0.0.255 . tcp . 80-80',
      '10.0.0.5 . udp . 53-53',
    ]);
  });

  it('normal form: disjoint boxes that allow exactly what the boxes allowed', () => {
    const protos: Protocol[] = ['tcp', 'udp', 'sctp'];
    const box = fc.record({
      a: fc.integer({ min: 0, max: 40 }), alen: fc.integer({ min: 0, max: 10 }),
      proto: fc.constantFrom(...protos),
      p: fc.integer({ min: 0, max: 20 }), plen: fc.integer({ min: 0, max: 5 }),
    }).map(({ a, alen, proto, p, plen }): Box => ({ ips: { lo: a, hi: a + alen }, proto, ports: { lo: p, hi: p + plen } }));
    fc.assert(fc.property(fc.array(box, { maxLength: 12 }), (boxes) => {
      const norm = normalizeBoxes(boxes);
      const inside = (list: Box[], a: number, proto: Protocol, p: number) => list.filter((b) => b.proto === proto && b.ips.lo <= a && a <= b.ips.hi && b.ports.lo <= p && p <= b.ports.hi).length;
      for (const proto of protos) {
        for (let a = 0; a <= 52; a++) {
          for (let p = 0; p <= 27; p++) {
            const n = inside(norm, a, proto, p);
            assert.ok(n <= 1, 'boxes overlap');
            assert.equal(n === 1, inside(boxes, a, proto, p) > 0);
          }
        }
      }
    }), { numRuns: 200 });
  });
});
