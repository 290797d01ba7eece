import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatIPv4 } from '../common/ipv4.js';
import { formatAddresses, formatPorts } from './intervals.js';
import { NETWORK_POLICY_MODE_ANNOTATION as MODE_ANNOTATION } from '../kube/types.js';
import { computeNodePolicy, type Allowance, type PolicyInputs } from './model.js';
import { namespace, pod, policy } from './testing.js';

const web = [{ name: 'http', port: 8080 }];
const pods = [
  pod('x/a', { ip: '10.244.1.2', ports: [{ name: 'serve-80-tcp', port: 80 }] }),
  pod('x/b', { ip: '10.244.1.3', ports: web }),
  pod('x/c', { ip: '10.244.2.2', node: 'node-2', ports: [{ name: 'http', port: 9090 }] }),
  pod('y/a', { ip: '10.244.2.3', node: 'node-2' }),
  pod('y/b', { ip: '10.244.1.4', labels: { pod: 'b', team: 'api' } }),
  pod('x/pending', {}),
  pod('x/done', { ip: '10.244.1.9', phase: 'Succeeded' }),
  pod('x/host', { ip: '192.168.1.10', hostNetwork: true }),
];
const inputs = (policies: PolicyInputs['policies']): PolicyInputs => ({
  nodeName: 'node-1', pods, namespaces: [namespace('x'), namespace('y', { team: 'platform' })], policies,
});

/** An allowance as text, the way it will reach the kernel. */
function text(a: Allowance): Record<string, string[] | boolean> {
  return {
    everything: a.everything,
    peers: a.peers.map(formatAddresses),
    peerPorts: a.peerPorts.map((b) => `${formatAddresses(b.ips)} . ${b.proto} . ${formatPorts(b.ports)}`),
    ports: a.ports.map((p) => `${p.proto} . ${formatPorts(p.ports)}`),
    named: a.named.map((n) => `${formatIPv4(n.pod)} . ${formatAddresses(n.box.ips)} . ${n.box.proto} . ${formatPorts(n.box.ports)}`),
  };
}

const nothing = { everything: false, peers: [], peerPorts: [], ports: [], named: [] };

describe('the policy a node must enforce', () => {
  it('isolates no pod without policies; knows its own pods with addresses', () => {
    const np = computeNodePolicy(inputs([]));
    assert.equal(np.ingress.members.size + np.egress.members.size, 0);
    assert.deepEqual([...np.localPods.entries()], [['uid-x-a', '10.244.1.2'], ['uid-x-b', '10.244.1.3'], ['uid-y-b', '10.244.1.4']]);
  });

  it('deny-all isolates every running pod of the namespace on this node, in one set that allows nothing', () => {
    const np = computeNodePolicy(inputs([policy('x/deny-all', { policyTypes: ['Ingress'] })]));
    assert.deepEqual([...np.ingress.members.keys()], ['10.244.1.2', '10.244.1.3']);
    assert.equal(np.egress.members.size, 0);
    const [set] = [...np.ingress.sets.values()];
    assert.equal(new Set(np.ingress.members.values()).size, 1);
    assert.deepEqual(set.enforcedBy, ['x/deny-all']);
    assert.deepEqual(text(set.allowed), nothing);
  });

  it('resolves peers: pods of the namespace, of selected namespaces, both at once, and ipBlocks without their excepts', () => {
    const np = computeNodePolicy(inputs([policy('x/p', {
      podSelector: { matchLabels: { pod: 'a' } },
      ingress: [
        { from: [{ podSelector: { matchLabels: { pod: 'b' } } }] },
        { from: [{ namespaceSelector: { matchLabels: { team: 'platform' } }, podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: ['a'] }] } }], ports: [{ protocol: 'UDP', port: 53 }] },
        { from: [{ ipBlock: { cidr: '192.168.1.0/24', except: ['192.168.1.128/25'] } }], ports: [{ protocol: 'TCP', port: 8000, endPort: 8010 }] },
      ],
    })]));
    assert.deepEqual([...np.ingress.members.keys()], ['10.244.1.2']);
    const [set] = [...np.ingress.sets.values()];
    assert.deepEqual(text(set.allowed), {
      everything: false,
      peers: ['10.244.1.3'],
      peerPorts: ['192.168.1.0-192.168.1.127 . tcp . 8000-8010', '10.244.2.3 . udp . 53'],
      ports: [], named: [],
    });
  });

  it('named ports resolve on each destination pod for ingress, and on each peer pod for egress', () => {
    const np = computeNodePolicy(inputs([
      policy('x/in', { ingress: [{ ports: [{ protocol: 'TCP', port: 'http' }, { protocol: 'TCP', port: 'serve-80-tcp' }] }] }),
      policy('y/out', { policyTypes: ['Egress'], egress: [{ ports: [{ protocol: 'TCP', port: 'http' }] }] }),
    ]));
    const [ingress] = [...np.ingress.sets.values()];
    assert.deepEqual(text(ingress.allowed).named, ['10.244.1.2 . 0.0.0.0-255.255.255.255 . tcp . 80', '10.244.1.3 . 0.0.0.0-255.255.255.255 . tcp . 8080']);
    const [egress] = [...np.egress.sets.values()];
    assert.deepEqual([...np.egress.members.keys()], ['10.244.1.4']);
    assert.deepEqual(text(egress.allowed).peerPorts, ['10.244.1.3 . tcp . 8080', '10.244.2.2 . tcp . 9090']);
  });

  it('an empty rule allows everything; a rule with only ports allows them from anyone; policies add up', () => {
    const np = computeNodePolicy(inputs([
      policy('x/ports', { ingress: [{ ports: [{ protocol: 'TCP', port: 80 }, { protocol: 'UDP' }] }] }),
      policy('x/all', { podSelector: { matchLabels: { pod: 'b' } }, ingress: [{}] }),
    ]));
    const sets = [...np.ingress.sets.values()].sort((a, b) => a.enforcedBy.length - b.enforcedBy.length);
    assert.deepEqual(sets.map((s) => s.enforcedBy), [['x/ports'], ['x/all', 'x/ports']]);
    assert.deepEqual(text(sets[0].allowed).ports, ['tcp . 80', 'udp . 0-65535']);
    assert.equal(sets[1].allowed.everything, true);
    assert.equal(np.ingress.members.get('10.244.1.3'), sets[1].id);
  });

  it('egress isolation is judged apart from ingress, and policyTypes decide which applies', () => {
    const np = computeNodePolicy(inputs([
      policy('x/egress-only', { policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: {} }] }] }),
    ]));
    assert.equal(np.ingress.members.size, 0);
    const [set] = [...np.egress.sets.values()];
    assert.deepEqual(text(set.allowed).peers, ['10.244.1.2-10.244.1.4', '10.244.2.2-10.244.2.3']);
  });

  it('audited policies make a set of their own, with what the enforced ones allow alone', () => {
    const audit = { [MODE_ANNOTATION]: 'audit' };
    const np = computeNodePolicy(inputs([
      policy('x/deny', { policyTypes: ['Ingress'], ingress: [{ ports: [{ protocol: 'TCP', port: 80 }] }] }),
      policy('x/try', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }] }] }, audit),
    ]));
    const a = np.ingress.sets.get(np.ingress.members.get('10.244.1.2')!)!;
    const b = np.ingress.sets.get(np.ingress.members.get('10.244.1.3')!)!;
    assert.notEqual(a.id, b.id);
    assert.deepEqual([a.enforcedBy, a.auditedBy], [['x/deny'], ['x/try']]);
    assert.deepEqual(text(a.allowed).peers, ['10.244.1.3']);
    assert.deepEqual(text(a.allowedByEnforced!).ports, ['tcp . 80']);
    assert.deepEqual(text(a.allowedByEnforced!).peers, []);
    assert.equal(b.allowedByEnforced, undefined);
  });
});
