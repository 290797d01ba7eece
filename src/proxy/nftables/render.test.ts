import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type NftOptions, emptyProgrammed, renderNftables, renderStaleChainDeletion } from './render.js';
import { TEST_NODE, ep, makeService, makeSlice, plansOf, upstreamOverallFixture } from '../testing/fixtures.js';
import type { EndpointSlice, Service } from '../../kube/types.js';

const OPTS: NftOptions = {
  masqueradeMark: '0x4000',
  clusterCIDR: '10.0.0.0/8',
  masqueradeAll: false,
  nodePortIPs: null,
  nodeIPs: ['192.168.0.2'],
  serviceCIDRs: ['172.30.0.0/16'],
};

function render(services: Service[], slices: EndpointSlice[], opts: Partial<NftOptions> = {}) {
  return renderNftables({ plans: plansOf(TEST_NODE, services, slices), full: true, changed: new Set(), recreateBaseChains: false, now: 0 }, { ...OPTS, ...opts }, emptyProgrammed());
}

/** chain -> its "add rule" lines in order. */
function rulesByChain(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^add rule ip kube-proxy (\S+) /.exec(line.trim());
    if (m) out.set(m[1], [...(out.get(m[1]) ?? []), line.trim()]);
  }
  return out;
}

const grep = (text: string, re: RegExp): string[] => text.split('\n').filter((l) => re.test(l));

// Per-service rules and elements of upstream's TestOverallNFTablesRules (pkg/proxy/nftables,
// release 1.32: the masquerade rule of a service chain matches protocol and port too), with one
// later upstream change (kubernetes#140723): a single endpoint is a plain goto, not a
// "numgen random mod 1" map.
const UPSTREAM_SERVICE_RULES = `
add rule ip kube-proxy service-ULMVA6XW-ns1/svc1/tcp/p80 ip daddr 172.30.0.41 tcp dport 80 ip saddr != 10.0.0.0/8 jump mark-for-masquerade
add rule ip kube-proxy service-ULMVA6XW-ns1/svc1/tcp/p80 goto endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80
add rule ip kube-proxy endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80 ip saddr 10.180.0.1 jump mark-for-masquerade
add rule ip kube-proxy endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80 meta l4proto tcp dnat to 10.180.0.1:80
add rule ip kube-proxy service-42NFTM6N-ns2/svc2/tcp/p80 ip daddr 172.30.0.42 tcp dport 80 ip saddr != 10.0.0.0/8 jump mark-for-masquerade
add rule ip kube-proxy service-42NFTM6N-ns2/svc2/tcp/p80 goto endpoint-SGOXE6O3-ns2/svc2/tcp/p80__10.180.0.2/80
add rule ip kube-proxy external-42NFTM6N-ns2/svc2/tcp/p80 ip saddr 10.0.0.0/8 goto service-42NFTM6N-ns2/svc2/tcp/p80 comment "short-circuit pod traffic"
add rule ip kube-proxy external-42NFTM6N-ns2/svc2/tcp/p80 fib saddr type local jump mark-for-masquerade comment "masquerade local traffic"
add rule ip kube-proxy external-42NFTM6N-ns2/svc2/tcp/p80 fib saddr type local goto service-42NFTM6N-ns2/svc2/tcp/p80 comment "short-circuit local traffic"
add rule ip kube-proxy endpoint-SGOXE6O3-ns2/svc2/tcp/p80__10.180.0.2/80 ip saddr 10.180.0.2 jump mark-for-masquerade
add rule ip kube-proxy endpoint-SGOXE6O3-ns2/svc2/tcp/p80__10.180.0.2/80 meta l4proto tcp dnat to 10.180.0.2:80
add rule ip kube-proxy service-4AT6LBPK-ns3/svc3/tcp/p80 ip daddr 172.30.0.43 tcp dport 80 ip saddr != 10.0.0.0/8 jump mark-for-masquerade
add rule ip kube-proxy service-4AT6LBPK-ns3/svc3/tcp/p80 goto endpoint-UEIP74TE-ns3/svc3/tcp/p80__10.180.0.3/80
add rule ip kube-proxy external-4AT6LBPK-ns3/svc3/tcp/p80 jump mark-for-masquerade
add rule ip kube-proxy external-4AT6LBPK-ns3/svc3/tcp/p80 goto service-4AT6LBPK-ns3/svc3/tcp/p80
add rule ip kube-proxy endpoint-UEIP74TE-ns3/svc3/tcp/p80__10.180.0.3/80 ip saddr 10.180.0.3 jump mark-for-masquerade
add rule ip kube-proxy endpoint-UEIP74TE-ns3/svc3/tcp/p80__10.180.0.3/80 meta l4proto tcp dnat to 10.180.0.3:80
add rule ip kube-proxy service-LAUZTJTB-ns4/svc4/tcp/p80 ip daddr 172.30.0.44 tcp dport 80 ip saddr != 10.0.0.0/8 jump mark-for-masquerade
add rule ip kube-proxy service-LAUZTJTB-ns4/svc4/tcp/p80 numgen random mod 2 vmap { 0 : goto endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80 , 1 : goto endpoint-5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80 }
add rule ip kube-proxy external-LAUZTJTB-ns4/svc4/tcp/p80 jump mark-for-masquerade
add rule ip kube-proxy external-LAUZTJTB-ns4/svc4/tcp/p80 goto service-LAUZTJTB-ns4/svc4/tcp/p80
add rule ip kube-proxy endpoint-5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80 ip saddr 10.180.0.5 jump mark-for-masquerade
add rule ip kube-proxy endpoint-5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80 meta l4proto tcp dnat to 10.180.0.5:80
add rule ip kube-proxy endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80 ip saddr 10.180.0.4 jump mark-for-masquerade
add rule ip kube-proxy endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80 meta l4proto tcp dnat to 10.180.0.4:80
add rule ip kube-proxy service-HVFWP5L3-ns5/svc5/tcp/p80 ip daddr 172.30.0.45 tcp dport 80 ip saddr != 10.0.0.0/8 jump mark-for-masquerade
add rule ip kube-proxy service-HVFWP5L3-ns5/svc5/tcp/p80 ip saddr @affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 goto endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80
add rule ip kube-proxy service-HVFWP5L3-ns5/svc5/tcp/p80 goto endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80
add rule ip kube-proxy external-HVFWP5L3-ns5/svc5/tcp/p80 jump mark-for-masquerade
add rule ip kube-proxy external-HVFWP5L3-ns5/svc5/tcp/p80 goto service-HVFWP5L3-ns5/svc5/tcp/p80
add rule ip kube-proxy endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 ip saddr 10.180.0.3 jump mark-for-masquerade
add rule ip kube-proxy endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 update @affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 { ip saddr }
add rule ip kube-proxy endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 meta l4proto tcp dnat to 10.180.0.3:80
add rule ip kube-proxy firewall-HVFWP5L3-ns5/svc5/tcp/p80 ip saddr != { 203.0.113.0/25 } drop
`;

const UPSTREAM_ELEMENTS = `
add element ip kube-proxy cluster-ips { 172.30.0.41 }
add element ip kube-proxy service-ips { 172.30.0.41 . tcp . 80 : goto service-ULMVA6XW-ns1/svc1/tcp/p80 }
add element ip kube-proxy cluster-ips { 172.30.0.42 }
add element ip kube-proxy service-ips { 172.30.0.42 . tcp . 80 : goto service-42NFTM6N-ns2/svc2/tcp/p80 }
add element ip kube-proxy service-ips { 192.168.99.22 . tcp . 80 : goto external-42NFTM6N-ns2/svc2/tcp/p80 }
add element ip kube-proxy service-ips { 1.2.3.4 . tcp . 80 : goto external-42NFTM6N-ns2/svc2/tcp/p80 }
add element ip kube-proxy service-nodeports { tcp . 3001 : goto external-42NFTM6N-ns2/svc2/tcp/p80 }
add element ip kube-proxy no-endpoint-nodeports { tcp . 3001 comment "ns2/svc2:p80" : drop }
add element ip kube-proxy no-endpoint-services { 1.2.3.4 . tcp . 80 comment "ns2/svc2:p80" : drop }
add element ip kube-proxy no-endpoint-services { 192.168.99.22 . tcp . 80 comment "ns2/svc2:p80" : drop }
add element ip kube-proxy cluster-ips { 172.30.0.43 }
add element ip kube-proxy service-ips { 172.30.0.43 . tcp . 80 : goto service-4AT6LBPK-ns3/svc3/tcp/p80 }
add element ip kube-proxy service-nodeports { tcp . 3003 : goto external-4AT6LBPK-ns3/svc3/tcp/p80 }
add element ip kube-proxy cluster-ips { 172.30.0.44 }
add element ip kube-proxy service-ips { 172.30.0.44 . tcp . 80 : goto service-LAUZTJTB-ns4/svc4/tcp/p80 }
add element ip kube-proxy service-ips { 192.168.99.33 . tcp . 80 : goto external-LAUZTJTB-ns4/svc4/tcp/p80 }
add element ip kube-proxy cluster-ips { 172.30.0.45 }
add element ip kube-proxy service-ips { 172.30.0.45 . tcp . 80 : goto service-HVFWP5L3-ns5/svc5/tcp/p80 }
add element ip kube-proxy service-ips { 5.6.7.8 . tcp . 80 : goto external-HVFWP5L3-ns5/svc5/tcp/p80 }
add element ip kube-proxy service-nodeports { tcp . 3002 : goto external-HVFWP5L3-ns5/svc5/tcp/p80 }
add element ip kube-proxy firewall-ips { 5.6.7.8 . tcp . 80 : goto firewall-HVFWP5L3-ns5/svc5/tcp/p80 }
add element ip kube-proxy cluster-ips { 172.30.0.46 }
add element ip kube-proxy no-endpoint-services { 172.30.0.46 . tcp . 80 comment "ns6/svc6:p80" : goto reject-chain }
`;

const nonEmpty = (s: string): string[] => s.split('\n').map((l) => l.trim()).filter(Boolean);

describe('nftables rendering', () => {
  it('matches upstream TestOverallNFTablesRules rules and elements for the same six Services', () => {
    const { services, slices } = upstreamOverallFixture();
    const { text } = render(services, slices);
    const serviceChains = (m: Map<string, string[]>) => new Map([...m].filter(([chain]) => chain.includes('/')).sort());
    assert.deepEqual(serviceChains(rulesByChain(text)), serviceChains(rulesByChain(UPSTREAM_SERVICE_RULES)));
    assert.deepEqual(grep(text, /^add element ip kube-proxy (cluster-ips|service-|no-endpoint|firewall-ips)/).sort(), nonEmpty(UPSTREAM_ELEMENTS).sort());
    assert.deepEqual(grep(text, /^add set ip kube-proxy affinity-/), [
      'add set ip kube-proxy affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 { type ipv4_addr ; flags dynamic,timeout ; timeout 10800s ; }',
    ]);
  });

  it('sets up upstream table layout: base chains, priorities, dispatch maps', () => {
    const { text } = render([], []);
    for (const line of [
      'add table ip kube-proxy { comment "rules for kube-proxy" ; }',
      'add chain ip kube-proxy filter-prerouting { type filter hook prerouting priority -110 ; }',
      'add chain ip kube-proxy filter-output-post-dnat { type filter hook output priority -90 ; }',
      'add chain ip kube-proxy nat-prerouting { type nat hook prerouting priority -100 ; }',
      'add chain ip kube-proxy nat-postrouting { type nat hook postrouting priority 100 ; }',
      'add rule ip kube-proxy filter-input ct state new jump nodeport-endpoints-check',
      'add rule ip kube-proxy nat-prerouting jump services',
      'add rule ip kube-proxy masquerading mark and 0x4000 == 0 return',
      'add rule ip kube-proxy masquerading masquerade fully-random',
      'add rule ip kube-proxy cluster-ips-check ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"',
      'add rule ip kube-proxy cluster-ips-check ip daddr { 172.30.0.0/16 } drop comment "Drop traffic to unallocated ClusterIPs"',
      'add map ip kube-proxy service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment "ClusterIP, ExternalIP and LoadBalancer IP traffic" ; }',
      'add rule ip kube-proxy services ip daddr . meta l4proto . th dport vmap @service-ips',
      'add rule ip kube-proxy services fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports',
      'add rule ip kube-proxy nodeport-endpoints-check ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @no-endpoint-nodeports',
      'delete set ip kube-proxy nodeport-ips',
    ]) assert.ok(text.split('\n').includes(line), line);
  });

  it('limits NodePorts to the nodeport-ips set when addresses are given', () => {
    const { text } = render([], [], { nodePortIPs: ['192.168.0.2'] });
    assert.ok(text.includes('add element ip kube-proxy nodeport-ips { 192.168.0.2 }'));
    assert.ok(text.includes('add rule ip kube-proxy services ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports'));
    assert.ok(!text.includes('delete set ip kube-proxy nodeport-ips'));
  });

  it('drops Local-policy traffic without local endpoints and rejects traffic without any', () => {
    const { text } = render(
      [
        makeService('ns', 'local', { clusterIP: '10.96.0.61', internalTrafficPolicy: 'Local', ports: [{ port: 80 }] }),
        makeService('ns', 'none', { type: 'NodePort', clusterIP: '10.96.0.62', ports: [{ port: 80, nodePort: 30062, protocol: 'UDP' }] }),
      ],
      [makeSlice('ns', 'local', 1, [ep('10.244.2.5', 'other-node')], [{ port: 8080 }])],
    );
    assert.ok(text.includes('add element ip kube-proxy no-endpoint-services { 10.96.0.61 . tcp . 80 comment "ns/local" : drop }'));
    assert.ok(text.includes('add element ip kube-proxy no-endpoint-services { 10.96.0.62 . udp . 80 comment "ns/none" : goto reject-chain }'));
    assert.ok(text.includes('add element ip kube-proxy no-endpoint-nodeports { udp . 30062 comment "ns/none" : goto reject-chain }'));
  });

  it('balances n endpoints with one numgen vmap', () => {
    const { text } = render(
      [makeService('ns', 'web', { clusterIP: '10.96.0.50', ports: [{ port: 80 }] })],
      [makeSlice('ns', 'web', 1, [ep('10.244.1.5'), ep('10.244.1.6'), ep('10.244.2.8')], [{ port: 8080 }])],
    );
    const [numgen] = grep(text, /numgen/);
    assert.match(numgen, /numgen random mod 3 vmap \{ 0 : goto endpoint-\S+__10\.244\.1\.5\/8080 , 1 : goto endpoint-\S+__10\.244\.1\.6\/8080 , 2 : goto endpoint-\S+__10\.244\.2\.8\/8080 \}$/);
  });

  it('a partial sync changes only what differs: chains of changed Services, changed elements, stale chains flushed', () => {
    const services = [
      makeService('ns', 'a', { clusterIP: '10.96.0.71', ports: [{ port: 80 }] }),
      makeService('ns', 'b', { clusterIP: '10.96.0.72', ports: [{ port: 80 }] }),
    ];
    const sliceA = makeSlice('ns', 'a', 1, [ep('10.244.1.5')], [{ port: 8080 }]);
    const first = renderNftables({
      plans: plansOf(TEST_NODE, services, [sliceA, makeSlice('ns', 'b', 1, [ep('10.244.1.6'), ep('10.244.1.7')], [{ port: 8080 }])]),
      full: true, changed: new Set(), recreateBaseChains: true, now: 1000,
    }, OPTS, emptyProgrammed());
    assert.ok(first.text.includes('add chain ip kube-proxy nat-prerouting\ndelete chain ip kube-proxy nat-prerouting\n'));

    // Unchanged: nothing at all to do.
    const same = renderNftables({
      plans: plansOf(TEST_NODE, services, [sliceA, makeSlice('ns', 'b', 1, [ep('10.244.1.6'), ep('10.244.1.7')], [{ port: 8080 }])]),
      full: false, changed: new Set(), recreateBaseChains: false, now: 2000,
    }, OPTS, first.next);
    assert.equal(same.text, '');

    // Service b loses an endpoint.
    const second = renderNftables({
      plans: plansOf(TEST_NODE, services, [sliceA, makeSlice('ns', 'b', 1, [ep('10.244.1.6')], [{ port: 8080 }])]),
      full: false, changed: new Set(['ns/b']), recreateBaseChains: false, now: 3000,
    }, OPTS, first.next);
    assert.ok(!second.text.includes('10.244.1.5'), 'Service a untouched');
    assert.ok(!second.text.includes('add element'), 'no element changed');
    assert.match(second.text, /^add rule ip kube-proxy service-\S+-ns\/b\/tcp\/ goto endpoint-\S+__10\.244\.1\.6\/8080$/m);
    const [stale] = grep(second.text, /^flush chain .*__10\.244\.1\.7\/8080$/);
    assert.ok(stale, 'the removed endpoint chain is flushed');
    const chain = stale.split(' ').at(-1)!;
    assert.equal(second.next.staleChains.get(chain), 3000);

    // It is deleted only after a second.
    assert.equal(renderStaleChainDeletion(second.next, 3500).text, '');
    assert.equal(renderStaleChainDeletion(second.next, 4100).text, `delete chain ip kube-proxy ${chain}\n`);

    // Service a deleted: its element goes, its chains go stale.
    const third = renderNftables({
      plans: plansOf(TEST_NODE, [services[1]], [makeSlice('ns', 'b', 1, [ep('10.244.1.6')], [{ port: 8080 }])]),
      full: false, changed: new Set(['ns/a']), recreateBaseChains: false, now: 5000,
    }, OPTS, second.next);
    assert.ok(third.text.includes('delete element ip kube-proxy service-ips { 10.96.0.71 . tcp . 80 }'));
    assert.ok(third.text.includes('delete element ip kube-proxy cluster-ips { 10.96.0.71 }'));
    assert.equal(grep(third.text, /^flush chain .*ns\/a\//).length, 2);
  });

  it('changes the verdict of an element by deleting and re-adding it', () => {
    const svc = [makeService('ns', 'a', { clusterIP: '10.96.0.71', ports: [{ port: 80 }] })];
    const first = render(svc, []);
    const second = renderNftables({
      plans: plansOf(TEST_NODE, svc, [makeSlice('ns', 'a', 1, [ep('10.244.1.5')], [{ port: 8080 }])]),
      full: false, changed: new Set(['ns/a']), recreateBaseChains: false, now: 0,
    }, OPTS, first.next);
    assert.ok(second.text.includes('delete element ip kube-proxy no-endpoint-services { 10.96.0.71 . tcp . 80 }'));
    assert.match(second.text, /add element ip kube-proxy service-ips \{ 10\.96\.0\.71 \. tcp \. 80 : goto service-\S+-ns\/a\/tcp\/ \}/);
  });
});
