import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatAddresses, formatPorts } from './intervals.js';
import { computeNodePolicy } from './model.js';
import { clusterPolicy, namespace, pod } from './testing.js';
import type { ClusterNetworkPolicy } from '../kube/types.js';

const pods = [
  pod('x/a', { ip: '10.244.1.2', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }),
  pod('x/b', { ip: '10.244.1.3' }),
  pod('y/a', { ip: '10.244.2.2', node: 'node-2', ports: [{ name: 'dns', port: 5353, protocol: 'UDP' }] }),
];
const tiersOf = (clusterPolicies: ClusterNetworkPolicy[]) =>
  computeNodePolicy({ nodeName: 'node-1', pods, namespaces: [namespace('x', { team: 'a' }), namespace('y')], policies: [], clusterPolicies }).tiers;

describe('ClusterNetworkPolicy on a node', () => {
  it('orders a pod\'s policies by priority, then name, and keeps each policy\'s rules in order', () => {
    const t = tiersOf([
      clusterPolicy('zeta', { tier: 'Admin', priority: 5, subject: { namespaces: {} }, ingress: [{ action: 'Pass', from: [{ namespaces: {} }] }] }),
      clusterPolicy('alpha', { tier: 'Admin', priority: 5, subject: { namespaces: {} }, ingress: [{ name: 'first', action: 'Deny', from: [{ namespaces: {} }] }, { action: 'Accept', from: [{ namespaces: {} }] }] }),
      clusterPolicy('early', { tier: 'Admin', priority: 1, subject: { namespaces: { matchLabels: { team: 'a' } } }, ingress: [{ action: 'Accept', from: [{ namespaces: {} }] }] }),
      clusterPolicy('egress-only', { tier: 'Admin', priority: 0, subject: { namespaces: {} }, egress: [{ action: 'Deny', to: [{ networks: ['0.0.0.0/0'] }] }] }),
    ]);
    const [chain] = [...t.admin.ingress.chains.values()];
    assert.deepEqual(chain.policies, ['early', 'alpha', 'zeta']);
    assert.deepEqual(chain.rules.map((r) => `${r.policy} ${r.rule} ${r.action}`), ['early #0 Accept', 'alpha first Deny', 'alpha #1 Accept', 'zeta #0 Pass']);
    // The node's own pods only; a policy without ingress rules does not select for ingress.
    assert.deepEqual([...t.admin.ingress.members.keys()], ['10.244.1.2', '10.244.1.3']);
    assert.deepEqual(t.admin.egress.chains.size, 1);
    assert.deepEqual([...t.admin.egress.chains.values()][0].rules[0].match.peers.map(formatAddresses), ['0.0.0.0-255.255.255.255']);
    assert.equal(t.baseline.ingress.members.size, 0);
  });

  it('resolves peers by namespace and pod selectors, networks, and named ports on the destination pod', () => {
    const t = tiersOf([clusterPolicy('dns', {
      tier: 'Baseline', priority: 0, subject: { pods: { namespaceSelector: { matchLabels: { team: 'a' } }, podSelector: { matchLabels: { pod: 'b' } } } },
      egress: [
        { action: 'Accept', to: [{ pods: { namespaceSelector: {}, podSelector: { matchLabels: { pod: 'a' } } } }], protocols: [{ destinationNamedPort: 'dns' }] },
        { action: 'Deny', to: [{ networks: ['10.0.0.0/8'] }], protocols: [{ tcp: { destinationPort: { range: { start: 8000, end: 8080 } } } }, { udp: {} }] },
      ],
    })]);
    assert.deepEqual([...t.baseline.egress.members.keys()], ['10.244.1.3']);
    const [accept, deny] = [...t.baseline.egress.chains.values()][0].rules;
    const text = (b: { ips: { lo: number; hi: number }; proto: string; ports: { lo: number; hi: number } }) => `${formatAddresses(b.ips)} . ${b.proto} . ${formatPorts(b.ports)}`;
    assert.deepEqual(accept.match.peerPorts.map(text), ['10.244.1.2 . udp . 53', '10.244.2.2 . udp . 5353']);
    assert.deepEqual(deny.match.peerPorts.map(text), ['10.0.0.0-10.255.255.255 . tcp . 8000-8080', '10.0.0.0-10.255.255.255 . udp . 0-65535']);
  });

  it('fails closed on a peer it cannot enforce: nothing for Accept, everything for Deny', () => {
    const t = tiersOf([clusterPolicy('names', {
      tier: 'Admin', priority: 0, subject: { namespaces: {} },
      egress: [{ action: 'Accept', to: [{ domainNames: ['example.com'] }] }, { action: 'Deny', to: [{ domainNames: ['example.com'] }] }],
    })]);
    const [accept, deny] = [...t.admin.egress.chains.values()][0].rules;
    assert.deepEqual([accept.match.everything, accept.match.peers.length], [false, 0]);
    assert.equal(deny.match.everything, true);
  });
});
