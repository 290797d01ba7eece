import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CorefileError, KUBEADM_COREFILE, parseCorefile, parseDuration } from './corefile.js';

describe('parseCorefile', () => {
  it("reads kubeadm's default Corefile", () => {
    assert.deepEqual(parseCorefile(KUBEADM_COREFILE), {
      servers: [{
        zones: ['.'], port: 53, bind: [], loadbalance: true, log: false, errors: true,
        kubernetes: {
          zones: ['cluster.local.', 'in-addr.arpa.', 'ip6.arpa.'], podMode: 'insecure', ttl: 30,
          fallthrough: ['in-addr.arpa.', 'ip6.arpa.'], namespaces: [], endpointPodNames: false, noEndpoints: false, ignoreEmptyService: false,
        },
        forward: { from: '.', to: ['/etc/resolv.conf'], except: [], maxConcurrent: 1000, policy: 'random', forceTcp: false, preferUdp: false },
        cache: { zones: ['.'], successCapacity: 9984, successTtl: 30, successMinTtl: 5, denialCapacity: 9984, denialTtl: 30, denialMinTtl: 5, servfailTtl: 5 },
      }],
      health: { host: '', port: 8080, lameduckMs: 5000 },
      ready: { host: '', port: 8181 },
      prometheus: { host: '', port: 9153 },
    });
  });

  it('takes a custom zone, port, stub domain block and cache options', () => {
    const c = parseCorefile(`
      # comment
      example.com:1053 {
        forward . 10.0.0.1 dns://10.0.0.2:5353 [fd00::1]:53 {
          policy sequential
          except internal.example.com
        }
      }
      .:1053 {
        kubernetes k8s.test 10.96.0.0/16 10.244.0.0/16 {
          pods verified
          fallthrough
        }
        cache 300 {
          success 5000 600 10
          denial 1000
          servfail 2s
        }
        bind 127.0.0.1
        log
      }`);
    assert.equal(c.servers.length, 2);
    assert.deepEqual(c.servers[0].zones, ['example.com.']);
    assert.equal(c.servers[0].port, 1053);
    assert.deepEqual(c.servers[0].forward?.to, ['10.0.0.1', 'dns://10.0.0.2:5353', '[fd00::1]:53']);
    assert.equal(c.servers[0].forward?.policy, 'sequential');
    assert.deepEqual(c.servers[0].forward?.except, ['internal.example.com.']);
    const k = c.servers[1].kubernetes!;
    assert.deepEqual(k.zones, ['k8s.test.', '96.10.in-addr.arpa.', '244.10.in-addr.arpa.']);
    assert.equal(k.podMode, 'verified');
    assert.deepEqual(k.fallthrough, []);
    assert.deepEqual(c.servers[1].cache, { zones: ['.'], successCapacity: 5000, successTtl: 600, successMinTtl: 10, denialCapacity: 1000, denialTtl: 300, denialMinTtl: 5, servfailTtl: 2 });
    assert.deepEqual(c.servers[1].bind, ['127.0.0.1']);
    assert.equal(c.servers[1].log, true);
    assert.equal(c.health, undefined);
  });

  it('turns CIDR zones into reverse zones', () => {
    const k = parseCorefile('. {\n kubernetes cluster.local 10.244.0.0/16 fd00:10:96::/112 10.0.0.0/8\n}').servers[0].kubernetes!;
    assert.deepEqual(k.zones, ['cluster.local.', '244.10.in-addr.arpa.', '0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.1.0.0.0.0.d.f.ip6.arpa.', '10.in-addr.arpa.']);
    assert.throws(() => parseCorefile('. {\n kubernetes cluster.local 10.96.0.0/12\n}'), /Corefile:2 .*multiple of 8/);
  });

  const refused: [string, string, RegExp][] = [
    ['an unknown directive', '.:53 {\n  errors\n  frobnicate\n}', /^Corefile:3 - Error during parsing: Unknown directive 'frobnicate'$/],
    ['a CoreDNS plugin knit lacks', '.:53 {\n  rewrite name foo bar\n}', /Corefile:2 .*plugin 'rewrite' is not supported by knit/],
    ['an unknown kubernetes property', '.:53 {\n kubernetes cluster.local {\n  pods insecure\n  wildcards\n }\n}', /Corefile:4 .*unknown property 'wildcards'/],
    ['a kubernetes connection option', '.:53 {\n kubernetes cluster.local {\n  kubeconfig /x\n }\n}', /Corefile:3 .*option 'kubeconfig' is not supported/],
    ['a bad pods mode', '.:53 {\n kubernetes cluster.local {\n  pods sometimes\n }\n}', /Value for pods must be one of: disabled, verified, insecure/],
    ['a TTL out of range', '.:53 {\n kubernetes cluster.local {\n  ttl 3601\n }\n}', /ttl must be in range \[0, 3600\]: 3601/],
    ['a forward to TLS', '.:53 {\n forward . tls://1.1.1.1\n}', /only plain DNS/],
    ['a forward to a name', '.:53 {\n forward . dns.google\n}', /not an IP address or file: 'dns.google'/],
    ['cache prefetch', '.:53 {\n cache 30 {\n  prefetch 10\n }\n}', /cache: option 'prefetch' is not supported by knit/],
    ['a DoT server block', 'tls://.:853 {\n errors\n}', /only plain DNS/],
    ['a missing brace', '.:53 {\n errors\n', /missing closing brace/],
    ['a plugin used twice', '.:53 {\n cache\n cache\n}', /can only be used once/],
    ['a bad duration', '.:53 {\n health {\n  lameduck soon\n }\n}', /invalid duration 'soon'/],
  ];
  for (const [what, text, message] of refused) {
    it(`refuses ${what}, saying where`, () => {
      assert.throws(() => parseCorefile(text), (e: unknown) => e instanceof CorefileError && message.test(e.message));
    });
  }
});

describe('parseDuration', () => {
  it('reads Go durations', () => {
    const at = { line: 1 };
    assert.equal(parseDuration(at, '5s'), 5000);
    assert.equal(parseDuration(at, '1m30s'), 90000);
    assert.equal(parseDuration(at, '250ms'), 250);
    assert.throws(() => parseDuration(at, '5'), CorefileError);
  });
});
