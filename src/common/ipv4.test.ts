import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  cidrContains, cidrsOverlap, formatIPv4, macForIPv4, nthAddress, parseCidr, parseIPv4, parseRange, rangeToCidrs,
} from './ipv4.js';

test('CIDRs parse as Go does, and refuse host bits with the network address named', () => {
  assert.deepEqual(parseCidr('10.244.1.0/24'), { network: parseIPv4('10.244.1.0'), prefix: 24 });
  assert.throws(() => parseCidr('10.244.1.0'), /invalid CIDR address: 10\.244\.1\.0/);
  assert.throws(() => parseCidr('10.244.1.0/33'), /invalid CIDR address/);
  assert.throws(() => parseCidr('10.244.1.7/24'), /host bits are set; the network address is 10\.244\.1\.0\/24/);
  assert.throws(() => parseIPv4('10.1.1.256'), /invalid IP address: 10\.1\.1\.256/);
});

test('containment, overlap and addresses inside a block', () => {
  const pods = parseCidr('10.244.0.0/16');
  assert.ok(cidrContains(pods, '10.244.3.7'));
  assert.ok(!cidrContains(pods, '10.245.0.1'));
  assert.ok(cidrsOverlap(pods, parseCidr('10.244.2.0/24')));
  assert.ok(!cidrsOverlap(pods, parseCidr('10.96.0.0/12')));
  assert.equal(nthAddress(parseCidr('10.244.2.0/24'), 1), '10.244.2.1');
  assert.throws(() => nthAddress(parseCidr('10.244.2.0/24'), 256), /outside 10\.244\.2\.0\/24/);
});

test('the default LoadBalancer pool is covered by six blocks', () => {
  assert.deepEqual(rangeToCidrs('172.18.255.200', '172.18.255.250'),
    ['172.18.255.200/29', '172.18.255.208/28', '172.18.255.224/28', '172.18.255.240/29', '172.18.255.248/31', '172.18.255.250/32']);
  assert.deepEqual(parseRange('172.18.255.200-172.18.255.250'), { start: '172.18.255.200', end: '172.18.255.250' });
  assert.throws(() => parseRange('172.18.255.250-172.18.255.200'), /the start is after the end/);
});

test('property: rangeToCidrs covers exactly the range with aligned, disjoint blocks', () => {
  fc.assert(fc.property(fc.nat(0xffffffff), fc.nat(5000), (a, len) => {
    const start = a;
    const end = Math.min(0xffffffff, a + len);
    const blocks = rangeToCidrs(formatIPv4(start), formatIPv4(end)).map(parseCidr);
    let next = start;
    for (const b of blocks) {
      assert.equal(b.network, next);
      next = b.network + 2 ** (32 - b.prefix);
    }
    assert.equal(next, end + 1);
  }));
});

test('pod MACs follow from pod IPs as the bridge plugin makes them', () => {
  assert.equal(macForIPv4('10.244.1.5'), '0a:58:0a:f4:01:05');
});
