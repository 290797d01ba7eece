import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type IptablesOptions, renderIptables } from './render.js';
import { TEST_NODE, ep, makeService, makeSlice, plansOf, upstreamOverallFixture } from '../testing/fixtures.js';
import type { EndpointSlice, Service } from '../../kube/types.js';

const OPTS: IptablesOptions = {
  masqueradeMark: '0x4000',
  clusterCIDR: '10.0.0.0/8',
  masqueradeAll: false,
  localhostNodePorts: true,
  nodePortIPs: null,
  nodeIPs: ['192.168.0.2'],
  randomFully: false,
  conntrackTCPLiberal: false,
};

function render(services: Service[], slices: EndpointSlice[], opts: Partial<IptablesOptions> = {}, nodeName = TEST_NODE) {
  return renderIptables({ plans: plansOf(nodeName, services, slices), full: true, changed: new Set(), existingChains: new Set() }, { ...OPTS, ...opts });
}

/** table -> chain -> rules in order (the order of rules within a chain is what matters). */
function byChain(text: string): Map<string, { chains: Set<string>; rules: Map<string, string[]> }> {
  const out = new Map<string, { chains: Set<string>; rules: Map<string, string[]> }>();
  let table: { chains: Set<string>; rules: Map<string, string[]> } | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('*')) out.set(line.slice(1), (table = { chains: new Set(), rules: new Map() }));
    else if (line.startsWith(':')) table!.chains.add(line.slice(1).split(' ')[0]);
    else if (line.startsWith('-A ')) {
      const chain = line.split(' ')[1];
      table!.rules.set(chain, [...(table!.rules.get(chain) ?? []), line]);
    }
  }
  return out;
}

function lines(text: string, prefix: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(prefix));
}

// upstream's TestOverallIPTablesRules expectation (pkg/proxy/iptables/proxier_test.go), without the
// nfacct matches upstream adds only when nfacct counters exist (knit does not create them).
const UPSTREAM_OVERALL = `
*filter
:KUBE-NODEPORTS - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-EXTERNAL-SERVICES - [0:0]
:KUBE-FIREWALL - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
-A KUBE-NODEPORTS -m comment --comment "ns2/svc2:p80 health check node port" -m tcp -p tcp --dport 30000 -j ACCEPT
-A KUBE-SERVICES -m comment --comment "ns6/svc6:p80 has no endpoints" -m tcp -p tcp -d 172.30.0.46 --dport 80 -j REJECT
-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no local endpoints" -m tcp -p tcp -d 192.168.99.22 --dport 80 -j DROP
-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no local endpoints" -m tcp -p tcp -d 1.2.3.4 --dport 80 -j DROP
-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no local endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 3001 -j DROP
-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A KUBE-PROXY-FIREWALL -m comment --comment "ns5/svc5:p80 traffic not accepted by KUBE-FW-NUKIZ6OKUXPJNT4C" -m tcp -p tcp -d 5.6.7.8 --dport 80 -j DROP
COMMIT
*nat
:KUBE-NODEPORTS - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-EXT-4SW47YFZTEDKD3PK - [0:0]
:KUBE-EXT-GNZBNJ2PO5MGZ6GT - [0:0]
:KUBE-EXT-NUKIZ6OKUXPJNT4C - [0:0]
:KUBE-EXT-X27LE4BHSL4DOUIK - [0:0]
:KUBE-FW-NUKIZ6OKUXPJNT4C - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-SEP-C6EBXVWJJZMIWKLZ - [0:0]
:KUBE-SEP-I77PXRDZVX7PMWMN - [0:0]
:KUBE-SEP-OYPFS5VJICHGATKP - [0:0]
:KUBE-SEP-RS4RBKLTHTF2IUXJ - [0:0]
:KUBE-SEP-SXIVWICOYRO3J4NJ - [0:0]
:KUBE-SEP-UKSFD7AGPMPPLUHC - [0:0]
:KUBE-SVC-4SW47YFZTEDKD3PK - [0:0]
:KUBE-SVC-GNZBNJ2PO5MGZ6GT - [0:0]
:KUBE-SVC-NUKIZ6OKUXPJNT4C - [0:0]
:KUBE-SVC-X27LE4BHSL4DOUIK - [0:0]
:KUBE-SVC-XPGD46QRK7WJZT7O - [0:0]
-A KUBE-NODEPORTS -m comment --comment ns2/svc2:p80 -m tcp -p tcp --dport 3001 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT
-A KUBE-NODEPORTS -m comment --comment ns3/svc3:p80 -m tcp -p tcp --dport 3003 -j KUBE-EXT-X27LE4BHSL4DOUIK
-A KUBE-NODEPORTS -m comment --comment ns5/svc5:p80 -m tcp -p tcp --dport 3002 -j KUBE-EXT-NUKIZ6OKUXPJNT4C
-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O
-A KUBE-SERVICES -m comment --comment "ns2/svc2:p80 cluster IP" -m tcp -p tcp -d 172.30.0.42 --dport 80 -j KUBE-SVC-GNZBNJ2PO5MGZ6GT
-A KUBE-SERVICES -m comment --comment "ns2/svc2:p80 external IP" -m tcp -p tcp -d 192.168.99.22 --dport 80 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT
-A KUBE-SERVICES -m comment --comment "ns2/svc2:p80 loadbalancer IP" -m tcp -p tcp -d 1.2.3.4 --dport 80 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT
-A KUBE-SERVICES -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 -j KUBE-SVC-X27LE4BHSL4DOUIK
-A KUBE-SERVICES -m comment --comment "ns4/svc4:p80 cluster IP" -m tcp -p tcp -d 172.30.0.44 --dport 80 -j KUBE-SVC-4SW47YFZTEDKD3PK
-A KUBE-SERVICES -m comment --comment "ns4/svc4:p80 external IP" -m tcp -p tcp -d 192.168.99.33 --dport 80 -j KUBE-EXT-4SW47YFZTEDKD3PK
-A KUBE-SERVICES -m comment --comment "ns5/svc5:p80 cluster IP" -m tcp -p tcp -d 172.30.0.45 --dport 80 -j KUBE-SVC-NUKIZ6OKUXPJNT4C
-A KUBE-SERVICES -m comment --comment "ns5/svc5:p80 loadbalancer IP" -m tcp -p tcp -d 5.6.7.8 --dport 80 -j KUBE-FW-NUKIZ6OKUXPJNT4C
-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
-A KUBE-EXT-4SW47YFZTEDKD3PK -m comment --comment "masquerade traffic for ns4/svc4:p80 external destinations" -j KUBE-MARK-MASQ
-A KUBE-EXT-4SW47YFZTEDKD3PK -j KUBE-SVC-4SW47YFZTEDKD3PK
-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment "pod traffic for ns2/svc2:p80 external destinations" -s 10.0.0.0/8 -j KUBE-SVC-GNZBNJ2PO5MGZ6GT
-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment "masquerade LOCAL traffic for ns2/svc2:p80 external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ
-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment "route LOCAL traffic for ns2/svc2:p80 external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-GNZBNJ2PO5MGZ6GT
-A KUBE-EXT-NUKIZ6OKUXPJNT4C -m comment --comment "masquerade traffic for ns5/svc5:p80 external destinations" -j KUBE-MARK-MASQ
-A KUBE-EXT-NUKIZ6OKUXPJNT4C -j KUBE-SVC-NUKIZ6OKUXPJNT4C
-A KUBE-EXT-X27LE4BHSL4DOUIK -m comment --comment "masquerade traffic for ns3/svc3:p80 external destinations" -j KUBE-MARK-MASQ
-A KUBE-EXT-X27LE4BHSL4DOUIK -j KUBE-SVC-X27LE4BHSL4DOUIK
-A KUBE-FW-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 loadbalancer IP" -s 203.0.113.0/25 -j KUBE-EXT-NUKIZ6OKUXPJNT4C
-A KUBE-FW-NUKIZ6OKUXPJNT4C -m comment --comment "other traffic to ns5/svc5:p80 will be dropped by KUBE-PROXY-FIREWALL"
-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE
-A KUBE-SEP-C6EBXVWJJZMIWKLZ -m comment --comment ns4/svc4:p80 -s 10.180.0.5 -j KUBE-MARK-MASQ
-A KUBE-SEP-C6EBXVWJJZMIWKLZ -m comment --comment ns4/svc4:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.5:80
-A KUBE-SEP-I77PXRDZVX7PMWMN -m comment --comment ns5/svc5:p80 -s 10.180.0.3 -j KUBE-MARK-MASQ
-A KUBE-SEP-I77PXRDZVX7PMWMN -m comment --comment ns5/svc5:p80 -m recent --name KUBE-SEP-I77PXRDZVX7PMWMN --set -m tcp -p tcp -j DNAT --to-destination 10.180.0.3:80
-A KUBE-SEP-OYPFS5VJICHGATKP -m comment --comment ns3/svc3:p80 -s 10.180.0.3 -j KUBE-MARK-MASQ
-A KUBE-SEP-OYPFS5VJICHGATKP -m comment --comment ns3/svc3:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.3:80
-A KUBE-SEP-RS4RBKLTHTF2IUXJ -m comment --comment ns2/svc2:p80 -s 10.180.0.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-RS4RBKLTHTF2IUXJ -m comment --comment ns2/svc2:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.2:80
-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -s 10.180.0.1 -j KUBE-MARK-MASQ
-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:80
-A KUBE-SEP-UKSFD7AGPMPPLUHC -m comment --comment ns4/svc4:p80 -s 10.180.0.4 -j KUBE-MARK-MASQ
-A KUBE-SEP-UKSFD7AGPMPPLUHC -m comment --comment ns4/svc4:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.4:80
-A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment "ns4/svc4:p80 cluster IP" -m tcp -p tcp -d 172.30.0.44 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
-A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment "ns4/svc4:p80 -> 10.180.0.4:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-UKSFD7AGPMPPLUHC
-A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment "ns4/svc4:p80 -> 10.180.0.5:80" -j KUBE-SEP-C6EBXVWJJZMIWKLZ
-A KUBE-SVC-GNZBNJ2PO5MGZ6GT -m comment --comment "ns2/svc2:p80 cluster IP" -m tcp -p tcp -d 172.30.0.42 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
-A KUBE-SVC-GNZBNJ2PO5MGZ6GT -m comment --comment "ns2/svc2:p80 -> 10.180.0.2:80" -j KUBE-SEP-RS4RBKLTHTF2IUXJ
-A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 cluster IP" -m tcp -p tcp -d 172.30.0.45 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
-A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 -> 10.180.0.3:80" -m recent --name KUBE-SEP-I77PXRDZVX7PMWMN --rcheck --seconds 10800 --reap -j KUBE-SEP-I77PXRDZVX7PMWMN
-A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 -> 10.180.0.3:80" -j KUBE-SEP-I77PXRDZVX7PMWMN
-A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
-A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 -> 10.180.0.3:80" -j KUBE-SEP-OYPFS5VJICHGATKP
-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -j KUBE-SEP-SXIVWICOYRO3J4NJ
COMMIT
`;

describe('iptables rendering', () => {
  it('matches upstream TestOverallIPTablesRules for the same six Services', () => {
    const { services, slices } = upstreamOverallFixture();
    const got = byChain(render(services, slices).text);
    const want = byChain(UPSTREAM_OVERALL);
    for (const table of ['filter', 'nat']) {
      assert.deepEqual(got.get(table)!.chains, want.get(table)!.chains, `${table} chains`);
      assert.deepEqual(new Map([...got.get(table)!.rules].sort()), new Map([...want.get(table)!.rules].sort()), `${table} rules`);
    }
  });

  it('writes upstream test vectors for one ClusterIP Service with one endpoint', () => {
    const text = render(
      [makeService('ns1', 'svc1', { clusterIP: '10.20.30.41', ports: [{ name: 'p80', port: 80, protocol: 'TCP' }] })],
      [makeSlice('ns1', 'svc1', 1, [ep('10.180.0.1')], [{ name: 'p80', port: 80 }])],
      { clusterCIDR: '10.0.0.0/24', randomFully: true },
    ).text;
    const nat = text.slice(text.indexOf('*nat'));
    assert.equal(nat, [
      '*nat',
      ':KUBE-SERVICES - [0:0]',
      ':KUBE-NODEPORTS - [0:0]',
      ':KUBE-POSTROUTING - [0:0]',
      ':KUBE-MARK-MASQ - [0:0]',
      ':KUBE-SVC-XPGD46QRK7WJZT7O - [0:0]',
      ':KUBE-SEP-SXIVWICOYRO3J4NJ - [0:0]',
      '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
      '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000',
      '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
      '-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000',
      '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 10.20.30.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O',
      '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 10.20.30.41 --dport 80 ! -s 10.0.0.0/24 -j KUBE-MARK-MASQ',
      '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -j KUBE-SEP-SXIVWICOYRO3J4NJ',
      '-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -s 10.180.0.1 -j KUBE-MARK-MASQ',
      '-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:80',
      '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
      'COMMIT',
      '',
    ].join('\n'));
  });

  it('balances n endpoints with probabilities 1/n, 1/(n-1), ... written with 10 decimals', () => {
    const text = render(
      [makeService('ns', 'web', { clusterIP: '10.96.0.50', ports: [{ port: 80 }] })],
      [makeSlice('ns', 'web', 1, [ep('10.244.1.5'), ep('10.244.1.6'), ep('10.244.2.8')], [{ port: 8080 }])],
    ).text;
    const svc = lines(text, '-A KUBE-SVC-').filter((l) => l.includes('->'));
    assert.deepEqual(svc.map((l) => /--probability (\S+)/.exec(l)?.[1] ?? 'last'), ['0.3333333333', '0.5000000000', 'last']);
    assert.match(svc[0], /--comment "ns\/web -> 10\.244\.1\.5:8080"/);
    assert.equal(lines(text, '-A KUBE-SEP-').filter((l) => l.includes('DNAT')).length, 3);
  });

  it('sends TCP, UDP and SCTP through their own match modules', () => {
    const text = render(
      [makeService('ns', 'dns', { clusterIP: '10.96.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }, { name: 'sctp', port: 53, protocol: 'SCTP' }] })],
      [makeSlice('ns', 'dns', 1, [ep('10.244.1.2')], [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }, { name: 'sctp', port: 53, protocol: 'SCTP' }])],
    ).text;
    for (const proto of ['udp', 'tcp', 'sctp']) {
      assert.ok(text.includes(`-m ${proto} -p ${proto} -d 10.96.0.10 --dport 53 -j KUBE-SVC-`), proto);
      assert.ok(text.includes(`-m ${proto} -p ${proto} -j DNAT --to-destination 10.244.1.2:53`), proto);
    }
  });

  it('rejects every address of a Service without endpoints', () => {
    const text = render(
      [makeService('ns1', 'svc1', { type: 'LoadBalancer', clusterIP: '172.30.0.41', externalIPs: ['192.168.99.11'], ports: [{ name: 'p80', port: 80, protocol: 'TCP', nodePort: 3001 }] }, ['1.2.3.4'])],
      [],
    ).text;
    assert.deepEqual(lines(text, '-A KUBE-SERVICES -m comment --comment "ns1'), [
      '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 has no endpoints" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j REJECT',
    ]);
    assert.deepEqual(lines(text, '-A KUBE-EXTERNAL-SERVICES'), [
      '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns1/svc1:p80 has no endpoints" -m tcp -p tcp -d 192.168.99.11 --dport 80 -j REJECT',
      '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns1/svc1:p80 has no endpoints" -m tcp -p tcp -d 1.2.3.4 --dport 80 -j REJECT',
      '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns1/svc1:p80 has no endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 3001 -j REJECT',
    ]);
    assert.equal(lines(text, ':KUBE-SVC-').length + lines(text, ':KUBE-EXT-').length, 0, 'no nat chains for a Service without endpoints');
  });

  it('externalTrafficPolicy Local sends external traffic to local endpoints only (KUBE-EXT -> KUBE-SVL)', () => {
    const text = render(
      [makeService('ns', 'web', { type: 'NodePort', externalTrafficPolicy: 'Local', clusterIP: '10.96.0.60', ports: [{ port: 80, nodePort: 30080 }] })],
      [makeSlice('ns', 'web', 1, [ep('10.244.1.5', TEST_NODE), ep('10.244.2.5', 'other-node')], [{ port: 8080 }])],
    ).text;
    const ext = lines(text, '-A KUBE-EXT-');
    assert.match(ext.at(-1)!, /^-A (KUBE-EXT-\S+) -j KUBE-SVL-/);
    const svl = lines(text, '-A KUBE-SVL-');
    assert.equal(svl.length, 1);
    assert.match(svl[0], /"ns\/web -> 10\.244\.1\.5:8080" -j KUBE-SEP-/);
    // The cluster chain still balances over both endpoints for in-cluster traffic.
    assert.equal(lines(text, '-A KUBE-SVC-').filter((l) => l.includes('->')).length, 2);
  });

  it('drops Local-policy traffic when this node has no endpoint ("has no local endpoints")', () => {
    const text = render(
      [makeService('ns', 'web', { clusterIP: '10.96.0.61', internalTrafficPolicy: 'Local', ports: [{ port: 80 }] })],
      [makeSlice('ns', 'web', 1, [ep('10.244.2.5', 'other-node')], [{ port: 8080 }])],
    ).text;
    assert.deepEqual(lines(text, '-A KUBE-SERVICES -m comment --comment "ns/'), [
      '-A KUBE-SERVICES -m comment --comment "ns/web has no local endpoints" -m tcp -p tcp -d 10.96.0.61 --dport 80 -j DROP',
    ]);
  });

  it('internalTrafficPolicy Local sends cluster-IP traffic to KUBE-SVL', () => {
    const text = render(
      [makeService('ns', 'web', { clusterIP: '10.96.0.62', internalTrafficPolicy: 'Local', ports: [{ port: 80 }] })],
      [makeSlice('ns', 'web', 1, [ep('10.244.1.5', TEST_NODE), ep('10.244.2.5', 'other-node')], [{ port: 8080 }])],
    ).text;
    assert.match(lines(text, '-A KUBE-SERVICES -m comment --comment "ns/web cluster IP"')[0], /-j KUBE-SVL-/);
    assert.equal(lines(text, ':KUBE-SVC-').length, 0);
    assert.equal(lines(text, ':KUBE-SEP-').length, 1);
  });

  it('admits the node itself through KUBE-FW when a source range holds its IP', () => {
    const text = render(
      [makeService('ns', 'lb', { type: 'LoadBalancer', clusterIP: '10.96.0.63', loadBalancerSourceRanges: ['192.168.0.0/24'], ports: [{ port: 80, nodePort: 30081 }] }, ['172.18.255.200'])],
      [makeSlice('ns', 'lb', 1, [ep('10.244.1.5')], [{ port: 8080 }])],
    ).text;
    const fw = lines(text, '-A KUBE-FW-');
    assert.equal(fw.length, 3);
    assert.match(fw[0], /-s 192\.168\.0\.0\/24 -j KUBE-EXT-/);
    assert.match(fw[1], /-s 172\.18\.255\.200 -j KUBE-EXT-/);
  });

  it('uses terminating-but-serving endpoints only when none is ready', () => {
    const svc = makeService('ns', 'web', { clusterIP: '10.96.0.64', ports: [{ port: 80 }] });
    const terminating = { ready: false, serving: true, terminating: true };
    const onlyTerminating = render([svc], [makeSlice('ns', 'web', 1, [ep('10.244.1.5', undefined, terminating)], [{ port: 8080 }])]).text;
    assert.ok(onlyTerminating.includes('--to-destination 10.244.1.5:8080'));
    const mixed = render([svc], [makeSlice('ns', 'web', 1, [ep('10.244.1.5', undefined, terminating), ep('10.244.1.6')], [{ port: 8080 }])]).text;
    assert.ok(!mixed.includes('--to-destination 10.244.1.5:8080'));
    assert.ok(mixed.includes('--to-destination 10.244.1.6:8080'));
  });

  it('masqueradeAll marks all cluster-IP traffic; without a cluster CIDR nothing is marked', () => {
    const svc = [makeService('ns', 'web', { clusterIP: '10.96.0.65', ports: [{ port: 80 }] })];
    const slice = [makeSlice('ns', 'web', 1, [ep('10.244.1.5')], [{ port: 8080 }])];
    assert.ok(render(svc, slice, { masqueradeAll: true }).text.includes('--dport 80 -j KUBE-MARK-MASQ'));
    assert.ok(!render(svc, slice, { clusterCIDR: undefined }).text.includes('cluster IP" -m tcp -p tcp -d 10.96.0.65 --dport 80 ! -s'));
  });

  it('limits NodePorts to given addresses and keeps 127.0.0.1 out unless localhostNodePorts', () => {
    const none = render([], [], { localhostNodePorts: false }).text;
    assert.ok(none.includes('-m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j KUBE-NODEPORTS'));
    assert.ok(!none.includes('block incoming localnet connections'));
    const some = render([], [], { nodePortIPs: ['192.168.1.10', '127.0.0.1'], localhostNodePorts: false }).text;
    assert.deepEqual(lines(some, '-A KUBE-SERVICES'), [
      '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -d 192.168.1.10 -j KUBE-NODEPORTS',
    ]);
  });

  it('leaves comments out of per-endpoint rules past 1000 endpoints', () => {
    const endpoints = Array.from({ length: 1001 }, (_, i) => ep(`10.${100 + (i >> 8)}.${i & 255}.1`));
    const text = render(
      [makeService('ns', 'big', { clusterIP: '10.96.0.66', ports: [{ port: 80 }] })],
      [makeSlice('ns', 'big', 1, endpoints, [{ port: 8080 }])],
    ).text;
    assert.ok(lines(text, '-A KUBE-SEP-').every((l) => !l.includes('--comment')));
    assert.ok(lines(text, '-A KUBE-SVC-').filter((l) => l.includes('-j KUBE-SEP-')).every((l) => !l.includes('--comment')));
    assert.ok(text.includes('"ns/big cluster IP"'));
  });

  it('a partial sync rewrites only changed Services and deletes chains no longer used', () => {
    const services = [
      makeService('ns', 'a', { clusterIP: '10.96.0.71', ports: [{ port: 80 }] }),
      makeService('ns', 'b', { clusterIP: '10.96.0.72', ports: [{ port: 80 }] }),
    ];
    const before = renderIptables({
      plans: plansOf(TEST_NODE, services, [makeSlice('ns', 'a', 1, [ep('10.244.1.5')], [{ port: 8080 }]), makeSlice('ns', 'b', 1, [ep('10.244.1.6'), ep('10.244.1.7')], [{ port: 8080 }])]),
      full: true, changed: new Set(), existingChains: new Set(),
    }, OPTS);
    const after = renderIptables({
      plans: plansOf(TEST_NODE, services, [makeSlice('ns', 'a', 1, [ep('10.244.1.5')], [{ port: 8080 }]), makeSlice('ns', 'b', 1, [ep('10.244.1.6')], [{ port: 8080 }])]),
      full: false, changed: new Set(['ns/b']), existingChains: before.activeChains,
    }, OPTS);
    assert.ok(!after.text.includes('10.244.1.5:8080'), 'unchanged Service a is not rewritten');
    assert.ok(after.text.includes('"ns/a cluster IP" -m tcp -p tcp -d 10.96.0.71 --dport 80 -j KUBE-SVC-'), 'KUBE-SERVICES is always complete');
    assert.ok(after.text.includes('--to-destination 10.244.1.6:8080'));
    const deleted = lines(after.text, '-X ');
    assert.equal(deleted.length, 1);
    assert.equal(deleted[0].slice(3), [...before.activeChains].find((c) => !after.activeChains.has(c)));
    assert.equal(after.counts.deletedChains, 1);
  });
});
