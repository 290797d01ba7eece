import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../kube/types.js';
import { formatResolvConf, parseResolvConf, podDnsConfig, type DnsSettings } from './dns.js';

const pod = (spec: Partial<Pod['spec']> = {}, namespace = 'default'): Pod => ({
  metadata: { name: 'web', namespace, uid: 'u-1' },
  spec: { containers: [{ name: 'c' }], ...spec },
});
const settings: DnsSettings = {
  clusterDNS: ['10.96.0.10'],
  clusterDomain: 'cluster.local',
  hostResolvConf: '# host\nnameserver 10.255.255.53\nnameserver 1.1.1.1\nsearch corp.example. lab.example\noptions timeout:2 attempts:3\n',
};
const text = (p: Pod, s = settings) => formatResolvConf(podDnsConfig(p, s).conf);

test('ClusterFirst: cluster nameserver, namespace search path plus the host search, ndots:5', () => {
  assert.equal(text(pod()),
    'search default.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example\n'
    + 'nameserver 10.96.0.10\n'
    + 'options ndots:5\n');
  assert.equal(text(pod({}, 'shop')).split('\n')[0], 'search shop.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example');
  // The seed's host has no search line: exactly what `cat /etc/resolv.conf` shows in a pod.
  assert.equal(text(pod(), { ...settings, hostResolvConf: 'nameserver 10.255.255.53\n' }),
    'search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
});

test('dnsPolicy is ClusterFirst when unset', () => {
  assert.equal(text(pod({ dnsPolicy: undefined })), text(pod({ dnsPolicy: 'ClusterFirst' })));
});

test('Default and hostNetwork+ClusterFirst use the node resolv.conf', () => {
  const host = 'search corp.example lab.example\nnameserver 10.255.255.53\nnameserver 1.1.1.1\noptions timeout:2 attempts:3\n';
  assert.equal(text(pod({ dnsPolicy: 'Default' })), host);
  assert.equal(text(pod({ dnsPolicy: 'ClusterFirst', hostNetwork: true })), host);
});

test('ClusterFirstWithHostNet keeps cluster DNS for hostNetwork pods', () => {
  assert.equal(text(pod({ dnsPolicy: 'ClusterFirstWithHostNet', hostNetwork: true })).split('\n')[1], 'nameserver 10.96.0.10');
});

test('None takes dnsConfig only', () => {
  const p = pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.2.3.4'], searches: ['ns1.svc.cluster-domain.example', 'my.dns.search.suffix'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] } });
  assert.equal(text(p), 'search ns1.svc.cluster-domain.example my.dns.search.suffix\nnameserver 1.2.3.4\noptions ndots:2 edns0\n');
});

test('dnsConfig merges: entries added once, options override by name', () => {
  const p = pod({ dnsConfig: { nameservers: ['10.96.0.10', '8.8.8.8'], searches: ['cluster.local', 'extra.example'], options: [{ name: 'ndots', value: '1' }, { name: 'single-request-reopen' }] } });
  const conf = podDnsConfig(p, settings).conf;
  assert.deepEqual(conf.nameservers, ['10.96.0.10', '8.8.8.8']);
  assert.deepEqual(conf.searches, ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example', 'lab.example', 'extra.example']);
  assert.deepEqual(conf.options, ['ndots:1', 'single-request-reopen']);
});

test('limits: 3 nameservers, 32 search paths, each with the kubelet warning', () => {
  const many = pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1', '2.2.2.2', '3.3.3.3', '4.4.4.4'], searches: Array.from({ length: 40 }, (_, i) => `s${i}.example`) } });
  const { conf, warnings } = podDnsConfig(many, settings);
  assert.deepEqual(conf.nameservers, ['1.1.1.1', '2.2.2.2', '3.3.3.3']);
  assert.equal(conf.searches.length, 32);
  assert.deepEqual(warnings.map((w) => w.message), [
    'Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 1.1.1.1 2.2.2.2 3.3.3.3',
    `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${conf.searches.join(' ')}`,
  ]);
  const long = pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: Array.from({ length: 10 }, (_, i) => `${'a'.repeat(250)}${i}`) } });
  const fitted = podDnsConfig(long, settings).conf.searches;
  assert.ok(fitted.join(' ').length <= 2048);
  assert.equal(fitted.length, 8);
});

test('without cluster DNS, ClusterFirst falls back to Default with MissingClusterDNS', () => {
  const { conf, warnings } = podDnsConfig(pod(), { ...settings, clusterDNS: [] });
  assert.deepEqual(conf.nameservers, ['10.255.255.53', '1.1.1.1']);
  assert.equal(warnings[0].reason, 'MissingClusterDNS');
  assert.match(warnings[0].message, /^pod: "web_default\(u-1\)"\. kubelet does not have ClusterDNS IP configured/);
});

test('parseResolvConf: nameservers accumulate, last search and options win, trailing dots dropped', () => {
  assert.deepEqual(parseResolvConf('search a.\nsearch b c.\nnameserver 1.1.1.1\n#nameserver 9.9.9.9\nnameserver 2.2.2.2\noptions x\noptions ndots:3\n'),
    { nameservers: ['1.1.1.1', '2.2.2.2'], searches: ['b', 'c'], options: ['ndots:3'] });
});
