import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { base32, hashAndTruncate, iptablesEndpointChain, iptablesServiceChains, nftEndpointNames, nftServiceChains } from './names.js';

describe('chain names', () => {
  it('base32 follows RFC 4648 (Go base32.StdEncoding)', () => {
    // RFC 4648 section 10 test vectors.
    const vectors: [string, string][] = [['', ''], ['f', 'MY======'], ['fo', 'MZXQ===='], ['foo', 'MZXW6==='], ['foob', 'MZXW6YQ='], ['fooba', 'MZXW6YTB'], ['foobar', 'MZXW6YTBOI======']];
    for (const [input, want] of vectors) assert.equal(base32(Buffer.from(input)), want);
  });

  it('names iptables chains as upstream (REFERENCE.md and proxier_test.go vectors)', () => {
    assert.deepEqual(iptablesServiceChains('ns1/svc1:p80', 'tcp'), {
      svc: 'KUBE-SVC-XPGD46QRK7WJZT7O', svl: 'KUBE-SVL-XPGD46QRK7WJZT7O', ext: 'KUBE-EXT-XPGD46QRK7WJZT7O', fw: 'KUBE-FW-XPGD46QRK7WJZT7O',
    });
    assert.equal(iptablesEndpointChain('ns1/svc1:p80', 'tcp', '10.180.0.1:80'), 'KUBE-SEP-SXIVWICOYRO3J4NJ');
    assert.equal(iptablesServiceChains('ns2/svc2:p8080', 'tcp').svc, 'KUBE-SVC-2VJB64SDSIJUP5T6');
    assert.equal(iptablesEndpointChain('ns2/svc2:p8080', 'tcp', '10.0.2.1:8080'), 'KUBE-SEP-UHEGFW77JX3KXTOV');
    assert.equal(iptablesServiceChains('ns5/svc5:p80', 'tcp').fw, 'KUBE-FW-NUKIZ6OKUXPJNT4C');
  });

  it('names nftables chains and affinity sets as upstream', () => {
    assert.equal(nftServiceChains('ns1', 'svc1', 'tcp', 'p80').service, 'service-ULMVA6XW-ns1/svc1/tcp/p80');
    assert.equal(nftServiceChains('ns2', 'svc2', 'tcp', 'p80').external, 'external-42NFTM6N-ns2/svc2/tcp/p80');
    assert.deepEqual(nftEndpointNames('ns5', 'svc5', 'tcp', 'p80', '10.180.0.3', 80), {
      chain: 'endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80',
      affinitySet: 'affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80',
    });
  });

  it('truncates nftables names past 240 characters, keeping the hash', () => {
    const long = hashAndTruncate('x'.repeat(300));
    assert.equal(long.length, 240);
    assert.ok(long.endsWith('...'));
    assert.match(long, /^[A-Z2-7]{8}-x/);
  });
});
