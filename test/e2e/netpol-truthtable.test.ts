// NetworkPolicy as upstream's e2e suite (test/e2e/network/netpol/network_policy.go) checks it:
// every case's policies applied with the real kubectl to namespaces x, y, z holding pods a, b, c,
// then a probe from every pod to every pod's Service compared with the case's truth table, on a
// 3-node cluster (so pods talk across nodes and on one node). Case names follow upstream's.

import { after, afterEach, before, describe, it } from 'node:test';
import { startCluster, type Cluster } from './lib/cluster.js';
import { applyAll, expectReachability, NetpolModel, PREFIX, Reachability, type Protocol } from './lib/netpol.js';
import { waitFor } from './lib/wait.js';

type Spec = Record<string, unknown>;
const np = (key: string, spec: Spec) => {
  const [namespace, name] = key.split('/');
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
};
const pod = (name: string) => ({ matchLabels: { pod: name } });
const nsName = (name: string) => ({ matchLabels: { 'kubernetes.io/metadata.name': name } });

describe('NetworkPolicy between server and client (upstream\'s e2e cases)', () => {
  let c: Cluster;
  let m: NetpolModel;
  const enforce = (...policies: object[]) => applyAll(c, policies);
  const all = () => new Reachability(m.pods);
  const check = (t: { diagnostic(s: string): void }, want: Reachability, port = 80, protocol: Protocol = 'tcp') =>
    expectReachability(m, want, port, protocol, (s) => t.diagnostic(s));

  before(async () => {
    c = await startCluster({ nodes: 3, prefix: PREFIX });
    m = await NetpolModel.create(c);
  });
  after(async () => {
    m?.stop();
    await c?.down();
  });
  afterEach(async () => {
    await c.kubectlOk(['delete', 'networkpolicies', '--all', '--all-namespaces']);
    await c.kubectlOk(['delete', 'clusternetworkpolicies', '--all']);
    await c.kubectlOk(['label', 'namespace', 'y', 'ns2-']);
    await c.kubectlOk(['label', 'pod', '-n', 'x', '--all', 'pod2-', 'target-']);
  });

  it('allows everything without policies, over TCP and UDP', async (t) => {
    await check(t, all());
    await check(t, all(), 81);
    await check(t, all(), 80, 'udp');
  });

  it('should support a \'default-deny-ingress\' policy', async (t) => {
    await enforce(np('x/deny-ingress', { podSelector: {}, policyTypes: ['Ingress'], ingress: [] }));
    await check(t, all().expectPeer({}, { ns: 'x' }, false));
    await check(t, all().expectPeer({}, { ns: 'x' }, false), 80, 'udp');
  });

  it('should support a \'default-deny-all\' policy', async (t) => {
    await enforce(np('x/deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: [] }));
    await check(t, all().expectPeer({}, { ns: 'x' }, false).expectPeer({ ns: 'x' }, {}, false));
  });

  it('should enforce policy to allow traffic from pods within server namespace based on PodSelector', async (t) => {
    await enforce(np('x/x-a-allows-x-b', { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: pod('b') }] }] }));
    await check(t, all().expectAllIngress('x/a', false).expect('x/b', 'x/a', true));
  });

  it('should enforce policy to allow ingress traffic for a target, and from pods in all namespaces', async (t) => {
    await enforce(
      np('x/deny-all', { podSelector: {}, policyTypes: ['Ingress'], ingress: [] }),
      np('x/allow-all-to-a', { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {}, namespaceSelector: {} }] }] }),
    );
    await check(t, all().expectAllIngress('x/b', false).expectAllIngress('x/c', false));
  });

  it('should enforce policy to allow traffic only from a different namespace, based on NamespaceSelector', async (t) => {
    await enforce(np('x/allow-client-a-via-ns-selector', { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: nsName('y') }] }] }));
    await check(t, all().expectPeer({ ns: 'x' }, { ns: 'x', pod: 'a' }, false).expectPeer({ ns: 'z' }, { ns: 'x', pod: 'a' }, false));
  });

  it('should enforce policy based on PodSelector and NamespaceSelector with MatchExpressions', async (t) => {
    await enforce(np('x/x-a-allows-x-b', { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: ['b'] }] } }] }] }));
    await check(t, all().expectAllIngress('x/a', false).expect('x/b', 'x/a', true));
    await enforce(np('x/x-a-allows-x-b', { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['y'] }] } }] }] }));
    await check(t, all().expectPeer({ ns: 'x' }, { ns: 'x', pod: 'a' }, false).expectPeer({ ns: 'z' }, { ns: 'x', pod: 'a' }, false));
  });

  it('should enforce policy based on PodSelector or NamespaceSelector', async (t) => {
    await enforce(np('x/allow-ns-y-match-selector', {
      podSelector: pod('a'), policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['x'] }] } }, { podSelector: pod('b') }] }],
    }));
    await check(t, all().expect('x/c', 'x/a', false));
  });

  it('should enforce policy based on PodSelector and NamespaceSelector', async (t) => {
    await enforce(np('x/allow-ns-y-podselector-and-nsselector', {
      podSelector: pod('a'), policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['x'] }] }, podSelector: pod('b') }] }],
    }));
    await check(t, all().expectAllIngress('x/a', false).expect('y/b', 'x/a', true).expect('z/b', 'x/a', true));
  });

  it('should enforce policy based on any PodSelectors, and on Multiple PodSelectors and NamespaceSelectors', async (t) => {
    await enforce(np('x/allow-ns-x-pod-b-c', { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: pod('b') }, { podSelector: pod('c') }] }] }));
    await check(t, all().expectAllIngress('x/a', false).expect('x/b', 'x/a', true).expect('x/c', 'x/a', true));
    await enforce(np('x/allow-ns-x-pod-b-c', {
      podSelector: pod('a'), policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['x'] }] }, podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: ['b', 'c'] }] } }] }],
    }));
    await check(t, all().expectPeer({ ns: 'x' }, { ns: 'x', pod: 'a' }, false).expectPeer({}, { ns: 'x', pod: 'a' }, false)
      .expect('y/b', 'x/a', true).expect('y/c', 'x/a', true).expect('z/b', 'x/a', true).expect('z/c', 'x/a', true));
  });

  it('should enforce policy based on Ports, and multiple stacked policies with overlapping podSelectors', async (t) => {
    const fromY = (name: string, port: number) => np(`x/${name}`, { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: nsName('y') }], ports: [{ port, protocol: 'TCP' }] }] });
    await enforce(fromY('allow-client-a-via-ns-selector', 81));
    const onlyY = () => all().expectAllIngress('x/a', false).expectPeer({ ns: 'y' }, { ns: 'x', pod: 'a' }, true);
    await check(t, onlyY(), 81);
    await check(t, all().expectAllIngress('x/a', false), 80);
    await enforce(fromY('allow-client-a-via-ns-selector-80', 80));
    await check(t, onlyY(), 80);
  });

  it('should allow ingress access on one named port, and from a namespace on one named port', async (t) => {
    await enforce(np('x/allow-all', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 'serve-81-tcp' }] }] }));
    await check(t, all(), 81);
    await check(t, all().expectPeer({}, { ns: 'x' }, false), 80);
    await c.kubectlOk(['delete', 'networkpolicy', 'allow-all', '-n', 'x']);
    await enforce(np('x/allow-client-a-via-ns-selector-80', { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: nsName('y') }], ports: [{ port: 'serve-80-tcp', protocol: 'TCP' }] }] }));
    await check(t, all().expectPeer({ ns: 'x' }, { ns: 'x', pod: 'a' }, false).expectPeer({ ns: 'z' }, { ns: 'x', pod: 'a' }, false), 80);
    await check(t, all().expectAllIngress('x/a', false), 81);
  });

  it('should allow egress access on one named port', async (t) => {
    await enforce(np('x/allow-egress', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'serve-80-tcp' }] }] }));
    await check(t, all(), 80);
    await check(t, all().expectPeer({ ns: 'x' }, {}, false), 81);
  });

  it('allows a range of ports with endPort, and not the ports outside it', async (t) => {
    await enforce(np('x/ports-80-to-81', { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [{ ports: [{ protocol: 'TCP', port: 80, endPort: 81 }] }] }));
    await check(t, all(), 80);
    await check(t, all(), 81);
    await enforce(np('x/ports-80-to-81', { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [{ ports: [{ protocol: 'TCP', port: 79, endPort: 80 }] }] }));
    await check(t, all().expectAllIngress('x/a', false), 81);
  });

  it('should enforce updated policy, and stop enforcing policies after they are deleted', async (t) => {
    await enforce(np('x/allow-all-mutate-to-deny-all', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] }));
    await check(t, all(), 81);
    await enforce(np('x/allow-all-mutate-to-deny-all', { podSelector: {}, policyTypes: ['Ingress'], ingress: [] }));
    await check(t, all().expectPeer({}, { ns: 'x' }, false), 81);
    await c.kubectlOk(['delete', 'networkpolicy', 'allow-all-mutate-to-deny-all', '-n', 'x']);
    await check(t, all(), 81);
  });

  it('should allow ingress access from updated namespace, and from updated pod', async (t) => {
    await enforce(np('x/allow-client-a-via-ns-selector', { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns2: 'updated' } } }] }] }));
    await check(t, all().expectAllIngress('x/a', false));
    await c.kubectlOk(['label', 'namespace', 'y', 'ns2=updated']);
    await check(t, all().expectAllIngress('x/a', false).expectPeer({ ns: 'y' }, { ns: 'x', pod: 'a' }, true));
    await enforce(np('x/allow-client-a-via-ns-selector', { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b', pod2: 'updated' } } }] }] }));
    await check(t, all().expectAllIngress('x/a', false));
    await c.kubectlOk(['label', 'pod', 'b', '-n', 'x', 'pod2=updated']);
    await check(t, all().expectAllIngress('x/a', false).expect('x/b', 'x/a', true));
  });

  it('should deny ingress from pods on other namespaces, and ingress access to updated pod', async (t) => {
    await enforce(np('x/deny-empty-policy', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }] }] }));
    await check(t, all().expectPeer({ ns: 'y' }, { ns: 'x' }, false).expectPeer({ ns: 'z' }, { ns: 'x' }, false));
    await c.kubectlOk(['delete', 'networkpolicy', 'deny-empty-policy', '-n', 'x']);
    await enforce(np('x/deny-ingress-via-label-selector', { podSelector: { matchLabels: { target: 'isolated' } }, policyTypes: ['Ingress'], ingress: [] }));
    await check(t, all());
    await c.kubectlOk(['label', 'pod', 'a', '-n', 'x', 'target=isolated']);
    await check(t, all().expectAllIngress('x/a', false));
  });

  it('should deny egress from pods based on PodSelector, and from all pods in a namespace', async (t) => {
    await enforce(np('x/deny-egress-pod-a', { podSelector: pod('a'), policyTypes: ['Egress'], egress: [] }));
    await check(t, all().expectAllEgress('x/a', false));
    await enforce(np('x/deny-egress-ns-x', { podSelector: {}, policyTypes: ['Egress'], egress: [] }));
    await check(t, all().expectPeer({ ns: 'x' }, {}, false));
  });

  it('should work with Ingress, Egress specified together', async (t) => {
    await enforce(np('x/allow-client-a-via-pod-selector', {
      podSelector: pod('a'), policyTypes: ['Egress', 'Ingress'],
      ingress: [{ from: [{ podSelector: pod('b') }] }], egress: [{ ports: [{ port: 80 }] }],
    }));
    await check(t, all().expectAllIngress('x/a', false).expect('x/b', 'x/a', true), 80);
    await check(t, all().expectAllIngress('x/a', false).expect('x/b', 'x/a', true).expectAllEgress('x/a', false), 81);
  });

  it('should support denying of egress traffic on the client side (even if the server explicitly allows this traffic)', async (t) => {
    const fromXa = { from: [{ namespaceSelector: nsName('x'), podSelector: pod('a') }] };
    await enforce(
      np('x/allow-to-ns-y-pod-a', { podSelector: pod('a'), policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: nsName('y'), podSelector: pod('a') }] }] }),
      np('y/allow-from-xa-on-ya-match-selector', { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [fromXa] }),
      np('y/allow-from-xa-on-yb-match-selector', { podSelector: pod('b'), policyTypes: ['Ingress'], ingress: [fromXa] }),
    );
    await check(t, all().expectAllEgress('x/a', false).expectAllIngress('y/a', false).expect('x/a', 'y/a', true).expectAllIngress('y/b', false));
  });

  it('should allow egress access to server in CIDR block, with except, and an IP in both once the except is gone', async (t) => {
    const ipOf = async (ns: string, name: string) => (await c.kubectlOk(['get', 'pod', name, '-n', ns, '-o', 'jsonpath={.status.podIP}'])).trim();
    const yb = await ipOf('y', 'b');
    await enforce(np('x/allow-client-a-via-cidr-egress-rule', { podSelector: pod('a'), policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: `${yb}/32` } }] }] }));
    await check(t, all().expectAllEgress('x/a', false).expect('x/a', 'y/b', true));
    const xb = await ipOf('x', 'b');
    const large = `${xb.split('.')[0]}.0.0.0/8`;
    await enforce(np('x/allow-client-a-via-cidr-egress-rule', { podSelector: pod('a'), policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: large, except: [`${xb}/32`] } }] }] }));
    await check(t, all().expect('x/a', 'x/b', false));
    await enforce(np('x/allow-client-a-via-cidr-egress-rule', { podSelector: pod('a'), policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: `${xb}/32` } }] }] }));
    await check(t, all().expectAllEgress('x/a', false).expect('x/a', 'x/b', true));
  });

  it('should enforce policies to check ingress and egress policies can be controlled independently based on PodSelector', async (t) => {
    await enforce(np('x/allow-egress-for-target', { podSelector: pod('a'), policyTypes: ['Egress'], egress: [{}] }));
    await check(t, all());
    await enforce(np('x/deny-ingress-via-label-selector', { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [] }));
    await check(t, all().expectAllIngress('x/a', false));
  });

  it('should not mistakenly treat \'protocol: SCTP\' as \'protocol: TCP\', and should not allow TCP when a policy specifies only UDP', async (t) => {
    await enforce(np('x/allow-only-sctp-ingress-on-port-81', { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 81, protocol: 'SCTP' }] }] }));
    await check(t, all().expectAllIngress('x/a', false), 81);
    await enforce(np('x/allow-only-sctp-ingress-on-port-81', { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 81, protocol: 'UDP' }] }] }));
    await check(t, all().expectAllIngress('x/a', false), 81);
    await check(t, all(), 81, 'udp');
  });

  it('should enforce ingress policy allowing any port traffic to a server on a specific protocol', async (t) => {
    await enforce(np('x/allow-ingress-by-proto', { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [{ ports: [{ protocol: 'TCP' }] }] }));
    await check(t, all(), 80);
    await check(t, all().expectAllIngress('x/a', false), 80, 'udp');
  });

  it('should enforce multiple ingress and egress policies with allow-all policies taking precedence', async (t) => {
    await enforce(np('x/allow-ingress-port-80', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 80 }] }] }));
    await check(t, all().expectPeer({}, { ns: 'x' }, false), 81);
    await enforce(np('x/allow-ingress', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] }));
    await check(t, all(), 81);
    await c.kubectlOk(['delete', 'networkpolicies', '--all', '-n', 'x']);
    await enforce(np('x/allow-egress-port-80', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 80 }] }] }));
    await check(t, all().expectPeer({ ns: 'x' }, {}, false), 81);
    await enforce(np('x/allow-egress', { podSelector: {}, policyTypes: ['Egress'], egress: [{}] }));
    await check(t, all(), 81);
  });

  it('UDP: should enforce policy based on Ports, and from a pod in a different namespace based on PodSelector and NamespaceSelector', async (t) => {
    await enforce(np('x/allow-ingress-on-port-81-ns-x', { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: nsName('y') }], ports: [{ port: 81, protocol: 'UDP' }] }] }));
    await check(t, all().expectPeer({ ns: 'x' }, { ns: 'x', pod: 'a' }, false).expectPeer({ ns: 'z' }, { ns: 'x', pod: 'a' }, false), 81, 'udp');
    await enforce(np('x/allow-ingress-on-port-81-ns-x', { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: nsName('y'), podSelector: pod('a') }] }] }));
    await check(t, all().expectAllIngress('x/a', false).expect('y/a', 'x/a', true), 80, 'udp');
  });

  it('ClusterNetworkPolicy: an Admin Deny beats what NetworkPolicy allows; Pass hands over; Baseline only for pods no NetworkPolicy selects', async (t) => {
    const cnp = (name: string, spec: Spec) => ({ apiVersion: 'policy.networking.k8s.io/v1alpha2', kind: 'ClusterNetworkPolicy', metadata: { name }, spec });
    const podsOf = (ns: string, name: string) => ({ namespaceSelector: nsName(ns), podSelector: pod(name) });
    await enforce(
      np('x/allow-all-to-a', { podSelector: pod('a'), policyTypes: ['Ingress'], ingress: [{}] }),
      cnp('no-y-to-x-a', { tier: 'Admin', priority: 10, subject: { pods: podsOf('x', 'a') }, ingress: [{ name: 'no-y', action: 'Deny', from: [{ namespaces: nsName('y') }] }] }),
    );
    await check(t, all().expectPeer({ ns: 'y' }, { ns: 'x', pod: 'a' }, false));
    // Who denied it: the ClusterNetworkPolicy's rule, named in the policy component's log (which
    // the kernel's NFLOG reaches a moment after the packet).
    await waitFor('knit denied to name the ClusterNetworkPolicy rule', async () => (await c.knit(['denied', '--name', c.name])).stdout,
      (out) => /DENIED tcp y\/\w \(\S+\) -> x\/a \(\S+:80\) ingress; denied by ClusterNetworkPolicy no-y-to-x-a rule no-y \(Admin tier\)/.test(out));
    await c.kubectlOk(['delete', 'clusternetworkpolicy', 'no-y-to-x-a']);
    await enforce(
      cnp('pass-y', { tier: 'Admin', priority: 10, subject: { namespaces: nsName('x') }, ingress: [{ action: 'Pass', from: [{ namespaces: nsName('y') }] }] }),
      cnp('baseline-deny', { tier: 'Baseline', priority: 10, subject: { namespaces: nsName('x') }, ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }] }),
    );
    // x/a is selected by a NetworkPolicy that allows everyone: the Baseline tier never sees it.
    await check(t, all().expectPeer({}, { ns: 'x', pod: 'b' }, false).expectPeer({}, { ns: 'x', pod: 'c' }, false));
  });
});
