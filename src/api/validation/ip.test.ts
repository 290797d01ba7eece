import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cidrContains, cidrSize, formatCIDR, formatIP, isValidCIDR, isValidIP, isValidIPv4Address, isValidIPv6Address, parseCIDR, parseIP, validateNonSpecialIP } from './ip.js';
import { fieldErrorText } from '../../kube/errors.js';

const texts = (errs: Parameters<typeof fieldErrorText>[0][]) => errs.map(fieldErrorText);

describe('IP parsing (upstream ParseIPSloppy)', () => {
  const cases: Array<[string, string | undefined, string?]> = [
    ['10.96.0.1', 'IPv4', '10.96.0.1'],
    ['010.096.000.001', 'IPv4', '10.96.0.1'],
    ['::1', 'IPv6', '::1'],
    ['2001:db8:0:0:1:0:0:1', 'IPv6', '2001:db8::1:0:0:1'],
    ['::ffff:10.0.0.1', 'IPv4', '10.0.0.1'],
    ['256.0.0.1', undefined],
    ['1.2.3', undefined],
    ['fe80::1%eth0', undefined],
    ['1::2::3', undefined],
    ['', undefined],
  ];
  for (const [input, family, text] of cases) {
    it(`${JSON.stringify(input)} -> ${family ?? 'invalid'}`, () => {
      const ip = parseIP(input);
      assert.equal(ip?.family, family);
      if (text) assert.equal(formatIP(ip!), text);
    });
  }
});

describe('CIDRs', () => {
  it('parses and masks the network', () => {
    const c = parseCIDR('10.96.3.4/12')!;
    assert.equal(formatCIDR(c), '10.96.0.0/12');
    assert.equal(cidrSize(c), 1048576n);
    assert.ok(cidrContains(c, parseIP('10.111.255.255')!));
    assert.ok(!cidrContains(c, parseIP('10.112.0.0')!));
    assert.ok(!cidrContains(c, parseIP('fd00::1')!));
  });
  it('refuses bad prefixes', () => {
    assert.equal(parseCIDR('10.0.0.0/33'), undefined);
    assert.equal(parseCIDR('10.0.0.0'), undefined);
    assert.equal(parseCIDR('10.0.0.0/'), undefined);
  });
});

describe('IP field errors', () => {
  it('prints upstream messages', () => {
    assert.deepEqual(texts(isValidIP('spec.externalIPs[0]', 'x')), ['spec.externalIPs[0]: Invalid value: "x": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']);
    assert.deepEqual(texts(isValidIPv4Address('endpoints[0].addresses[0]', '::1')), ['endpoints[0].addresses[0]: Invalid value: "::1": must be a valid IPv4 address']);
    assert.deepEqual(texts(isValidIPv6Address('a', '1.2.3.4')), ['a: Invalid value: "1.2.3.4": must be a valid IPv6 address']);
    assert.deepEqual(texts(isValidCIDR('spec.LoadBalancerSourceRanges[0]', '1.2.3.4')), ['spec.LoadBalancerSourceRanges[0]: Invalid value: "1.2.3.4": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)']);
  });
  it('refuses special addresses for endpoints', () => {
    assert.deepEqual(validateNonSpecialIP('ip', '10.244.1.5'), []);
    assert.deepEqual(texts(validateNonSpecialIP('ip', '0.0.0.0')), ['ip: Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)']);
    assert.deepEqual(texts(validateNonSpecialIP('ip', '127.0.0.1')), ['ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)']);
    assert.deepEqual(texts(validateNonSpecialIP('ip', '169.254.1.1')), ['ip: Invalid value: "169.254.1.1": may not be in the link-local range (169.254.0.0/16, fe80::/10)']);
    assert.deepEqual(texts(validateNonSpecialIP('ip', '224.0.0.1')), ['ip: Invalid value: "224.0.0.1": may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)']);
    assert.deepEqual(texts(validateNonSpecialIP('ip', '::1')), ['ip: Invalid value: "::1": may not be in the loopback range (127.0.0.0/8, ::1/128)']);
  });
});
